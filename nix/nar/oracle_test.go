package nar_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
)

// nixHashPath runs the real `nix hash path` on path.
func nixHashPath(t *testing.T, path string, flags ...string) string {
	t.Helper()
	nix := oracle.Require(t, "nix")
	args := append([]string{"hash", "path"}, flags...)
	cmd := exec.Command(nix, append(args, path)...)
	cmd.Env = oracle.NixEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix hash path %s: %v: %s", path, err, stderrOf(err))
	}
	return strings.TrimSpace(string(out))
}

type prefetched struct {
	Hash      string `json:"hash"`
	StorePath string `json:"storePath"`
}

// nixPrefetch runs the real `nix flake prefetch --json` on ref, with a fresh
// fetcher cache so that Nix really unpacks this tarball. It returns Nix's
// error output when Nix fails.
func nixPrefetch(t *testing.T, ref string) (prefetched, string) {
	t.Helper()
	nix := oracle.Require(t, "nix")
	tmp := t.TempDir()
	registry := filepath.Join(tmp, "registry.json")
	if err := os.WriteFile(registry, []byte(`{"flakes":[],"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nix, "flake", "prefetch", "--json", "--option", "flake-registry", registry, ref)
	cmd.Env = oracle.NixEnv("XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return prefetched{}, strings.TrimSpace(stderr.String())
	}
	var p prefetched
	if err := json.Unmarshal(out, &p); err != nil || p.Hash == "" || p.StorePath == "" {
		t.Fatalf("nix flake prefetch --json %s printed %q (%v)", ref, out, err)
	}
	return p, ""
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2024-03-01T12:00:00Z", "GIT_COMMITTER_DATE=2024-03-02T13:14:15Z",
	)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, stderrOf(err))
	}
	return string(out)
}

var time0 = time.Unix(0, 0)
