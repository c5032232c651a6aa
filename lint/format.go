package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats are the output formats of Write.
var Formats = []string{"text", "json", "sarif", "github"}

// Write prints res in format (one of Formats).
func Write(w io.Writer, format string, res *Result) error {
	switch format {
	case "text":
		return writeText(w, res)
	case "json":
		return writeJSON(w, res)
	case "sarif":
		return writeSARIF(w, res)
	case "github":
		return writeGitHub(w, res)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// writeText prints FILE:LINE:COL: SEVERITY RULE: message, a blank line
// between files, and a summary line.
func writeText(w io.Writer, res *Result) error {
	prev := ""
	for i, d := range res.Diagnostics {
		if i > 0 && d.File != prev {
			fmt.Fprintln(w)
		}
		prev = d.File
		fmt.Fprintln(w, d.String())
	}
	_, err := fmt.Fprintln(w, summary(res))
	return err
}

func summary(res *Result) string {
	plural := func(n int, s string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, s)
		}
		return fmt.Sprintf("%d %ss", n, s)
	}
	return fmt.Sprintf("%s, %s, %s in %s",
		plural(res.Count(SeverityError), "error"), plural(res.Count(SeverityWarning), "warning"),
		plural(res.Count(SeverityInfo), "info"), plural(res.Flakes, "flake"))
}

// JSONReport is the --format json document. Its fields are a stable
// interface: fields may be added, never renamed or removed.
type JSONReport struct {
	Version     int              `json:"version"` // 1
	Diagnostics []JSONDiagnostic `json:"diagnostics"`
	Summary     JSONSummary      `json:"summary"`
}

// JSONDiagnostic is one finding. Lines and columns are 1-based, columns in
// bytes; endLine/endColumn are just past the offending text.
type JSONDiagnostic struct {
	File      string         `json:"file"`
	Line      int            `json:"line"`
	Column    int            `json:"column"`
	EndLine   int            `json:"endLine"`
	EndColumn int            `json:"endColumn"`
	Severity  string         `json:"severity"` // error, warning or info
	Rule      string         `json:"rule"`
	Message   string         `json:"message"`
	URL       string         `json:"url"`
	Fixes     []SuggestedFix `json:"fixes"`
}

// JSONSummary counts the findings.
type JSONSummary struct {
	Flakes   int `json:"flakes"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// Report returns res as the JSON document.
func Report(res *Result) JSONReport {
	r := JSONReport{Version: 1, Diagnostics: []JSONDiagnostic{}}
	for _, d := range res.Diagnostics {
		fixes := d.Fixes
		if fixes == nil {
			fixes = []SuggestedFix{}
		}
		r.Diagnostics = append(r.Diagnostics, JSONDiagnostic{
			File: d.File, Line: d.Start.Line, Column: d.Start.Column,
			EndLine: d.End.Line, EndColumn: d.End.Column,
			Severity: d.Severity.String(), Rule: d.Rule.Name, Message: d.Message,
			URL: d.Rule.URL(), Fixes: fixes,
		})
	}
	r.Summary = JSONSummary{Flakes: res.Flakes, Errors: res.Count(SeverityError),
		Warnings: res.Count(SeverityWarning), Infos: res.Count(SeverityInfo)}
	return r
}

func writeJSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report(res))
}

// writeGitHub prints workflow commands that GitHub Actions shows as
// annotations on the pull request.
func writeGitHub(w io.Writer, res *Result) error {
	for _, d := range res.Diagnostics {
		level := map[Severity]string{SeverityError: "error", SeverityWarning: "warning", SeverityInfo: "notice"}[d.Severity]
		fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n", level,
			ghProperty(d.File), d.Start.Line, d.Start.Column, d.End.Line, d.End.Column,
			ghProperty(d.Rule.Name), ghData(d.Message))
	}
	_, err := fmt.Fprintln(w, summary(res))
	return err
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0, the subset GitHub code scanning reads. A handful of structs
// is less to maintain than a dependency for them.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string        `json:"id"`
	ShortDescription     sarifText     `json:"shortDescription"`
	FullDescription      sarifText     `json:"fullDescription"`
	HelpURI              string        `json:"helpUri"`
	DefaultConfiguration sarifRuleConf `json:"defaultConfiguration"`
}

type sarifRuleConf struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifByteRegion `json:"deletedRegion"`
	InsertedContent sarifText       `json:"insertedContent"`
}

type sarifByteRegion struct {
	ByteOffset int `json:"byteOffset"`
	ByteLength int `json:"byteLength"`
}

func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, res *Result) error {
	driver := sarifDriver{Name: "flakectl", InformationURI: "https://github.com/system1/devbox"}
	index := map[string]int{}
	for i, r := range Rules {
		index[r.Name] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: r.Name, ShortDescription: sarifText{r.Summary()}, FullDescription: sarifText{r.Doc},
			HelpURI: r.URL(), DefaultConfiguration: sarifRuleConf{sarifLevel(r.Severity)},
		})
	}
	run := sarifRun{Tool: sarifTool{driver}, Results: []sarifResult{}}
	for _, d := range res.Diagnostics {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: d.File},
			Region:           &sarifRegion{d.Start.Line, d.Start.Column, d.End.Line, d.End.Column},
		}}
		r := sarifResult{RuleID: d.Rule.Name, RuleIndex: index[d.Rule.Name], Level: sarifLevel(d.Severity),
			Message: sarifText{d.Message}, Locations: []sarifLocation{loc}}
		for _, fx := range d.Fixes {
			sf := sarifFix{Description: sarifText{fx.Message}}
			for _, e := range fx.Edits {
				sf.ArtifactChanges = append(sf.ArtifactChanges, sarifArtifactChange{
					ArtifactLocation: sarifArtifact{URI: e.File},
					Replacements: []sarifReplacement{{
						DeletedRegion:   sarifByteRegion{e.Offset, e.End - e.Offset},
						InsertedContent: sarifText{e.NewText},
					}},
				})
			}
			r.Fixes = append(r.Fixes, sf)
		}
		run.Results = append(run.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
