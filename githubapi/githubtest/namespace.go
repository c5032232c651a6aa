package githubtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/system1/devbox/internal/oracle"
)

// namespaceEnv marks a test binary re-executed inside the namespace.
const namespaceEnv = "GITHUBTEST_IN_NAMESPACE"

// namespaceMarker is logged by a test that ran to the end inside the
// namespace, so the outer test can tell a pass from a skip.
const namespaceMarker = "githubtest: ran inside the GitHub namespace"

// InGitHubNamespace lets a test run real Nix against the fake as if it were
// GitHub. Nix cannot be pointed at another host for github: inputs, so the
// test re-executes itself under `unshare --mount --net` (plus --user
// --map-root-user when not root): a private network namespace whose
// loopback is its only interface, and a private /etc/hosts naming
// api.github.com, codeload.github.com and github.com as 127.0.0.1.
//
// In the outer process it runs the test again inside, fails if that run
// fails or did not get to the end, and returns false: the caller returns.
// Inside it returns true; the caller then starts the fake with Options{Hosts:
// true, Listen: "127.0.0.1:443"} and runs Nix with NixEnv.
//
// It skips outside CI when nix, git or unshare is missing (oracle.Require),
// or when not root: Nix writes /nix/store itself when run as root.
func InGitHubNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(namespaceEnv) == t.Name() {
		enterNamespace(t)
		t.Cleanup(func() {
			if !t.Failed() && !t.Skipped() {
				t.Log(namespaceMarker)
			}
		})
		return true
	}
	oracle.Require(t, "nix")
	oracle.Require(t, "git")
	unshare := oracle.Require(t, "unshare")
	if os.Geteuid() != 0 && os.Getenv("CI") != "true" {
		t.Skip("Nix writes to /nix/store: run as root (scripts/test does)")
	}
	// Root needs no user namespace, and must not have one: /nix/store
	// belongs to groups a one-uid mapping cannot map. Anyone else needs
	// one, and a Nix daemon to write to the store.
	args := []string{"--mount", "--net"}
	if os.Geteuid() != 0 {
		args = append([]string{"--user", "--map-root-user"}, args...)
	}
	args = append(args, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd := exec.Command(unshare, args...)
	cmd.Env = append(os.Environ(), namespaceEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the test inside the namespace failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte(namespaceMarker)) {
		t.Fatalf("the test inside the namespace did not run to the end:\n%s", out)
	}
	t.Logf("inside the namespace:\n%s", out)
	return false
}

// NixEnv returns the environment for running Nix against the fake inside
// the namespace: Nix trusts the fake's CA, has its own empty HOME and
// fetcher cache (so it asks the fake instead of remembering), an empty
// global flake registry (Nix would fetch its default one from github.com),
// a connect timeout that survives a loaded machine, and token, if not empty, as its github.com access token.
func (s *Server) NixEnv(t testing.TB, token string) []string {
	t.Helper()
	dir := t.TempDir()
	registry := filepath.Join(dir, "registry.json")
	if err := os.WriteFile(registry, []byte(`{"flakes":[],"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, s.caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	// Without a route to the Internet Nix gives a connection one second,
	// TLS handshake included: too little on a loaded CI machine.
	config := "flake-registry = " + registry + "\nconnect-timeout = 30\n"
	if token != "" {
		config += "access-tokens = github.com=" + token + "\n"
	}
	env := oracle.NixEnv("NIX_SSL_CERT_FILE="+ca, "HOME="+filepath.Join(dir, "home"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	for i, e := range env {
		if strings.HasPrefix(e, "NIX_CONFIG=") {
			env[i] = e + config
		}
	}
	return env
}

// enterNamespace brings the loopback interface up and points GitHub's
// host names at it, in the namespace unshare made.
func enterNamespace(t *testing.T) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var ifr struct {
		name  [16]byte
		flags uint16
		_     [22]byte
	}
	copy(ifr.name[:], "lo")
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		t.Fatalf("reading lo's flags: %v", errno)
	}
	ifr.flags |= syscall.IFF_UP | syscall.IFF_RUNNING
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		t.Fatalf("bringing lo up: %v", errno)
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost api.github.com codeload.github.com github.com "+EnterpriseHost+" api."+EnterpriseHost+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(hosts, "/etc/hosts", "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("bind-mounting /etc/hosts: %v", err)
	}
}
