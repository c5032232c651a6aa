package nar_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/nix/nar"
)

// oddNames are file names whose order or handling is easy to get wrong:
// prefixes of a directory name with bytes below '/', invalid UTF-8 that sorts
// differently as bytes than as runes (where it would become U+FFFD), control
// bytes, names starting with "..", and the longest name Linux allows.
var oddNames = []string{
	"a-b", "a.b", "a0", "A", "z", "é", "e\u0301", "日本語", "\uFFFD", "\xc0x", "\xff",
	"\x01ctl", " space", "..foo", "...", "-", "~", "#", "%2f", "a\\b",
	strings.Repeat("n", 255),
}

// writeTree builds a source tree with every case NAR serialisation must get
// right and returns its root.
func writeTree(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "tree")
	mkdir := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := func(p, content string, mode os.FileMode) {
		full := filepath.Join(root, p)
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		// Chmod after writing: WriteFile's mode goes through the umask and
		// drops setuid/setgid/sticky.
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	symlink := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("")
	// The executable bit is the owner's only; no other mode bit counts.
	modes := map[string]os.FileMode{
		"exec-0755": 0o755, "exec-0700": 0o700, "exec-0100": 0o100,
		"plain-0644": 0o644, "plain-0600": 0o600, "plain-0640": 0o640, "plain-0444": 0o444,
		"plain-0011": 0o011, "plain-0001": 0o001, "plain-0000": 0,
		"setgid-2640": 0o640 | os.ModeSetgid, "setuid-4755": 0o755 | os.ModeSetuid,
		"sticky-1644": 0o644 | os.ModeSticky,
	}
	mkdir("modes")
	for name, mode := range modes {
		file("modes/"+name, "#!/bin/sh\necho "+name+"\n", mode)
	}
	file("empty-file", "", 0o644)
	file("empty-exec", "", 0o755)
	mkdir("empty-dir")
	mkdir("nested-empty/a/b/c")
	mkdir("dir-with-links/sub")
	symlink("../modes/exec-0755", "dir-with-links/relative")
	symlink("/etc/passwd", "dir-with-links/absolute")
	symlink("does/not/exist", "dir-with-links/dangling")
	symlink("sub", "dir-with-links/to-dir")
	symlink("../../..", "dir-with-links/up")
	symlink("\xff odd target é", "dir-with-links/odd-target")
	mkdir("names")
	for i, name := range oddNames {
		file("names/"+name, name, 0o644)
		if i%3 == 0 {
			mkdir("names/" + name + "-dir/" + name)
		}
	}
	// A directory "a" next to files named "a-b", "a.b": bytewise order puts
	// "a" first, git's tree order (directories as "a/") puts it last.
	mkdir("names/a")
	file("names/a/inside", "x", 0o644)
	deep := "deep"
	for i := 0; i < 64; i++ {
		deep = filepath.Join(deep, "d")
	}
	mkdir(deep)
	file(filepath.Join(deep, "leaf"), "bottom", 0o644)
	large := make([]byte, 5<<20+3) // not a multiple of 8: padding matters
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range large {
		large[i] = byte(rng.Uint32())
	}
	file("large.bin", string(large), 0o644)
	return root
}

func TestHashPathMatchesNix(t *testing.T) {
	t.Parallel()
	root := writeTree(t, t.TempDir())
	paths := []string{root, root + "/", filepath.Join(root, "modes/exec-0755"),
		filepath.Join(root, "modes/plain-0640"), filepath.Join(root, "dir-with-links/dangling"),
		filepath.Join(root, "dir-with-links/to-dir"), filepath.Join(root, "dir-with-links/to-dir") + "/",
		filepath.Join(root, "empty-dir"), filepath.Join(root, "names"), filepath.Join(root, "large.bin")}
	for _, p := range paths {
		got, err := nar.HashPath(p, nixhash.SHA256)
		if err != nil {
			t.Fatalf("HashPath(%s): %v", p, err)
		}
		if want := nixHashPath(t, p); got.Format(nixhash.SRI, true) != want {
			t.Errorf("HashPath(%s) = %s, nix hash path says %s", p, got.Format(nixhash.SRI, true), want)
		}
	}
	// Every algorithm Nix offers.
	for _, algo := range []string{"md5", "sha1", "sha512"} {
		a, _ := nixhash.ParseAlgorithm(algo)
		got, err := nar.HashPath(root, a)
		if err != nil {
			t.Fatal(err)
		}
		if want := nixHashPath(t, root, "--type", algo, "--base16"); got.Format(nixhash.Base16, false) != want {
			t.Errorf("%s: got %s, nix says %s", algo, got.Format(nixhash.Base16, false), want)
		}
	}
}

// TestHashPathIgnoresMetadata proves what must not count does not: the
// hash of a tree is unchanged by mtimes and non-owner-exec mode bits, and
// changed by the owner-exec bit.
func TestHashPathIgnoresMetadata(t *testing.T) {
	t.Parallel()
	root := writeTree(t, t.TempDir())
	before, err := nar.HashPath(root, nixhash.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(root, "modes/plain-0644")
	if err := os.Chmod(f, 0o674); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(f, time0, time0); err != nil {
		t.Fatal(err)
	}
	after, _ := nar.HashPath(root, nixhash.SHA256)
	if before.Format(nixhash.SRI, true) != after.Format(nixhash.SRI, true) {
		t.Errorf("group/other bits or mtime changed the hash")
	}
	if err := os.Chmod(f, 0o744); err != nil {
		t.Fatal(err)
	}
	exec, _ := nar.HashPath(root, nixhash.SHA256)
	if exec.Format(nixhash.SRI, true) == after.Format(nixhash.SRI, true) {
		t.Errorf("the owner-exec bit did not change the hash")
	}
	if want := nixHashPath(t, root); exec.Format(nixhash.SRI, true) != want {
		t.Errorf("got %s, nix hash path says %s", exec.Format(nixhash.SRI, true), want)
	}
}

func TestHashPathErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := nar.HashPath(filepath.Join(dir, "missing"), nixhash.SHA256); !os.IsNotExist(err) {
		t.Errorf("missing path: got %v, want a not-exist error", err)
	}
}

// TestWritePathMatchesNixStoreDump compares the NAR bytes themselves, not
// only their hash, with `nix-store --dump`.
func TestWritePathMatchesNixStoreDump(t *testing.T) {
	t.Parallel()
	nixStore := oracle.Require(t, "nix-store")
	root := writeTree(t, t.TempDir())
	cmd := exec.Command(nixStore, "--dump", root)
	cmd.Env = oracle.NixEnv()
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-store --dump: %v: %s", err, stderrOf(err))
	}
	var got bytes.Buffer
	if err := nar.WritePath(&got, root); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		i := 0
		for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
			i++
		}
		t.Errorf("NAR differs from nix-store --dump at byte %d of %d (ours %d bytes)", i, len(want), got.Len())
	}
}
