package bump_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/githubapi/githubtest"
)

// TestBumpMatchesNix runs bump against the fake as github.com and real Nix
// 2.8 against the same fake: the flake.lock bump writes on its branch is
// byte for byte the one `nix flake lock --update-input devbox` writes for
// a project that follows the default branch (with a follows override), and
// for a project whose pinned tag bump rewrote in flake.nix; the "Flake lock file updates" bump puts in its commit and pull
// request are the lines Nix prints.
func TestBumpMatchesNix(t *testing.T) {
	if !githubtest.InGitHubNamespace(t) {
		return
	}
	fake := githubtest.New(t, githubtest.Options{Hosts: true, Listen: "127.0.0.1:443", Tokens: []string{token}})
	t.Setenv("SSL_CERT_FILE", fake.WriteCAFile())
	env := fake.NixEnv(t, token)

	nixpkgs := fake.CreateRepo("acme", "nixpkgs", githubtest.RepoOptions{})
	nixpkgsFiles := githubtest.Files{"flake.nix": githubtest.Text("{ outputs = _: { lib = { }; }; }\n")}
	nixpkgs.Commit("main", nixpkgsFiles, "nixpkgs 1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

	base := filepath.Join(t.TempDir(), "base-flake")
	oracle.WriteFile(t, filepath.Join(base, "flake.nix"), "{\n  inputs.nixpkgs.url = \"github:acme/nixpkgs\";\n  outputs = _: { };\n}\n")
	oracle.Nix(t, base, env, "flake", "lock")
	devbox := fake.CreateRepo("system1", "devbox", githubtest.RepoOptions{})
	release := func(tag string, when time.Time) string {
		sha := devbox.Commit("main", githubtest.Files{
			"README.md":             githubtest.Text("devbox " + tag + "\n"),
			"base-flake/flake.nix":  githubtest.Text(oracle.ReadFile(t, filepath.Join(base, "flake.nix"))),
			"base-flake/flake.lock": githubtest.Text(oracle.ReadFile(t, filepath.Join(base, "flake.lock"))),
		}, "release "+tag, when)
		devbox.Tag(tag, sha)
		return sha
	}
	release("v1.0.0", time.Date(2026, 2, 1, 9, 0, 0, 0, time.FixedZone("", 3600)))

	// Two product repositories, locked by Nix at v1.0.0.
	projects := map[string]string{
		"follows": `{
  inputs.nixpkgs.url = "github:acme/nixpkgs";
  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  inputs.devbox.inputs.nixpkgs.follows = "nixpkgs";
  outputs = _: { };
}
`,
		"pinned": `{
  inputs = {
    devbox.url = "github:system1/devbox/v1.0.0?dir=base-flake";
  };
  outputs = _: { };
}
`,
	}
	dirs := map[string]string{}
	for name, flake := range projects {
		dir := filepath.Join(t.TempDir(), name)
		dirs[name] = dir
		oracle.WriteFile(t, filepath.Join(dir, "flake.nix"), flake)
		oracle.Nix(t, dir, env, "flake", "lock")
		repo := fake.CreateRepo("acme", name, githubtest.RepoOptions{})
		repo.Commit("main", githubtest.Files{
			"flake.nix":  githubtest.Text(flake),
			"flake.lock": githubtest.Text(oracle.ReadFile(t, filepath.Join(dir, "flake.lock"))),
		}, "init", time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC))
	}

	// The platform team moves nixpkgs and releases v1.1.0.
	nixpkgsFiles["README.md"] = githubtest.Text("newer\n")
	nixpkgs.Commit("main", nixpkgsFiles, "nixpkgs 2", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	oracle.Nix(t, base, env, "flake", "lock", "--update-input", "nixpkgs")
	release("v1.1.0", time.Date(2026, 6, 2, 8, 30, 15, 0, time.UTC))

	client, err := githubapi.New(githubapi.Config{APIURL: fake.URL(), Token: token, WritesPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := bump.Run(context.Background(), client, bump.Options{Org: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	got := byRepo(rep)
	for _, name := range []string{"acme/follows", "acme/pinned"} {
		if got[name].Status != bump.PROpened {
			t.Fatalf("%s: %s %s", name, got[name].Status, got[name].Reason)
		}
	}
	branchFile := func(repo, path string) string {
		t.Helper()
		f, err := client.GetFile(context.Background(), "acme", repo, path, "flakectl/bump-devbox")
		if err != nil {
			t.Fatal(err)
		}
		return string(f.Content)
	}
	ansi := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	nixUpdates := func(out string) string {
		out = ansi.ReplaceAllString(out, "")
		if i := strings.Index(out, "• "); i >= 0 {
			return out[i:]
		}
		t.Fatalf("Nix printed no lock file updates:\n%s", out)
		return ""
	}
	bumpUpdates := func(repo string) string {
		body := fake.Repo("acme", repo).Pulls()[0].Body
		_, after, _ := strings.Cut(body, "Flake lock file updates:\n\n")
		block, _, _ := strings.Cut(after, "```")
		return block
	}

	// The project that follows the default branch: Nix updates the input.
	out := oracle.Nix(t, dirs["follows"], env, "flake", "lock", "--update-input", "devbox")
	if want, have := oracle.ReadFile(t, filepath.Join(dirs["follows"], "flake.lock")), branchFile("follows", "flake.lock"); have != want {
		t.Errorf("follows: bump's flake.lock differs from Nix's.\nbump:\n%s\nNix:\n%s", have, want)
	}
	if want, have := nixUpdates(out), bumpUpdates("follows"); have != want {
		t.Errorf("follows: lock file updates differ.\nbump:\n%s\nNix:\n%s", have, want)
	}

	// The pinned project: Nix updates the input of the flake.nix bump
	// rewrote. (A plain `nix flake lock` would keep the input's own inputs
	// from the old lock: Nix 2.8 refetches an input whose ref changed but
	// copies its children from the old lock when it has them.)
	newFlake := branchFile("pinned", "flake.nix")
	if want := strings.Replace(projects["pinned"], "/v1.0.0?", "/v1.1.0?", 1); newFlake != want {
		t.Errorf("pinned flake.nix:\n%s\nwant:\n%s", newFlake, want)
	}
	oracle.WriteFile(t, filepath.Join(dirs["pinned"], "flake.nix"), newFlake)
	out = oracle.Nix(t, dirs["pinned"], env, "flake", "lock", "--update-input", "devbox")
	if want, have := oracle.ReadFile(t, filepath.Join(dirs["pinned"], "flake.lock")), branchFile("pinned", "flake.lock"); have != want {
		t.Errorf("pinned: bump's flake.lock differs from Nix's.\nbump:\n%s\nNix:\n%s", have, want)
	}
	if want, have := nixUpdates(out), bumpUpdates("pinned"); have != want {
		t.Errorf("pinned: lock file updates differ.\nbump:\n%s\nNix:\n%s", have, want)
	}
}
