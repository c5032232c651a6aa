package githubapi_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
	"github.com/system1/devbox/nix/nar"
)

// TestRelockMatchesNixAgainstFake is what `flakectl bump` stands on, checked
// end to end against real Nix 2.8 with the fake as github.com: the devbox
// input (github:system1/devbox?dir=base-flake, whose own lock pins a
// nixpkgs) moves to a new commit, and the flake.lock flakectl computes from
// the GitHub API alone (githubapi.Prefetch, the base flake's flake.lock read
// through the contents API, nix/lockfile's Relock) is byte for byte the one
// `nix flake lock --update-input devbox` writes.
func TestRelockMatchesNixAgainstFake(t *testing.T) {
	if !githubtest.InGitHubNamespace(t) {
		return
	}
	fake := githubtest.New(t, githubtest.Options{Hosts: true, Listen: "127.0.0.1:443"})
	t.Setenv("SSL_CERT_FILE", fake.WriteCAFile())
	env := fake.NixEnv(t, "")

	nixpkgs := fake.CreateRepo("acme", "nixpkgs", githubtest.RepoOptions{})
	nixpkgsFiles := githubtest.Files{"flake.nix": githubtest.Text("{ outputs = _: { lib = { }; }; }\n")}
	nixpkgs.Commit("main", nixpkgsFiles, "nixpkgs 1", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

	// The platform team's base flake, locked by Nix as they would lock it.
	base := filepath.Join(t.TempDir(), "base-flake")
	oracle.WriteFile(t, filepath.Join(base, "flake.nix"), "{\n  inputs.nixpkgs.url = \"github:acme/nixpkgs\";\n  outputs = _: { };\n}\n")
	oracle.Nix(t, base, env, "flake", "lock")
	devbox := fake.CreateRepo("system1", "devbox", githubtest.RepoOptions{})
	devboxFiles := func(version string) githubtest.Files {
		return githubtest.Files{
			"README.md":             githubtest.Text("devbox " + version + "\n"),
			"base-flake/flake.nix":  githubtest.Text(oracle.ReadFile(t, filepath.Join(base, "flake.nix"))),
			"base-flake/flake.lock": githubtest.Text(oracle.ReadFile(t, filepath.Join(base, "flake.lock"))),
		}
	}
	v1 := devbox.Commit("main", devboxFiles("1"), "v1", time.Date(2024, 2, 1, 9, 0, 0, 0, time.FixedZone("", 3600)))
	devbox.Tag("v1.0.0", v1)

	// A product repository, locked by Nix at v1.
	project := filepath.Join(t.TempDir(), "project")
	oracle.WriteFile(t, filepath.Join(project, "flake.nix"), "{\n  inputs.devbox.url = \"github:system1/devbox?dir=base-flake\";\n  outputs = _: { };\n}\n")
	oracle.Nix(t, project, env, "flake", "lock")
	before := oracle.ReadFile(t, filepath.Join(project, "flake.lock"))

	// The platform team moves nixpkgs and releases v2.
	nixpkgsFiles["README.md"] = githubtest.Text("newer\n")
	nixpkgs.Commit("main", nixpkgsFiles, "nixpkgs 2", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	oracle.Nix(t, base, env, "flake", "lock", "--update-input", "nixpkgs")
	v2 := devbox.Commit("main", devboxFiles("2"), "v2", time.Date(2024, 6, 2, 8, 30, 15, 0, time.UTC))

	// flakectl, through the API only.
	client, err := githubapi.New(githubapi.Config{APIURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := client.Prefetch(ctx, "system1", "devbox", "", nar.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Rev != v2 {
		t.Fatalf("prefetched %s, want %s", src.Rev, v2)
	}
	ownLock, err := client.GetFile(ctx, "system1", "devbox", "base-flake/flake.lock", src.Rev)
	if err != nil {
		t.Fatal(err)
	}
	baseLock, err := lockfile.Read(ownLock.Content)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := flakeref.Parse("github:system1/devbox?dir=base-flake")
	if err != nil {
		t.Fatal(err)
	}
	locked, err := ref.LockedGitArchive(src.Rev, src.NarHash.Format(nixhash.SRI, true), src.LastModified.Unix())
	if err != nil {
		t.Fatal(err)
	}
	old, err := lockfile.Read([]byte(before))
	if err != nil {
		t.Fatal(err)
	}
	relocked, err := old.Relock(lockfile.Update{Input: []string{"devbox"}, Locked: locked.Ordered(), Lock: baseLock})
	if err != nil {
		t.Fatal(err)
	}
	got, err := relocked.Marshal()
	if err != nil {
		t.Fatal(err)
	}

	// Nix, fetching the same from the same fake.
	oracle.Nix(t, project, env, "flake", "lock", "--update-input", "devbox")
	want := oracle.ReadFile(t, filepath.Join(project, "flake.lock"))
	if want == before {
		t.Fatal("Nix did not change the lock: the test proves nothing")
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("flakectl's lock differs from Nix's.\nflakectl:\n%s\nNix:\n%s", got, want)
	}
}
