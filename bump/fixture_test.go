package bump_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/nix/lockfile"
)

// fixture is an organisation "acme" on the fake, and the platform team's
// system1/devbox with its base flake released as several versions.
type fixture struct {
	t      *testing.T
	fake   *githubtest.Server
	client *githubapi.Client
	devbox *githubtest.Repo
	tags   map[string]string // tag -> commit
	dates  map[string]time.Time
}

const token = "ghs_fixturetoken0123456789"

func newFixture(t *testing.T, opts githubtest.Options) *fixture {
	t.Helper()
	opts.Tokens = []string{token}
	fake := githubtest.New(t, opts)
	client, err := githubapi.New(githubapi.Config{
		APIURL: fake.URL(), Token: token, WritesPerMinute: 100000, WritesPerHour: 1000000,
		MaxRetries: 3, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, fake: fake, client: client, tags: map[string]string{}, dates: map[string]time.Time{}}
	f.devbox = fake.CreateRepo("system1", "devbox", githubtest.RepoOptions{})
	for i, tag := range []string{"v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0-rc.1"} {
		f.release(tag, time.Date(2026, time.Month(1+i), 3, 10, 0, 0, 0, time.UTC))
	}
	return f
}

// release commits a new base flake (its own lock pinning a new nixpkgs)
// and tags it.
func (f *fixture) release(tag string, when time.Time) string {
	f.t.Helper()
	n := len(f.tags) + 1
	nixpkgsRev := fmt.Sprintf("%040x", 0xabc000+n)
	baseLock := canonical(f.t, fmt.Sprintf(`{"nodes":{"nixpkgs":{"locked":{"lastModified":%d,"narHash":"sha256-%s=","owner":"NixOS","repo":"nixpkgs","rev":"%s","type":"github"},"original":{"owner":"NixOS","ref":"nixos-unstable","repo":"nixpkgs","type":"github"}},"root":{"inputs":{"nixpkgs":"nixpkgs"}}},"root":"root","version":7}`,
		1.7e9+n, strings.Repeat("A", 42)+string("AEIMQUY"[n%7]), nixpkgsRev))
	sha := f.devbox.Commit("main", githubtest.Files{
		"README.md":             githubtest.Text("devbox " + tag + "\n"),
		"base-flake/flake.nix":  githubtest.Text("{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n  outputs = _: { };\n}\n"),
		"base-flake/flake.lock": githubtest.Text(baseLock),
	}, "release "+tag, when)
	f.devbox.Tag(tag, sha)
	f.tags[tag], f.dates[tag] = sha, when
	return sha
}

func canonical(t *testing.T, lock string) string {
	t.Helper()
	l, err := lockfile.Read([]byte(lock))
	if err != nil {
		t.Fatalf("fixture lock: %v\n%s", err, lock)
	}
	b, err := l.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// projectLock is a flake.lock with the devbox input (declared with ref,
// "" for none) locked at tag's commit, as Nix would have written it then
// (the narHash is a stand-in: bump replaces it).
func (f *fixture) projectLock(ref, tag string) string {
	f.t.Helper()
	refAttr := ""
	if ref != "" {
		refAttr = fmt.Sprintf(`"ref":%q,`, ref)
	}
	return canonical(f.t, fmt.Sprintf(`{"nodes":{
 "devbox":{"inputs":{"nixpkgs":"nixpkgs"},"locked":{"dir":"base-flake","lastModified":%d,"narHash":"sha256-%s=","owner":"system1","repo":"devbox","rev":"%s","type":"github"},"original":{"dir":"base-flake","owner":"system1",%s"repo":"devbox","type":"github"}},
 "nixpkgs":{"locked":{"lastModified":1600000000,"narHash":"sha256-%s=","owner":"NixOS","repo":"nixpkgs","rev":"%040x","type":"github"},"original":{"owner":"NixOS","ref":"nixos-unstable","repo":"nixpkgs","type":"github"}},
 "root":{"inputs":{"devbox":"devbox"}}},"root":"root","version":7}`,
		f.dates[tag].Unix(), strings.Repeat("B", 43), f.tags[tag], refAttr, strings.Repeat("C", 43), 1))
}

// projectNix is a product flake.nix with the devbox input at url.
func projectNix(url string) string {
	return fmt.Sprintf(`{
  description = "a product";
  # the platform's base flake
  inputs.devbox.url = "%s"; # keep this comment
  outputs = { self, devbox }: { };
}
`, url)
}

// project creates acme/NAME with files on main.
func (f *fixture) project(name string, files githubtest.Files) *githubtest.Repo {
	f.t.Helper()
	r := f.fake.CreateRepo("acme", name, githubtest.RepoOptions{})
	r.Commit("main", files, "initial", time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	return r
}

// onDevbox creates acme/NAME with a flake.nix whose devbox input is url and
// a flake.lock with devbox (declared with ref) locked at tag.
func (f *fixture) onDevbox(name, url, ref, tag string) *githubtest.Repo {
	f.t.Helper()
	return f.project(name, githubtest.Files{
		"flake.nix":  githubtest.Text(projectNix(url)),
		"flake.lock": githubtest.Text(f.projectLock(ref, tag)),
	})
}

// run runs bump over acme.
func (f *fixture) run(opts bump.Options) *bump.Report {
	f.t.Helper()
	if opts.Org == "" && len(opts.Repos) == 0 {
		opts.Org = "acme"
	}
	rep, err := bump.Run(context.Background(), f.client, opts)
	if err != nil {
		f.t.Fatalf("bump: %v", err)
	}
	return rep
}

// file reads a file of acme/repo at ref.
func (f *fixture) file(repo, path, ref string) string {
	f.t.Helper()
	file, err := f.client.GetFile(context.Background(), "acme", repo, path, ref)
	if err != nil {
		f.t.Fatalf("reading %s %s at %s: %v", repo, path, ref, err)
	}
	return string(file.Content)
}

func (f *fixture) writes() int {
	n := 0
	for _, r := range f.fake.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

func byRepo(rep *bump.Report) map[string]bump.RepoResult {
	m := map[string]bump.RepoResult{}
	for _, r := range rep.Repos {
		m[r.Repo] = r
	}
	return m
}
