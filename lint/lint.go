// Package lint checks the flakes of a repository without evaluating any Nix
// code, so it is safe to run on untrusted pull requests: flake.nix is read
// with nix/syntax, flake.lock with nix/lockfile.
//
// A rule is a value (see Rules). Run finds every flake.nix in a tree (honouring
// .gitignore), runs each enabled rule over each flake and returns diagnostics,
// which the formatters print and ApplyFixes applies.
package lint

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Severity says how much a diagnostic matters. Only errors fail a run.
type Severity int

const (
	SeverityOff Severity = iota // the rule does not run
	SeverityInfo
	SeverityWarning
	SeverityError
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "off"
}

// ParseSeverity reads the spelling used in .flakectl.yaml.
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "off":
		return SeverityOff, nil
	case "info":
		return SeverityInfo, nil
	case "warning":
		return SeverityWarning, nil
	case "error":
		return SeverityError, nil
	}
	return SeverityOff, fmt.Errorf("severity %q: want off, info, warning or error", s)
}

// DocsURL is where the rules are documented; each rule has an anchor there.
const DocsURL = "https://github.com/system1/devbox/blob/main/README.md#lint-rules"

// A Rule is one check. Name is the rule's stable identifier (used in
// configuration, --explain and output); Doc is one paragraph, its first
// sentence a summary.
type Rule struct {
	Name     string
	Doc      string
	Severity Severity // default severity
	Run      func(*Pass)
}

// URL is the rule's documentation anchor.
func (r *Rule) URL() string { return DocsURL + "-" + r.Name }

// Summary is the first sentence of Doc.
func (r *Rule) Summary() string {
	if i := strings.Index(r.Doc, ". "); i >= 0 {
		return r.Doc[:i]
	}
	return strings.TrimSuffix(r.Doc, ".")
}

// Position is a place in a file: 1-based line and byte column, and the byte
// offset. Line 0 means the whole file.
type Position struct {
	Line, Column, Offset int
}

// TextEdit replaces File's bytes [Offset, End) with NewText. An edit of a
// file that does not exist creates it (Offset = End = 0).
type TextEdit struct {
	File    string `json:"file"`
	Offset  int    `json:"offset"`
	End     int    `json:"end"`
	NewText string `json:"newText"`
}

// SuggestedFix is a mechanical fix: edits to apply together.
type SuggestedFix struct {
	Message string     `json:"message"`
	Edits   []TextEdit `json:"edits"`
}

// Diagnostic is one finding. File is the path as the user named it
// (slash-separated); Start and End delimit the offending text.
type Diagnostic struct {
	File     string
	Start    Position
	End      Position
	Severity Severity
	Rule     *Rule
	Message  string
	Fixes    []SuggestedFix
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s %s: %s", d.File, d.Start.Line, d.Start.Column, d.Severity, d.Rule.Name, d.Message)
}

// Options are what a run needs besides the files.
type Options struct {
	// Now is the clock for the stale rule; time.Now when nil.
	Now func() time.Time
	// Config overrides every repository's .flakectl.yaml when set.
	Config *Config
}

// Pass is one rule's view of one flake.
type Pass struct {
	Rule   *Rule
	Flake  *Flake
	Config *Config
	Now    time.Time
	sev    Severity
	out    *[]Diagnostic
}

// Report records a diagnostic at the rule's configured severity.
func (p *Pass) Report(d Diagnostic) {
	d.Rule = p.Rule
	d.Severity = p.sev
	*p.out = append(*p.out, d)
}

// Reportf reports a message about file (a Flake file name) between the
// byte offsets start and end; start < 0 means the file as a whole.
func (p *Pass) Reportf(file *SourceFile, start, end int, format string, args ...any) *Diagnostic {
	d := Diagnostic{File: file.Display, Message: fmt.Sprintf(format, args...)}
	if start >= 0 {
		d.Start = file.position(start)
		d.End = file.position(end)
	} else {
		d.Start = Position{Line: 1, Column: 1}
		d.End = d.Start
	}
	p.Report(d)
	return &(*p.out)[len(*p.out)-1]
}

// Result is the outcome of a run.
type Result struct {
	Diagnostics []Diagnostic
	Flakes      int // flake directories checked
	Repos       int // repository roots walked
}

// Count returns how many diagnostics have severity s.
func (r *Result) Count(s Severity) int {
	n := 0
	for _, d := range r.Diagnostics {
		if d.Severity == s {
			n++
		}
	}
	return n
}

func sortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start.Offset != b.Start.Offset || a.Start.Line != b.Start.Line {
			if a.Start.Line != b.Start.Line {
				return a.Start.Line < b.Start.Line
			}
			return a.Start.Offset < b.Start.Offset
		}
		return a.Rule.Name < b.Rule.Name
	})
}
