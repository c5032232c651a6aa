package lint

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/nix/syntax"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata from the fixes")

// testNow is the clock of every testdata case.
var testNow = time.Date(2026, time.January, 15, 12, 0, 0, 0, time.UTC)

// want is one expected diagnostic: file and line, and a regexp for
// "RULE: message".
type want struct {
	file string
	line int
	re   *regexp.Regexp
	seen bool
}

var wantMarker = regexp.MustCompile(`# want((?:\s+"(?:[^"\\]|\\.)*")+)`)
var wantArg = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// readWants collects `# want "regexp"...` markers from every file of dir
// and the lines of its WANT file, `FILE:LINE: "regexp"...`, for files that
// cannot hold comments (flake.lock) or do not exist (missing-flake).
func readWants(t *testing.T, dir string) []*want {
	t.Helper()
	var wants []*want
	add := func(file string, line int, args string) {
		for _, q := range wantArg.FindAllString(args, -1) {
			s, err := strconv.Unquote(q)
			if err != nil {
				t.Fatalf("%s:%d: bad want %s: %v", file, line, q, err)
			}
			wants = append(wants, &want{file: file, line: line, re: regexp.MustCompile(s)})
		}
	}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || strings.HasSuffix(p, ".golden") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil // unreadable on purpose (a dangling link)
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		for i, line := range strings.Split(string(data), "\n") {
			if rel == "WANT" {
				file, rest, ok := strings.Cut(line, ":")
				if !ok {
					continue
				}
				num, args, _ := strings.Cut(rest, ":")
				n, err := strconv.Atoi(num)
				if err != nil {
					t.Fatalf("WANT:%d: %q: want FILE:LINE: \"regexp\"", i+1, line)
				}
				add(file, n, args)
				continue
			}
			if m := wantMarker.FindStringSubmatch(line); m != nil {
				add(rel, i+1, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return wants
}

// copyTree copies testdata case dir to a fresh directory, so fixes can be
// applied to it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			return os.MkdirAll(target, 0o755)
		case e.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestRules runs every rule over each directory of testdata/src: each
// diagnostic must be wanted by a marker on its line, every marker must be
// matched, and the fixes must turn FILE into FILE.golden.
func TestRules(t *testing.T) {
	cases, err := os.ReadDir("testdata/src")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			src := filepath.Join("testdata/src", c.Name())
			dir := copyTree(t, src)
			res, err := Run([]Tree{{FS: os.DirFS(dir), Start: ".", Display: dir}}, Options{Now: func() time.Time { return testNow }})
			if err != nil {
				t.Fatal(err)
			}
			wants := readWants(t, src)
			for _, d := range res.Diagnostics {
				rel, _ := filepath.Rel(dir, d.File)
				got := d.Rule.Name + ": " + d.Message
				matched := false
				for _, w := range wants {
					if !w.seen && w.file == filepath.ToSlash(rel) && w.line == d.Start.Line && w.re.MatchString(got) {
						w.seen, matched = true, true
						break
					}
				}
				if !matched {
					t.Errorf("%s:%d:%d: unexpected diagnostic: %s", rel, d.Start.Line, d.Start.Column, got)
				}
			}
			for _, w := range wants {
				if !w.seen {
					t.Errorf("%s:%d: no diagnostic matching %q", w.file, w.line, w.re)
				}
			}
			checkGolden(t, src, dir, res.Diagnostics)
		})
	}
}

func checkGolden(t *testing.T, src, dir string, ds []Diagnostic) {
	t.Helper()
	written, err := ApplyFixes(ds)
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]bool{}
	for _, p := range written {
		rel, _ := filepath.Rel(dir, p)
		if data, err := os.ReadFile(p); err != nil {
			t.Fatal(err)
		} else if _, _, err := syntax.ParseFile(rel, data); err != nil {
			t.Errorf("the fixes made %s unparseable: %v", rel, err)
		}
		if _, err := os.Stat(filepath.Join(src, rel)); err != nil {
			continue // a new file: TestMissingFlakeFix checks what it holds
		}
		fixed[rel] = true
		golden := filepath.Join(src, rel+".golden")
		got, _ := os.ReadFile(p)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("fix wrote %s but there is no %s (go test ./lint -run TestRules -update)", rel, golden)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("fixed %s differs from %s (go test ./lint -run TestRules -update):\n%s", rel, golden, got)
		}
	}
	// Every golden file must come from a fix.
	goldens, _ := filepath.Glob(filepath.Join(src, "*.golden"))
	more, _ := filepath.Glob(filepath.Join(src, "*", "*.golden"))
	for _, g := range append(goldens, more...) {
		rel, _ := filepath.Rel(src, strings.TrimSuffix(g, ".golden"))
		if !fixed[rel] && !*update {
			t.Errorf("%s: no fix wrote %s", g, rel)
		}
	}
}

// testedElsewhere names the test of each rule that needs more than files
// (a real git repository).
var testedElsewhere = map[string]string{"untracked": "TestUntracked"}

// TestEveryRuleHasTestdata keeps the testdata honest: each rule is wanted
// somewhere, and each has a doc and a default severity.
func TestEveryRuleHasTestdata(t *testing.T) {
	var all []string
	cases, _ := os.ReadDir("testdata/src")
	for _, c := range cases {
		for _, w := range readWants(t, filepath.Join("testdata/src", c.Name())) {
			all = append(all, w.re.String())
		}
	}
	joined := strings.Join(all, "\n")
	for _, r := range Rules {
		if !strings.Contains(joined, r.Name) && testedElsewhere[r.Name] == "" {
			t.Errorf("rule %s: no testdata wants it", r.Name)
		}
		if r.Doc == "" || r.Severity == SeverityOff || !strings.Contains(r.URL(), r.Name) {
			t.Errorf("rule %s: missing doc, severity or URL", r.Name)
		}
		if RuleByName(r.Name) != r {
			t.Errorf("RuleByName(%q) is not the rule", r.Name)
		}
	}
	names := make([]string, len(Rules))
	for i, r := range Rules {
		names[i] = r.Name
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			t.Errorf("two rules named %s", sorted[i])
		}
	}
}
