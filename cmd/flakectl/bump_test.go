package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi/githubtest"
)

const bumpToken = "ghp_clitestsecret000000000000000000000"

// bumpOrg is an organisation on the fake with one repository behind the
// latest devbox release, one without a flake, and a devbox with v1.0.0 and
// v1.1.0.
func bumpOrg(t *testing.T) *githubtest.Server {
	t.Helper()
	fake := githubtest.New(t, githubtest.Options{Tokens: []string{bumpToken}})
	devbox := fake.CreateRepo("system1", "devbox", githubtest.RepoOptions{})
	var revs []string
	for i, tag := range []string{"v1.0.0", "v1.1.0"} {
		sha := devbox.Commit("main", githubtest.Files{
			"base-flake/flake.nix": githubtest.Text("{ outputs = _: { }; }\n"),
			"README.md":            githubtest.Text(tag + "\n"),
		}, "release "+tag, time.Date(2026, time.Month(3+i), 1, 0, 0, 0, 0, time.UTC))
		devbox.Tag(tag, sha)
		revs = append(revs, sha)
	}
	lock := fmt.Sprintf(`{
  "nodes": {
    "devbox": {
      "locked": {
        "dir": "base-flake",
        "lastModified": 1772323200,
        "narHash": "sha256-%s=",
        "owner": "system1",
        "repo": "devbox",
        "rev": "%s",
        "type": "github"
      },
      "original": {
        "dir": "base-flake",
        "owner": "system1",
        "ref": "v1.0.0",
        "repo": "devbox",
        "type": "github"
      }
    },
    "root": {
      "inputs": {
        "devbox": "devbox"
      }
    }
  },
  "root": "root",
  "version": 7
}
`, strings.Repeat("A", 43), revs[0])
	fake.CreateRepo("acme", "api", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"flake.nix":  githubtest.Text("{\n  inputs.devbox.url = \"github:system1/devbox/v1.0.0?dir=base-flake\";\n  outputs = _: { };\n}\n"),
		"flake.lock": githubtest.Text(lock),
	}, "init", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	fake.CreateRepo("acme", "docs", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"README.md": githubtest.Text("docs\n"),
	}, "init", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	return fake
}

func TestBumpCLI(t *testing.T) {
	fake := bumpOrg(t)
	t.Setenv("GITHUB_TOKEN", bumpToken)
	api := "--api-url=" + fake.URL()

	// A dry run prints the diff and a summary, and writes nothing.
	code, out, errOut := runFlakectl(t, "", "bump", "--org", "acme", "--dry-run", api)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		`+  inputs.devbox.url = "github:system1/devbox/v1.1.0?dir=base-flake";`,
		"acme/api: updated (devbox v1.0.0 (",
		"bump devbox → v1.1.0 (", "2 repositories: 1 updated, 1 without the input (dry run: nothing written)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	for _, r := range fake.Requests() {
		if r.Method != "GET" {
			t.Fatalf("a dry run made a write request: %s %s", r.Method, r.Path)
		}
	}

	// For real, as JSON.
	code, out, errOut = runFlakectl(t, "", "bump", "--org", "acme", "--json", "--label", "deps", api)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var report bump.Report
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if len(report.Repos) != 2 || report.Repos[0].Repo != "acme/api" || report.Repos[0].Status != bump.PROpened ||
		report.Repos[0].Pull == nil || report.Repos[0].Flakes[0].To.Ref != "v1.1.0" {
		t.Errorf("report: %s", out)
	}
	if strings.Contains(out+errOut, bumpToken) {
		t.Error("the token was printed")
	}

	// Again: nothing to do.
	code, out, _ = runFlakectl(t, "", "bump", "--org", "acme", api)
	if code != 0 || !strings.Contains(out, "acme/api: up-to-date #1") || !strings.Contains(out, "already proposes it") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
}

