package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/internal/oracle"
)

// narNixPrefetch runs the real `nix flake prefetch` with a fresh fetcher cache
// and an empty flake registry (there is no network).
func narNixPrefetch(t *testing.T, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	tmp := t.TempDir()
	registry := filepath.Join(tmp, "registry.json")
	if err := os.WriteFile(registry, []byte(`{"flakes":[],"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"flake", "prefetch", "--option", "flake-registry", registry}, args...)
	return narRunNix(t, []string{"XDG_CACHE_HOME=" + filepath.Join(tmp, "cache")}, args...)
}

func narTarGz(t *testing.T, root string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "src.tar.gz")
	cmd := exec.Command(oracle.Require(t, "tar"), "-czf", out, "-C", filepath.Dir(root), filepath.Base(root))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, b)
	}
	return out
}

// TestNixPrefetchMatchesNix: the text line (Nix prints it on stderr) and the
// --json object are Nix's, byte for byte.
func TestNixPrefetchMatchesNix(t *testing.T) {
	root := narSmallTree(t)
	tarball := narTarGz(t, root)
	tgz := strings.TrimSuffix(tarball, ".tar.gz") + ".tgz"
	if err := os.Link(tarball, tgz); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{
		"file://" + tarball,
		"file://" + tgz,
		"file:" + tarball,
		"file://" + tarball + "?foo=a%2Fb&bar=1",
		"file://" + tarball + "?dir=bin",
		"path:" + root,
		"path:" + root + "/",
	} {
		wantJSON, errOut, ok := narNixPrefetch(t, "--json", ref)
		if !ok {
			t.Fatalf("nix flake prefetch --json %s: %s", ref, errOut)
		}
		code, got, stderr := runFlakectl(t, "", "nix", "prefetch", "--json", ref)
		if code != 0 || got != wantJSON {
			t.Errorf("flakectl nix prefetch --json %s: exit %d, %q (stderr %q); nix printed %q", ref, code, got, stderr, wantJSON)
		}
		_, wantText, ok := narNixPrefetch(t, ref)
		if !ok {
			t.Fatalf("nix flake prefetch %s: %s", ref, wantText)
		}
		code, got, stderr = runFlakectl(t, "", "nix", "prefetch", ref)
		if code != 0 || got != wantText {
			t.Errorf("flakectl nix prefetch %s: exit %d, %q (stderr %q); nix printed %q", ref, code, got, stderr, wantText)
		}
	}
}

func TestNixPrefetchRelativePath(t *testing.T) {
	root := narSmallTree(t)
	t.Chdir(filepath.Dir(root))
	_, want, ok := narNixPrefetch(t, "path:src")
	if !ok {
		t.Fatalf("nix flake prefetch path:src: %s", want)
	}
	if code, got, stderr := runFlakectl(t, "", "nix", "prefetch", "path:src"); code != 0 || got != want {
		t.Errorf("exit %d, %q (stderr %q); nix printed %q", code, got, stderr, want)
	}
}

func TestNixPrefetchErrors(t *testing.T) {
	dir := t.TempDir()
	// Two top-level entries.
	two := filepath.Join(dir, "two.tar.gz")
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := exec.Command(oracle.Require(t, "tar"), "-czf", two, "-C", dir, "a", "b").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, b)
	}
	big := narTarGz(t, narSmallTree(t))
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"gitlab:system1/devbox"}, "gitlab: references are not supported yet"},
		{[]string{"https://example.com/x.tar.gz"}, "fetching over the network is not supported yet"},
		{[]string{"file://" + filepath.Join(dir, "missing.tar.gz")}, "no such file or directory"},
		{[]string{"file://" + two}, "contains 2 top-level entries, want exactly one"},
		{[]string{"--max-size", "10", "file://" + big}, "archive too large"},
		{[]string{"file://" + big + "#frag"}, "unexpected fragment"},
		{[]string{"path:" + dir + "?lastModified=1"}, "not supported yet"},
		{[]string{"file://" + big + "?narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"}, "NAR hash mismatch in input"},
		{[]string{"nixpkgs"}, "indirect references are not supported"},
		{[]string{dir}, "bare paths are not supported yet; write path:"},
		{[]string{"git+file:///x"}, "git references are not supported"},
	} {
		code, stdout, stderr := runFlakectl(t, "", append([]string{"nix", "prefetch"}, c.args...)...)
		if code != exitBadInput || stdout != "" || !strings.Contains(stderr, c.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, stdout, stderr, c.msg)
		}
	}
}

// TestNixPrefetchGitHub fetches from the GitHub fake as Nix does (commit
// lookup unless a rev is given, then the tarball), and checks the hash
// against `nix hash path` of the fake's tarball unpacked by tar, the store
// path against `nix flake prefetch` of that same tarball as a file, and
// lastModified against the commit date. (githubapi/githubtest checks that
// real Nix fetching github: from the fake agrees.)
// prefetchFixtureFiles is the repository both github prefetch tests fetch:
// an executable, a symlink, an export-ignore'd file and a nested flake.
func prefetchFixtureFiles() githubtest.Files {
	return githubtest.Files{
		"flake.nix":      githubtest.Text("{ outputs = _: { }; }\n"),
		"bin/run":        githubtest.Executable("#!/bin/sh\necho run\n"),
		"link":           githubtest.Symlink("bin/run"),
		".gitattributes": githubtest.Text("secret.txt export-ignore\n"),
		"secret.txt":     githubtest.Text("not in the tarball\n"),
		"sub/flake.nix":  githubtest.Text("{ outputs = _: { }; }\n"),
	}
}

func TestNixPrefetchGitHub(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{})
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	files := prefetchFixtureFiles()
	firstDate := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	first := repo.Commit("main", files, "first\n", firstDate)
	repo.Tag("v1.0.0", first)
	files["bin/run"] = githubtest.Executable("#!/bin/sh\necho again\n")
	headDate := time.Date(2024, 6, 2, 8, 30, 15, 0, time.UTC)
	head := repo.Commit("main", files, "second\n", headDate)

	for _, c := range []struct {
		ref, rev, lockedRef string
		date                time.Time
		lookups             int
	}{
		{"github:acme/widgets", head, "github:acme/widgets/" + head, headDate, 1},
		{"github:acme/widgets/v1.0.0", first, "github:acme/widgets/" + first, firstDate, 1},
		{"github:acme/widgets/" + first + "?dir=sub", first, "github:acme/widgets/" + first + "?dir=sub", firstDate, 0},
	} {
		archive, err := repo.Archive(c.rev)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		tarball := filepath.Join(dir, "archive.tar.gz")
		if err := os.WriteFile(tarball, archive, 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(oracle.Require(t, "tar"), "-xzf", tarball, "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("tar: %v: %s", err, b)
		}
		wantHash, errOut, ok := narRunNix(t, nil, "hash", "path", filepath.Join(dir, "acme-widgets-"+c.rev[:7]))
		if !ok {
			t.Fatalf("nix hash path: %s", errOut)
		}
		wantJSON, errOut, ok := narNixPrefetch(t, "--json", "file://"+tarball)
		if !ok {
			t.Fatalf("nix flake prefetch: %s", errOut)
		}
		if !strings.Contains(wantJSON, strings.TrimSpace(wantHash)) {
			t.Fatalf("Nix disagrees with itself: %s vs %s", wantJSON, wantHash)
		}

		before := fake.RequestCount("GET /repos/acme/widgets/commits/")
		code, got, stderr := runFlakectl(t, "", "nix", "prefetch", "--api-url", fake.URL(), "--json", c.ref)
		if code != 0 || got != wantJSON {
			t.Errorf("%s --json: exit %d, %q (stderr %q); want %q", c.ref, code, got, stderr, wantJSON)
		}
		if n := fake.RequestCount("GET /repos/acme/widgets/commits/") - before; n != c.lookups {
			t.Errorf("%s: %d commit lookups, want %d", c.ref, n, c.lookups)
		}
		code, got, stderr = runFlakectl(t, "", "nix", "prefetch", "--api-url", fake.URL(), c.ref)
		storePath := strings.Split(wantJSON, `"storePath":"`)[1]
		storePath = storePath[:strings.IndexByte(storePath, '"')]
		want := fmt.Sprintf("Downloaded '%s' to '%s' (hash '%s').\n", c.lockedRef, storePath, strings.TrimSpace(wantHash))
		if code != 0 || got != want {
			t.Errorf("%s: exit %d, %q (stderr %q); want %q", c.ref, code, got, stderr, want)
		}
	}
	code, _, stderr := runFlakectl(t, "", "nix", "prefetch", "--api-url", fake.URL(), "github:acme/nope")
	if code == 0 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("missing repository: exit %d, stderr %q; want a failure on one line", code, stderr)
	}
}
