package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/lint"
)

// lintCase copies a case of lint's testdata into a temporary directory.
func lintCase(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "lint", "testdata", "src", name)
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(p, ".golden") || filepath.Base(p) == "WANT" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// noStale turns off the clock-dependent rule for CLI tests.
func noStale(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lint.yaml")
	writeTestFile(t, p, "rules: {stale: off, nixpkgs-branch: off}\n")
	return p
}

func TestLintExitCodesAndFormats(t *testing.T) {
	t.Parallel()
	good := lintCase(t, "good")
	drift := lintCase(t, "lock-drift")
	cfg := noStale(t)
	badCfg := filepath.Join(t.TempDir(), "bad.yaml")
	writeTestFile(t, badCfg, "rulez: {}\n")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring of the one stderr line; "" for none
	}{
		{"clean", []string{"lint", "--config", cfg, good}, 0, "0 errors, 0 warnings, 0 infos in 2 flakes", ""},
		{"findings", []string{"lint", "--config", cfg, drift}, 1, "error lock-drift: input utils is not in flake.lock", ""},
		{"several paths", []string{"lint", "--config", cfg, good, drift}, 1, "in 3 flakes", ""},
		{"json", []string{"lint", "--config", cfg, "--format", "json", drift}, 1, `"rule": "lock-drift"`, ""},
		{"sarif", []string{"lint", "--config", cfg, "--format", "sarif", drift}, 1, `"version": "2.1.0"`, ""},
		{"github", []string{"lint", "--config", cfg, "--format", "github", drift}, 1, "::error file=" + drift + "/flake.nix,line=7,col=10,", ""},
		{"explain", []string{"lint", "--explain", "lock-drift"}, 0, "lock-drift (default severity: error)", ""},
		{"help", []string{"lint", "--help"}, 0, "flakectl lint --staged", ""},
		{"help has exit codes", []string{"lint", "--help"}, 0, "Exit codes:", ""},
		{"unknown rule", []string{"lint", "--explain", "nope"}, 2, "", `unknown rule "nope"`},
		{"unknown format", []string{"lint", "--format", "xml", good}, 2, "", `--format "xml"`},
		{"missing path", []string{"lint", filepath.Join(good, "nope")}, 2, "", "no such file or directory"},
		{"file as path", []string{"lint", filepath.Join(good, "flake.nix")}, 2, "", "not a directory"},
		{"bad config", []string{"lint", "--config", badCfg, good}, 2, "", "field rulez not found"},
		{"staged with fix", []string{"lint", "--staged", "--fix"}, 2, "", "no --fix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runFlakectl(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d (stdout %q, stderr %q)", code, c.code, stdout, stderr)
			}
			if !strings.Contains(stdout, c.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout, c.stdout)
			}
			if c.stderr == "" && stderr != "" {
				t.Errorf("unexpected stderr %q", stderr)
			}
			if c.stderr != "" && (!strings.Contains(stderr, c.stderr) || strings.Count(stderr, "\n") != 1) {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.stderr)
			}
		})
	}
}