func TestBumpCLIErrors(t *testing.T) {
	fake := bumpOrg(t)
	api := "--api-url=" + fake.URL()
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		env    string // GITHUB_TOKEN
		args   []string
		code   int
		line   string
		stdout string
	}{
		{"no target", bumpToken, []string{"bump", api}, 2, "give --org ORG or --repo OWNER/NAME", ""},
		{"args", bumpToken, []string{"bump", "acme", api}, 2, `unknown command "acme"`, ""},
		{"no token", "", []string{"bump", "--org", "acme", api}, 2, "no GitHub token: set GITHUB_TOKEN", ""},
		{"bad token", "ghp_wrong", []string{"bump", "--org", "acme", api}, 2, "GitHub rejected the credentials (401", ""},
		{"missing token file", "", []string{"bump", "--org", "acme", "--token-file", filepath.Join(dir, "nope"), api}, 2, "--token-file:", ""},
		{"half an app", "", []string{"bump", "--org", "acme", "--app-id", "1", api}, 2, "needs all of --app-id, --installation-id and --app-key-file", ""},
		{"bad app key", "", []string{"bump", "--org", "acme", "--app-id", "1", "--installation-id", "2", "--app-key-file", key, api}, 2, "GitHub App key:", ""},
		{"bad concurrency", bumpToken, []string{"bump", "--org", "acme", "--concurrency", "0", api}, 2, "--concurrency 0", ""},
		{"no such org", bumpToken, []string{"bump", "--org", "nobody", api}, 2, "listing the repositories of nobody", ""},
		{"no such target", bumpToken, []string{"bump", "--org", "acme", "--to", "v9.0.0", api}, 2, "--to v9.0.0:", ""},
		{"bad source", bumpToken, []string{"bump", "--org", "acme", "--source", "github:a", api}, 2, "--source", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GITHUB_TOKEN", c.env)
			code, out, errOut := runFlakectl(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if !strings.Contains(errOut, c.line) || len(lines) != 1 {
				t.Errorf("stderr %q, want one line with %q", errOut, c.line)
			}
			if strings.Contains(out+errOut, bumpToken) {
				t.Error("the token was printed")
			}
		})
	}
}

// A repository that ends in error makes the exit status 1; the others are
// still done.
func TestBumpCLIRepoError(t *testing.T) {
	fake := bumpOrg(t)
	fake.CreateRepo("acme", "broken", githubtest.RepoOptions{}).Commit("main", githubtest.Files{
		"flake.nix":  githubtest.Text("{ inputs.devbox.url = \"github:system1/devbox\"; outputs = _: { }; }\n"),
		"flake.lock": githubtest.Text("{ not json"),
	}, "init", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	t.Setenv("GITHUB_TOKEN", bumpToken)
	code, out, errOut := runFlakectl(t, "", "bump", "--org", "acme", "--api-url="+fake.URL())
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "acme/broken: error: flake.lock: invalid lock file") || !strings.Contains(out, "acme/api: pr-opened #1") {
		t.Errorf("output:\n%s", out)
	}
}

// As a GitHub App: one installation token for the whole run, and the pull
// request is opened.
func TestBumpCLIApp(t *testing.T) {
	fake := bumpOrg(t)
	key := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(key, fake.CreateApp(42, 7), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", "")
	code, out, errOut := runFlakectl(t, "", "bump", "--org", "acme", "--app-id", "42", "--installation-id", "7", "--app-key-file", key, "--api-url="+fake.URL())
	if code != 0 || !strings.Contains(out, "acme/api: pr-opened #1") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := fake.InstallationTokens(); n != 1 {
		t.Errorf("%d installation tokens issued, want 1", n)
	}
	code, _, errOut = runFlakectl(t, "", "bump", "--org", "acme", "--app-id", "42", "--installation-id", "8", "--app-key-file", key, "--api-url="+fake.URL())
	if code != 2 || !strings.Contains(errOut, "GitHub App installation 8") {
		t.Errorf("wrong installation: exit %d %s", code, errOut)
	}
}
