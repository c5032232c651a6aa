// Package oracle finds the real tools (Nix 2.8, bubblewrap, git) that tests
// use as the reference for what flakectl computes.
//
// Outside CI a missing tool skips the test; in CI (CI=true) it fails it, so a
// broken install step can never turn the oracle tests into no-ops.
package oracle

import (
	"os"
	"os/exec"
	"syscall"
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

// podmanLock is held by every test that runs containers with podman, in any
// package: `go test ./...` runs packages at once, and two podman clients
// starting, stopping and restarting containers side by side have been seen
// to lose a container's network namespace ("unknown FS magic on
// /run/netns/…", a known podman flake).
const podmanLock = "/tmp/devbox-podman-tests.lock"

// ExclusivePodman waits until no other test process uses podman, and keeps
// it to itself until t ends.
func ExclusivePodman(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(podmanLock, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("podman test lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("podman test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() })
}
