package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
)

// TestNixPrefetchGitHubMatchesNix runs real Nix 2.8 and flakectl side by
// side against the GitHub fake standing in for github.com (inside
// githubtest.InGitHubNamespace): `flakectl nix prefetch github:…` prints
// exactly the line `nix flake prefetch github:…` prints, and the same
// --json, for a branch, a tag, HEAD, a rev, ?dir= and ?host=.
func TestNixPrefetchGitHubMatchesNix(t *testing.T) {
	if !githubtest.InGitHubNamespace(t) {
		return
	}
	fake := githubtest.New(t, githubtest.Options{Hosts: true, Enterprise: true, Listen: "127.0.0.1:443"})
	// flakectl, in this process, trusts the fake's CA the way Nix does.
	t.Setenv("SSL_CERT_FILE", fake.WriteCAFile())
	t.Setenv("GITHUB_TOKEN", "")
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	files := prefetchFixtureFiles()
	first := repo.Commit("main", files, "first\n", time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", -5*3600)))
	repo.Tag("v1.0.0", first)
	files["bin/run"] = githubtest.Executable("#!/bin/sh\necho again\n")
	repo.Commit("main", files, "second\n", time.Date(2024, 6, 2, 8, 30, 15, 0, time.UTC))

	for _, ref := range []string{
		"github:acme/widgets",
		"github:acme/widgets/main",
		"github:acme/widgets/v1.0.0",
		"github:acme/widgets/" + first,
		"github:acme/widgets/v1.0.0?dir=sub",
		"github:acme/widgets?ref=main&dir=sub",
		"github:acme/widgets/v1.0.0?host=" + githubtest.EnterpriseHost,
	} {
		for _, json := range []bool{false, true} {
			args := []string{"flake", "prefetch", ref}
			if json {
				args = []string{"flake", "prefetch", "--json", ref}
			}
			cmd := exec.Command("nix", args...)
			cmd.Env = fake.NixEnv(t, "")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("nix %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
			}
			want := stdout.String()
			if !json {
				// Nix prints the line on stderr, after its warnings.
				for _, l := range strings.SplitAfter(stderr.String(), "\n") {
					if strings.HasPrefix(l, "Downloaded ") {
						want = l
					}
				}
			}
			code, got, errOut := runFlakectl(t, "", append([]string{"nix"}, args[1:]...)...)
			if code != 0 || got != want {
				t.Errorf("flakectl nix %s: exit %d, printed\n%q\n(stderr %q), Nix printed\n%q", strings.Join(args[1:], " "), code, got, errOut, want)
			}
		}
	}
}
