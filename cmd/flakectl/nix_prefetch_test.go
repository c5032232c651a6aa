package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
		code, got, stderr := narRunFlakectl(t, "nix", "prefetch", "--json", ref)
		if code != 0 || got != wantJSON {
			t.Errorf("flakectl nix prefetch --json %s: exit %d, %q (stderr %q); nix printed %q", ref, code, got, stderr, wantJSON)
		}
		_, wantText, ok := narNixPrefetch(t, ref)
		if !ok {
			t.Fatalf("nix flake prefetch %s: %s", ref, wantText)
		}
		code, got, stderr = narRunFlakectl(t, "nix", "prefetch", ref)
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
	if code, got, stderr := narRunFlakectl(t, "nix", "prefetch", "path:src"); code != 0 || got != want {
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
		{[]string{"github:system1/devbox"}, "github: references are not supported yet"},
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
		code, stdout, stderr := narRunFlakectl(t, append([]string{"nix", "prefetch"}, c.args...)...)
		if code != exitBadInput || stdout != "" || !strings.Contains(stderr, c.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, stdout, stderr, c.msg)
		}
	}
}