// TestLintOutputSchemas parses each machine format.
func TestLintOutputSchemas(t *testing.T) {
	t.Parallel()
	drift := lintCase(t, "lock-drift")
	cfg := noStale(t)
	_, text, _ := runFlakectl(t, "", "lint", "--config", cfg, drift)
	nText := strings.Count(text, ": error lock-drift: ")

	_, out, _ := runFlakectl(t, "", "lint", "--config", cfg, "--format", "json", drift)
	var report lint.JSONReport
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if report.Version != 1 || len(report.Diagnostics) != nText || report.Summary.Errors != nText || nText < 4 {
		t.Errorf("json: %d diagnostics, %d errors, want %d as in text", len(report.Diagnostics), report.Summary.Errors, nText)
	}
	for _, d := range report.Diagnostics {
		if d.File != drift+"/flake.nix" || d.Line < 1 || d.Column < 1 || d.EndLine < d.Line || !strings.Contains(d.URL, "#lint-rules-lock-drift") || d.Fixes == nil {
			t.Errorf("json diagnostic %+v", d)
		}
	}

	_, out, _ = runFlakectl(t, "", "lint", "--config", cfg, "--format", "sarif", drift)
	var sarif struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil {
		t.Fatalf("sarif: %v", err)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Tool.Driver.Rules) != len(lint.Rules) || len(sarif.Runs[0].Results) != nText {
		t.Fatalf("sarif: %+v", sarif)
	}
	for _, r := range sarif.Runs[0].Results {
		if r.Level != "error" || sarif.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("sarif result %+v", r)
		}
	}

	_, out, _ = runFlakectl(t, "", "lint", "--config", cfg, "--format", "github", drift)
	if n := strings.Count(out, "::error file="); n != nText {
		t.Errorf("github: %d annotations, want %d:\n%s", n, nText, out)
	}
}

