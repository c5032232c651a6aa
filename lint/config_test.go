package lint

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/system1/devbox/render"
)

var configErrors = []struct{ src, err string }{
	{"bogus: 1\n", "field bogus not found"},
	{"rules: {nope: off}\n", `unknown rule "nope"`},
	{"rules: {stale: loud}\n", `severity "loud"`},
	{"stale-days: {nixpkgs: 0}\n", "not a positive number"},
	{"stale-days: {nixpkgs: many}\n", "cannot unmarshal"},
	{"devbox-url: 'github:'\n", "devbox-url:"},
	{"flakes: [../up]\n", "not a directory inside"},
	{"flakes: [/abs]\n", "not a directory inside"},
	{"supported-branches: ['a b']\n", "not a branch name"},
	{"a: [\n", "did not find expected node content"},
	{"rules: {}\n---\nrules: {}\n", "more than one YAML document"},
	{"- 1\n", "cannot unmarshal"},
}

func TestParseConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		for _, src := range []string{"", "# only a comment\n", "{}\n"} {
			c, err := ParseConfig(ConfigFile, []byte(src))
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if c.DevboxURL != render.DefaultDevboxURL || c.Severity(Stale) != SeverityWarning ||
				!reflect.DeepEqual(c.StaleDays, map[string]int{"nixpkgs": 30, "devbox": 30}) {
				t.Errorf("%q: not the defaults: %+v", src, c)
			}
		}
	})
	t.Run("settings", func(t *testing.T) {
		c, err := ParseConfig(ConfigFile, []byte("devbox-url: github:acme/p\nflakes: [./a/, b]\nrules: {stale: off, devbox-shell: error}\nstale-days: {x: 5}\nsupported-branches: [nixos-24.05]\n"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Severity(Stale) != SeverityOff || c.Severity(DevboxShell) != SeverityError || c.Severity(Syntax) != SeverityError {
			t.Errorf("severities not applied: %v", c.severity)
		}
		if !reflect.DeepEqual(c.Flakes, []string{"a", "b"}) || !reflect.DeepEqual(c.StaleDays, map[string]int{"x": 5}) ||
			!reflect.DeepEqual(c.Branches(testNow), []string{"nixos-24.05"}) || c.devbox.Owner() != "acme" {
			t.Errorf("settings not read: %+v", c)
		}
	})
	for _, tc := range configErrors {
		t.Run("error "+tc.err, func(t *testing.T) {
			_, err := ParseConfig(ConfigFile, []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), ConfigFile+": ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%q: error %v, want one line naming the file and containing %q", tc.src, err, tc.err)
			}
		})
	}
}

// FuzzParseConfig: .flakectl.yaml comes from the repository being linted,
// possibly an untrusted pull request. Any bytes give a config or a one-line
// error naming the file, never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, tc := range configErrors {
		f.Add([]byte(tc.src))
	}
	f.Add([]byte("devbox-url: github:acme/p\nflakes: [a]\nrules: {stale: off}\nstale-days: {x: 5}\nsupported-branches: [b]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(ConfigFile, data)
		if err != nil {
			msg := err.Error()
			if c != nil || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, ConfigFile+": ") || (utf8.Valid(data) && !utf8.ValidString(msg)) {
				t.Fatalf("bad error %q", msg)
			}
			return
		}
		for _, r := range Rules {
			c.Severity(r)
		}
		if len(c.Branches(time.Now())) == 0 {
			t.Fatal("no supported branches")
		}
	})
}

func TestDefaultBranches(t *testing.T) {
	for _, tc := range []struct {
		date string
		want string
	}{
		{"2026-01-15", "nixos-25.11 nixos-25.05"},
		{"2026-05-31", "nixos-25.11 nixos-25.05"},
		{"2026-06-01", "nixos-26.05 nixos-25.11"},
		{"2026-11-30", "nixos-26.05 nixos-25.11"},
		{"2026-12-01", "nixos-26.11 nixos-26.05"},
		{"2000-02-01", "nixos-99.11 nixos-99.05"},
	} {
		now, _ := time.Parse("2006-01-02", tc.date)
		got := strings.Join(DefaultBranches(now)[2:], " ")
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.date, got, tc.want)
		}
	}
}

// TestMissingFlakeFix: the fix for a repository without flake.nix writes
// what flakectl init writes, with the configured devbox URL.
func TestMissingFlakeFix(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ConfigFile), "devbox-url: github:acme/platform?dir=base\n")
	res, err := Run([]Tree{{FS: os.DirFS(dir), Start: ".", Display: dir}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || res.Diagnostics[0].Rule != MissingFlake {
		t.Fatalf("diagnostics %v, want one missing-flake", res.Diagnostics)
	}
	if _, err := ApplyFixes(res.Diagnostics); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	plan := render.DefaultProject()
	plan.DevboxURL = "github:acme/platform?dir=base"
	want, err := render.Project(plan)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("fix wrote\n%s\nwant what flakectl init writes:\n%s", got, want)
	}
}

func TestGitignore(t *testing.T) {
	l := parseGitignore("", []byte("# c\n*.o\n/build\nlogs/\n!keep.o\ndocs/**/gen\n\\#lit\na/*/c\n"))
	l = l.join(parseGitignore("sub", []byte("x\n!/build\n")))
	for _, tc := range []struct {
		name string
		dir  bool
		want bool
	}{
		{"a.o", false, true}, {"d/a.o", false, true}, {"keep.o", false, false},
		{"build", true, true}, {"d/build", true, false}, {"logs", true, true}, {"logs", false, false},
		{"d/logs", true, true}, {"docs/gen", true, true}, {"docs/a/b/gen", true, true},
		{"#lit", false, true}, {"a/b/c", true, true}, {"a/b/d/c", true, false},
		{"sub/x", false, true}, {"x", false, false}, {"sub/build", true, false}, {"flake.nix", false, false},
	} {
		if got := l.ignored(tc.name, tc.dir); got != tc.want {
			t.Errorf("ignored(%q, dir=%v) = %v, want %v", tc.name, tc.dir, got, tc.want)
		}
	}
}
