package githubtest_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/nix/nar"
)

// TestNixFetchesFromFake is the proof that the fake is faithful where it
// matters most: real Nix 2.8 fetches github: inputs from it, over TLS, as
// it would from GitHub, and what it locks (rev, lastModified, narHash,
// store path) equals what nix/nar computes from the fake's tarball.
//
// It runs inside githubtest.InGitHubNamespace: the fake answers as
// api.github.com, codeload.github.com and github.com on 127.0.0.1:443 with
// a certificate from its own CA, in a private network namespace.
func TestNixFetchesFromFake(t *testing.T) {
	if !githubtest.InGitHubNamespace(t) {
		return
	}

	const token = "ghp_githubtestToken0123456789"
	fake := githubtest.New(t, githubtest.Options{Hosts: true, Enterprise: true, Listen: "127.0.0.1:443", Tokens: []string{token}})
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	files := githubtest.Files{
		"flake.nix":          githubtest.Text("{ outputs = _: { }; }\n"),
		"bin/run":            githubtest.Executable("#!/bin/sh\necho run\n"),
		"docs/ünïcödé.md":    githubtest.Text("odd names count too\n"),
		"link-to-bin":        githubtest.Symlink("bin/run"),
		"dangling":           githubtest.Symlink("../nowhere"),
		"deep/a/b/c/d/e.txt": githubtest.Text("deep\n"),
		// GitHub's tarball honours export-ignore; a checkout would not.
		".gitattributes": githubtest.Text("secret.txt export-ignore\n"),
		"secret.txt":     githubtest.Text("not in the tarball\n"),
		"sub/flake.nix":  githubtest.Text("{ outputs = _: { }; }\n"),
	}
	first := repo.Commit("main", files, "first\n", time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)))
	repo.Tag("v1.0.0", first)
	files["bin/run"] = githubtest.Executable("#!/bin/sh\necho run again\n")
	head := repo.Commit("main", files, "second\n", time.Date(2024, 6, 2, 8, 30, 15, 0, time.UTC))

	cases := []struct {
		name, ref, rev string
		token          bool
	}{
		{"default branch", "github:acme/widgets", head, false},
		{"tag", "github:acme/widgets/v1.0.0", first, false},
		{"tag with a token", "github:acme/widgets/v1.0.0", first, true},
		{"branch with a token", "github:acme/widgets/main", head, true},
		{"rev and dir", "github:acme/widgets/" + first + "?dir=sub", first, false},
		{"enterprise server", "github:acme/widgets/v1.0.0?host=" + githubtest.EnterpriseHost, first, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.Requests())
			token := map[bool]string{true: token}[tc.token]
			env := fake.NixEnv(t, token)
			var meta struct {
				Locked struct {
					LastModified int64  `json:"lastModified"`
					NarHash      string `json:"narHash"`
					Rev          string `json:"rev"`
				} `json:"locked"`
				Path string `json:"path"`
			}
			runNix(t, env, &meta, "flake", "metadata", "--json", tc.ref)
			var prefetch struct {
				Hash      string `json:"hash"`
				StorePath string `json:"storePath"`
			}
			runNix(t, env, &prefetch, "flake", "prefetch", "--json", tc.ref)

			// What flakectl computes, from the fake's own tarball.
			archive, err := repo.Archive(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			tree, err := nar.ReadTarball(bytes.NewReader(archive), nar.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			h, err := tree.Hash(nixhash.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			sri := h.Format(nixhash.SRI, true)
			storePath, err := nar.SourceStorePath(h)
			if err != nil {
				t.Fatal(err)
			}
			if want := "acme-widgets-" + tc.rev[:7]; tree.Name != want {
				t.Errorf("tarball top-level directory %q, want %q", tree.Name, want)
			}
			if tree.Comment != tc.rev {
				t.Errorf("tarball pax comment %q, want the commit %s", tree.Comment, tc.rev)
			}
			if meta.Locked.Rev != tc.rev {
				t.Errorf("Nix locked rev %s, want %s", meta.Locked.Rev, tc.rev)
			}
			if got := tree.ModTime.Unix(); meta.Locked.LastModified != got {
				t.Errorf("Nix lastModified %d, flakectl %d", meta.Locked.LastModified, got)
			}
			if meta.Locked.NarHash != sri || prefetch.Hash != sri {
				t.Errorf("narHash: Nix metadata %s, Nix prefetch %s, flakectl %s", meta.Locked.NarHash, prefetch.Hash, sri)
			}
			if prefetch.StorePath != storePath || meta.Path != storePath {
				t.Errorf("store path: Nix %s / %s, flakectl %s", prefetch.StorePath, meta.Path, storePath)
			}

			// Nix really asked the fake (no cache): the commit lookup
			// unless the rev was given, and an archive.
			var asked []string
			for _, r := range fake.Requests()[before:] {
				asked = append(asked, r.Method+" "+r.Host+r.Path)
				if r.Status >= 400 {
					t.Errorf("the fake answered Nix's %s %s with %d", r.Method, r.Path, r.Status)
				}
			}
			t.Logf("Nix asked: %s", strings.Join(asked, ", "))
			joined := strings.Join(asked, "\n")
			if !strings.Contains(joined, ".tar.gz/"+tc.rev) && !strings.Contains(joined, "/archive/"+tc.rev+".tar.gz") {
				t.Errorf("Nix did not download an archive of %s from the fake", tc.rev)
			}
			api := "api.github.com/"
			if strings.Contains(tc.ref, "host=") {
				// Nix 2.8 asks api.HOST, not HOST/api/v3 as Enterprise
				// Server serves its API (newer Nix does that).
				api = "api." + githubtest.EnterpriseHost + "/"
			}
			if !strings.Contains(tc.ref, tc.rev) && !strings.Contains(joined, "GET "+api+"repos/acme/widgets/commits/") {
				t.Errorf("Nix did not resolve %s through the fake's commits endpoint", tc.ref)
			}
			if (tc.token || api != "api.github.com/") && !strings.Contains(joined, "GET "+api+"repos/acme/widgets/tarball/"+tc.rev) {
				t.Errorf("with a token, Nix should download through the API tarball endpoint")
			}
		})
	}
}

func runNix(t *testing.T, env []string, v any, args ...string) {
	t.Helper()
	cmd := exec.Command("nix", args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("nix %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}