func TestLintFix(t *testing.T) {
	t.Parallel()
	cfg := noStale(t)
	t.Run("devbox url", func(t *testing.T) {
		t.Parallel()
		dir := lintCase(t, "devbox-input")
		code, stdout, stderr := runFlakectl(t, "", "lint", "--config", cfg, "--fix", dir)
		if !strings.Contains(stderr, "fixed "+filepath.Join(dir, "flake.nix")) {
			t.Errorf("stderr %q does not say flake.nix was fixed", stderr)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "flake.nix"))
		if !strings.Contains(string(data), `inputs.devbox.url = "github:system1/devbox?dir=base-flake";`) {
			t.Errorf("flake.nix not fixed:\n%s", data)
		}
		// What is left: the lock now drifts, and nodevbox has no mechanical fix.
		if code != 1 || strings.Contains(stdout, "someone/devbox, not the base flake") || !strings.Contains(stdout, "lock-drift: input devbox is github:system1/devbox") {
			t.Errorf("after --fix: exit %d, stdout:\n%s", code, stdout)
		}
	})
	t.Run("nothing to fix writes nothing", func(t *testing.T) {
		t.Parallel()
		dir := lintCase(t, "good")
		old := time.Now().Add(-time.Hour)
		nix := filepath.Join(dir, "flake.nix")
		if err := os.Chtimes(nix, old, old); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runFlakectl(t, "", "lint", "--config", cfg, "--fix", dir)
		st, _ := os.Stat(nix)
		if code != 0 || stderr != "" || !st.ModTime().Equal(old) {
			t.Errorf("exit %d, stderr %q, mtime changed: %v", code, stderr, !st.ModTime().Equal(old))
		}
	})
	t.Run("missing flake runs init", func(t *testing.T) {
		t.Parallel()
		oracle.Require(t, "git")
		dir := t.TempDir()
		gitRun(t, dir, "init", "-q")
		code, stdout, stderr := runFlakectl(t, "", "lint", "--config", cfg, "--fix", dir)
		if !strings.Contains(stderr, "fixed "+filepath.Join(dir, "flake.nix")) {
			t.Errorf("stderr %q", stderr)
		}
		// init's flake, added with --intent-to-add: only the lock is missing.
		if code != 1 || !strings.Contains(stdout, "missing-lock") || strings.Contains(stdout, "untracked") || strings.Contains(stdout, "missing-flake") {
			t.Errorf("after --fix: exit %d\n%s", code, stdout)
		}
	})
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestLintStaged: --staged checks what is in the index, not the work tree.
func TestLintStaged(t *testing.T) {
	t.Parallel()
	oracle.Require(t, "git")
	cfg := noStale(t)
	dir := lintCase(t, "good")
	gitRun(t, dir, "init", "-q")
	gitRun(t, dir, "add", "flake.nix", "flake.lock", "tools/flake.nix", "tools/flake.lock")
	good, _ := os.ReadFile(filepath.Join(dir, "flake.nix"))

	writeTestFile(t, filepath.Join(dir, "flake.nix"), "{ broken = ; }\n")
	if code, stdout, stderr := runFlakectl(t, "", "lint", "--config", cfg, "--staged", dir); code != 0 {
		t.Errorf("staged good, work tree broken: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := runFlakectl(t, "", "lint", "--config", cfg, dir); code != 1 {
		t.Errorf("work tree broken: lint without --staged exit %d, want 1", code)
	}
	gitRun(t, dir, "add", "flake.nix")
	writeTestFile(t, filepath.Join(dir, "flake.nix"), string(good))
	code, stdout, _ := runFlakectl(t, "", "lint", "--config", cfg, "--staged", dir)
	if code != 1 || !strings.Contains(stdout, dir+"/flake.nix:1:12: error syntax:") {
		t.Errorf("staged broken: exit %d\n%s", code, stdout)
	}
	gitRun(t, dir, "rm", "-q", "--cached", "tools/flake.lock")
	_, stdout, _ = runFlakectl(t, "", "lint", "--config", cfg, "--staged", dir)
	if !strings.Contains(stdout, "tools/flake.nix:1:1: error missing-lock") {
		t.Errorf("unstaged lock not seen as missing:\n%s", stdout)
	}
	if code, _, stderr := runFlakectl(t, "", "lint", "--staged", t.TempDir()); code != 2 || !strings.Contains(stderr, "not in a git repository") {
		t.Errorf("outside git: exit %d, %q", code, stderr)
	}
}

// TestLintBadInput: files that are not flakes give a diagnostic, never a
// crash or a usage error.
func TestLintBadInput(t *testing.T) {
	t.Parallel()
	cfg := noStale(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "loop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("flake.nix", filepath.Join(dir, "loop", "flake.nix")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "loop", "up")); err != nil { // a directory loop
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "huge", "flake.nix"), "{ x = \""+strings.Repeat("a", 9<<20)+"\"; }")
	writeTestFile(t, filepath.Join(dir, "utf8", "flake.nix"), "{ x = \"\xff\xfe\"; y = ; }")
	writeTestFile(t, filepath.Join(dir, "lockdir", "flake.nix"), "{ outputs = _: { }; }")
	if err := os.MkdirAll(filepath.Join(dir, "lockdir", "flake.lock"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runFlakectl(t, "", "lint", "--config", cfg, dir)
	for _, want := range []string{
		"loop/flake.nix:1:1: error syntax: cannot read flake.nix: ",
		"huge/flake.nix:1:1: error syntax: cannot read flake.nix: larger than 8 MiB",
		"utf8/flake.nix:1:17: error syntax: syntax error",
		"lockdir/flake.lock:1:1: error lock-invalid: cannot read flake.lock: not a regular file",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout)
		}
	}
	if code != 1 || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestPreCommitHook: the hook this repository publishes runs a command the
// CLI accepts.
func TestPreCommitHook(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0]["id"] != "flakectl-lint" || hooks[0]["language"] != "golang" || hooks[0]["pass_filenames"] != false {
		t.Fatalf("hooks: %v", hooks)
	}
	entry := strings.Fields(hooks[0]["entry"].(string))
	if entry[0] != "flakectl" {
		t.Fatalf("entry %v does not run flakectl", entry)
	}
	cmd := newRootCmd(systemStreams())
	sub, rest, err := cmd.Find(entry[1:])
	if err != nil || sub.Name() != "lint" {
		t.Fatalf("entry %v: %v", entry, err)
	}
	if err := sub.ParseFlags(rest); err != nil {
		t.Errorf("entry %v: %v", entry, err)
	}
	if staged, _ := sub.Flags().GetBool("staged"); !staged {
		t.Errorf("entry %v does not check the staged files", entry)
	}
}
