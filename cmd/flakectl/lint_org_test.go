package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
)

// TestLintOrg lints an organisation on the fake GitHub: each repository's
// default branch, without cloning, with a summary table and JSON.
func TestLintOrg(t *testing.T) {
	t.Parallel()
	fake := githubtest.New(t, githubtest.Options{})
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "..", "lint", "testdata", "src", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	when := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	fake.CreateRepo("acme", "good", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"flake.nix":        githubtest.Text(read("good/flake.nix")),
		"flake.lock":       githubtest.Text(read("good/flake.lock")),
		"tools/flake.nix":  githubtest.Text(read("good/tools/flake.nix")),
		"tools/flake.lock": githubtest.Text(read("good/tools/flake.lock")),
		".flakectl.yaml":   githubtest.Text("rules: {stale: off, nixpkgs-branch: off}\n"),
	}, "init", when)
	fake.CreateRepo("acme", "nolock", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"flake.nix": githubtest.Text(read("good/flake.nix")),
	}, "init", when)
	fake.CreateRepo("acme", "noflake", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"README.md": githubtest.Text("hello\n"),
	}, "init", when)
	fake.CreateRepo("acme", "drift", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"flake.nix":  githubtest.Text(read("lock-drift/flake.nix")),
		"flake.lock": githubtest.Text(read("lock-drift/flake.lock")),
	}, "init", when)
	fake.CreateRepo("acme", "old", githubtest.RepoOptions{Archived: true}).Commit("main", githubtest.Files{
		"README.md": githubtest.Text("archived\n"),
	}, "init", when)

	code, stdout, stderr := runFlakectl(t, "", "lint", "--org", "acme", "--api-url", fake.URL())
	for _, want := range []string{
		"acme/drift/flake.nix:7:10: error lock-drift: input utils is not in flake.lock",
		"acme/nolock/flake.nix:1:1: error missing-lock",
		"acme/noflake/flake.nix:1:1: error missing-flake",
		"acme/good     2       0       0         ok",
		"acme: 4 repositories, 1 without flake.nix, 1 without flake.lock, 3 with errors",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, stdout)
		}
	}
	if code != 1 || stderr != "" || strings.Contains(stdout, "acme/old") || strings.Contains(stdout, "acme/good/flake.nix") {
		t.Errorf("exit %d, stderr %q\n%s", code, stderr, stdout)
	}

	code, stdout, _ = runFlakectl(t, "", "lint", "--org", "acme", "--api-url", fake.URL(), "--format", "json")
	var report struct {
		Summary struct{ Errors int }
		Repos   []struct {
			Repo    string
			Flakes  int
			NoFlake bool
			NoLock  bool
			Errors  int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if code != 1 || len(report.Repos) != 4 || report.Repos[1].Repo != "acme/good" || report.Repos[1].Flakes != 2 ||
		!report.Repos[2].NoFlake || !report.Repos[3].NoLock || report.Summary.Errors < 3 {
		t.Errorf("json report: %+v", report)
	}

	if code, _, stderr := runFlakectl(t, "", "lint", "--org", "acme", "--fix"); code != 2 || !strings.Contains(stderr, "--org lints through the GitHub API") {
		t.Errorf("--org --fix: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runFlakectl(t, "", "lint", "--org", "nobody", "--api-url", fake.URL()); code != 1 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("unknown org: exit %d, %q", code, stderr)
	}
}
