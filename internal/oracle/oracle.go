// Package oracle finds the real tools (Nix 2.8, bubblewrap, git) that tests
// use as the reference for what flakectl computes.
//
// Outside CI a missing tool skips the test; in CI (CI=true) it fails it, so a
// broken install step can never turn the oracle tests into no-ops.
package oracle

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the named executable, or stops the test: it
// skips outside CI and fails in CI.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI but not installed (scripts/test installs it)", name)
	}
	t.Skipf("%s not installed; run scripts/test to install it", name)
	return ""
}

// NixEnv returns the environment for running Nix in a test: flakes enabled,
// no substituters (there is no network), and the caller's HOME so the fetcher
// cache stays out of the repository.
func NixEnv(extra ...string) []string {
	env := append(os.Environ(),
		"NIX_CONFIG=experimental-features = nix-command flakes\nsubstituters =\n",
	)
	return append(env, extra...)
}
