package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

// narRunNix runs the real Nix with args; it returns stdout, stderr and whether
// it succeeded.
func narRunNix(t *testing.T, env []string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	cmd := exec.Command(oracle.Require(t, "nix"), args...)
	cmd.Env = oracle.NixEnv(env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err == nil
}

// narSmallTree is a tree with an executable, a symlink and an empty directory.
func narSmallTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	for _, d := range []string{"bin", "empty", "a"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]os.FileMode{"bin/run": 0o755, "a/x": 0o640, "a-b": 0o600}
	for name, mode := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(name+"\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("bin/run", filepath.Join(root, "run")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestNixHashPathMatchesNix(t *testing.T) {
	root := narSmallTree(t)
	for _, flags := range [][]string{
		nil, {"--base16"}, {"--base32"}, {"--base64"}, {"--sri"},
		{"--base32", "--sri"}, {"--sri", "--base16"},
		{"--type", "sha1"}, {"--type", "sha512", "--base32"}, {"--type", "md5", "--base16"},
	} {
		paths := []string{root, filepath.Join(root, "run"), filepath.Join(root, "bin/run"), filepath.Join(root, "empty")}
		args := append(append([]string{"hash", "path"}, flags...), paths...)
		want, errOut, ok := narRunNix(t, nil, args...)
		if !ok {
			t.Fatalf("nix %v: %s", args, errOut)
		}
		code, got, stderr := runFlakectl(t, "", append([]string{"nix"}, args...)...)
		if code != 0 || got != want {
			t.Errorf("flakectl nix %s: exit %d, stdout %q, stderr %q; nix printed %q", strings.Join(args, " "), code, got, stderr, want)
		}
	}
}

func TestNixHashPathErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"nix", "hash", "path", filepath.Join(dir, "missing")}, "no such file or directory"},
		{[]string{"nix", "hash", "path", "--type", "sha3", dir}, "unknown hash algorithm 'sha3'"},
		{[]string{"nix", "hash", "path", "--base16=yes", dir}, "takes no value"},
	} {
		code, stdout, stderr := runFlakectl(t, "", c.args...)
		if code != exitBadInput || stdout != "" || !strings.Contains(stderr, c.msg) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, stdout, stderr, c.msg)
		}
	}
}
