package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/nix/lockfile"
)

// lockFixture copies a lock from nix/lockfile/testdata (locks Nix wrote,
// and their version 5 form) into a temporary directory.
func lockFixture(t *testing.T, name string) (path string, data []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "nix", "lockfile", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "flake.lock")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func TestNixLockCheck(t *testing.T) {
	v7, _ := lockFixture(t, "v7-clash-follows.lock")
	v5, _ := lockFixture(t, "v5-info.lock")
	broken := filepath.Join(t.TempDir(), "flake.lock")
	if err := os.WriteFile(broken, []byte(`{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "gone"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{v7}, 0, "", ""},
		{[]string{v7, v5}, 1, v5 + ": valid (version 5) but not as Nix writes it; run flakectl nix lock fmt " + v5 + "\n", ""},
		{[]string{broken}, 2, "", `names node "gone", which does not exist`},
		{[]string{filepath.Join(t.TempDir(), "nope.lock")}, 2, "", "does not exist (run nix flake lock to create it)"},
	} {
		code, out, errOut := runFlakectl(t, "", append([]string{"nix", "lock", "check"}, tc.args...)...)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.errOut) || strings.Count(errOut, "\n") > 1 {
			t.Errorf("check %v = %d, %q, %q; want %d, %q, stderr one line with %q", tc.args, code, out, errOut, tc.code, tc.out, tc.errOut)
		}
	}
}

func TestNixLockFmt(t *testing.T) {
	_, want := lockFixture(t, "v7-clash-follows.lock")
	v5, _ := lockFixture(t, "v5-info.lock")
	if code, out, errOut := runFlakectl(t, "", "nix", "lock", "fmt", v5); code != 0 || out != "" || errOut != "" {
		t.Fatalf("fmt = %d, %q, %q", code, out, errOut)
	}
	got, _ := os.ReadFile(v5)
	if !bytes.Equal(got, want) {
		t.Errorf("fmt wrote\n%s\nwant Nix's\n%s", got, want)
	}
}

func TestNixLockUpdateInput(t *testing.T) {
	path, before := lockFixture(t, "v7-clash-follows.lock")
	locked := `{"type":"path","path":"/src/c","narHash":"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","lastModified":5}`
	code, out, errOut := runFlakectl(t, "", "nix", "lock", "update-input", "c", "--file", path, "--locked", locked, "--stdout")
	if code != 0 || errOut != "" {
		t.Fatalf("update-input = %d, %q", code, errOut)
	}
	l, err := lockfile.Read([]byte(out))
	if err != nil {
		t.Fatalf("update-input printed an unreadable lock: %v\n%s", err, out)
	}
	c := l.Root.Inputs["c"].Node
	if v, _ := c.Locked.Get("lastModified"); v != int64(5) || c.Flake {
		t.Errorf("c is now %+v; want lastModified 5 and still flake = false", c)
	}
	if strings.Count(out, "\n") != strings.Count(string(before), "\n") {
		t.Errorf("only c's attributes should change:\n%s", out)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("--stdout changed the file")
	}
	// Without --stdout the file is rewritten in place.
	if code, _, errOut := runFlakectl(t, "", "nix", "lock", "update-input", "c", "--file", path, "--locked", locked); code != 0 {
		t.Fatalf("update-input = %d, %q", code, errOut)
	}
	if after, _ := os.ReadFile(path); string(after) != out {
		t.Errorf("the file is not what --stdout printed")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"c"}, "--locked is required"},
		{[]string{"c", "--locked", "{"}, "--locked: not a JSON object"},
		{[]string{"c", "--locked", "github:o"}, `--locked: invalid flake reference "github:o": missing repository name`},
		{[]string{"a/nixpkgs", "--locked", locked}, `input "a/nixpkgs" follows "nixpkgs"; update that input instead`},
		{[]string{"c", "--locked", locked, "--follows", "nope"}, "want INPUT/PATH=TARGET/PATH"},
	} {
		code, _, errOut := runFlakectl(t, "", append([]string{"nix", "lock", "update-input", "--file", path}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("update-input %v = %d, %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
