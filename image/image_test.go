package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
)

// The image tests build the real image with podman (no Docker daemon, no
// Docker Hub: the base is debootstrapped by scripts/build-image) and run it.
// They take minutes, so they only run with DEVBOX_IMAGE_TESTS=1 (CI sets it).
const imageTestsEnv = "DEVBOX_IMAGE_TESTS"

const (
	baseTag = "localhost/devbox-base:test"
	// The test image adds Debian's git to stand in for `nix profile install
	// nixpkgs#git`, which needs the binary cache; gh is a stub mounted per run.
	gitTag = "localhost/devbox-base:test-git"
)

// podman runs podman with runc, as DESIGN.md says works on these machines.
type podman struct {
	t    testing.TB
	path string
}

func (p podman) cmd(args ...string) *exec.Cmd {
	return exec.Command(p.path, append([]string{"--runtime", "runc"}, args...)...)
}

// run returns stdout, stderr and the exit code; it fails the test if podman
// could not be started at all.
func (p podman) run(args ...string) (string, string, int) {
	p.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := p.cmd(args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	case err != nil:
		p.t.Fatalf("podman %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), 0
}

func (p podman) must(args ...string) string {
	p.t.Helper()
	out, errOut, code := p.run(args...)
	if code != 0 {
		p.t.Fatalf("podman %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestImage(t *testing.T) {
	p, fix := setupImages(t)
	t.Run("contents", func(t *testing.T) { testContents(t, p) })
	t.Run("no token", func(t *testing.T) { testNoToken(t, p) })
	t.Run("token file, clone, nix develop, signals", func(t *testing.T) { testDevShell(t, p, fix) })
	t.Run("docker socket", func(t *testing.T) { testDockerSocket(t, p, fix) })
	t.Run("dockerd unprivileged", func(t *testing.T) { testDockerdUnprivileged(t, p, fix) })
	t.Run("dockerd privileged", func(t *testing.T) { testDockerdPrivileged(t, p, fix) })
	t.Run("upstream nix", func(t *testing.T) { testUpstreamNix(t, p) })
	t.Run("devbox CLI", func(t *testing.T) { testDevboxCLI(t, p, fix) })
}

// setupImages builds the image (scripts/build-image) and the test image with
// git, and makes the fixtures; it skips unless DEVBOX_IMAGE_TESTS=1.
func setupImages(t testing.TB) (podman, fixtures) {
	if os.Getenv(imageTestsEnv) != "1" {
		t.Skipf("set %s=1 to build and run the image with podman (several minutes)", imageTestsEnv)
	}
	p := podman{t, oracle.Require(t, "podman")}
	oracle.ExclusivePodman(t)
	oracle.Require(t, "runc")
	oracle.Require(t, "debootstrap")
	if os.Geteuid() != 0 {
		t.Fatal("the image tests need root (debootstrap and rootful podman)")
	}
	if os.Getenv("CONTAINERS_CONF") == "" {
		conf := filepath.Join(t.TempDir(), "containers.conf")
		writeFile(t, conf, "[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = \"cgroupfs\"\n", 0o644)
		t.Setenv("CONTAINERS_CONF", conf)
	}

	start := time.Now()
	build := exec.Command("../scripts/build-image", baseTag)
	build.Env = append(os.Environ(), "NIX_INSTALL=debian")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-image: %v\n%s", err, out)
	}
	size := p.must("image", "inspect", "--format", "{{.Size}}", baseTag)
	t.Logf("built %s in %v; size %s bytes", baseTag, time.Since(start).Round(time.Second), strings.TrimSpace(size))

	ctx := t.TempDir()
	writeFile(t, filepath.Join(ctx, "Containerfile"), "FROM "+baseTag+"\nUSER root\n"+
		"RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\nUSER devbox\n", 0o644)
	start = time.Now()
	p.must("build", "--network", "host", "--format", "docker", "-t", gitTag, ctx)
	t.Logf("built %s in %v", gitTag, time.Since(start).Round(time.Second))

	return p, newFixtures(t)
}

// BenchmarkStartup measures what a developer waits for: docker run to the
// dev shell in a new container (clone, first nix develop), and a restart of
// the same container (workspace and Nix store reused). It reports both and
// their ratio. Run it with scripts/bench-image.
func BenchmarkStartup(b *testing.B) {
	p, fix := setupImages(b)
	b.ResetTimer()
	var first, restart time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("devbox-bench-%d", time.Now().UnixNano())
		args := append([]string{"run", "--name", name, "--network", "none", "-e", "GITHUB_TOKEN=tok", "-e", "DEVBOX_DOCKER=none"}, fix.args()...)
		start := time.Now()
		p.must(append(args, gitTag, "true")...)
		first += time.Since(start)
		start = time.Now()
		p.must("start", "--attach", name)
		restart += time.Since(start)
		p.must("rm", name)
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "first-ms/op")
	b.ReportMetric(float64(restart.Milliseconds())/float64(b.N), "restart-ms/op")
	b.ReportMetric(float64(restart)/float64(first), "restart/first")
}

// fixtures are the host files mounted into the test containers.
type fixtures struct {
	dir, token, tokenFile, gh string
}

func newFixtures(t testing.TB) fixtures {
	b := newBox(t) // for its bare-repo helper
	b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
	dir := b.dir
	f := fixtures{
		dir:       dir,
		token:     "github_pat_image_test_" + fmt.Sprint(time.Now().UnixNano()),
		tokenFile: filepath.Join(t.TempDir(), "github_token"),
		gh:        filepath.Join(dir, "gh"),
	}
	writeFile(t, f.tokenFile, f.token+"\n", 0o600) // root-only, as a secret file on the host would be
	writeFile(t, f.gh, "#!/usr/bin/env bash\n"+stubLog+stubs["libexec/gh"], 0o755)
	// The fixtures belong to the container's user devbox (UID 1000; rootful
	// podman maps no users), as a clone of the user's own repository would;
	// git refuses to read a repository of another owner.
	if err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, 1000, 1000)
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// args are the podman run options that mount the fixtures: the bare repo as
// GitHub, the stub gh, an empty flake registry (no network here).
func (f fixtures) args() []string {
	return []string{
		"-v", f.dir + ":/fixtures:ro",
		"-v", f.gh + ":/usr/local/bin/gh:ro",
		"-e", "STUB_GIT=/fixtures/git", "-e", "STUB_LOG=/tmp/argv.log", "-e", "STUB_STATE=/tmp",
		"-e", "NIX_CONFIG=substituters =\nflake-registry = /fixtures/registry.json",
		"-e", "DEVBOX_REPO=acme/app",
	}
}

func testContents(t *testing.T, p podman) {
	out, errOut, code := p.run("run", "--rm", "--network", "none", "--entrypoint", "bash", baseTag, "-c",
		`id; sudo -n true && echo sudo-ok; nix --version; test -x /usr/bin/tini && echo tini-ok; command -v dockerd docker; `+
			`for c in git gh aws node claude; do command -v "$c" || true; done`)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"uid=1000(devbox)", "docker", "sudo-ok", "nix (Nix) 2.", "tini-ok", "/usr/sbin/dockerd", "/usr/bin/docker"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, tool := range []string{"/git", "/gh", "/aws", "/node", "/claude"} {
		if strings.Contains(out, tool+"\n") {
			t.Errorf("the image has %s, which must come from the flakes:\n%s", tool, out)
		}
	}
}

func testNoToken(t *testing.T, p podman) {
	start := time.Now()
	out, errOut, code := p.run("run", "--rm", "--network", "none", "-e", "DEVBOX_REPO=acme/app", baseTag)
	if code != 2 || !strings.Contains(errOut, "devbox: error: No GitHub token provided") ||
		!strings.Contains(errOut, "/run/secrets/github_token") {
		t.Fatalf("exit %d, want 2 with the no-token message\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("failed as expected in %v", time.Since(start).Round(time.Millisecond))
}

// The whole happy path: the token from a root-only secret file, the clone, a
// real `nix develop -c` inside the container, readiness, and SIGTERM reaching
// the shell through tini. The token must not show in inspect output or argv.
func testDevShell(t *testing.T, p podman, f fixtures) {
	name := fmt.Sprintf("devbox-test-%d", time.Now().UnixNano())
	shell := `echo "marker=$DEVBOX_MARKER shell=$IN_NIX_SHELL user=$(id -un) pwd=$PWD"; ` +
		`trap 'echo got-TERM; exit 42' TERM; while :; do sleep 0.2; done`
	// A credentials volume whose files only root may read, as `devbox init` might leave them.
	creds := t.TempDir()
	if err := os.Chmod(creds, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(creds, "aws", "credentials"), "[default]\naws_access_key_id = AKIAEXAMPLE\n", 0o600)
	writeFile(t, filepath.Join(creds, "claude", "settings.json"), "{}\n", 0o600)
	args := append([]string{"run", "-d", "--name", name, "--network", "none",
		"-v", f.tokenFile + ":/run/secrets/github_token:ro", "-v", creds + ":/devbox-credentials:ro",
		"-e", "DEVBOX_DOCKER=none"}, f.args()...)
	start := time.Now()
	p.must(append(args, gitTag, "bash", "-c", shell)...)
	defer p.run("rm", "-f", name)

	logs := waitLogs(t, p, name, "marker=", 5*time.Minute)
	t.Logf("in the dev shell after %v", time.Since(start).Round(time.Millisecond))
	if want := "marker=in-dev-shell shell=impure user=devbox pwd=/home/devbox/workspace"; !strings.Contains(logs, want) {
		t.Errorf("logs lack %q:\n%s", want, logs)
	}

	perms := p.must("exec", name, "stat", "-c", "%a %U %n", "/home/devbox/.aws", "/home/devbox/.aws/credentials",
		"/home/devbox/.claude", "/home/devbox/.claude/settings.json")
	if want := "700 devbox /home/devbox/.aws\n600 devbox /home/devbox/.aws/credentials\n" +
		"700 devbox /home/devbox/.claude\n600 devbox /home/devbox/.claude/settings.json\n"; perms != want {
		t.Errorf("credentials in the home:\n%s\nwant:\n%s", perms, want)
	}
	if got := p.must("exec", name, "cat", "/tmp/gh-token"); got != f.token {
		t.Errorf("gh saw GITHUB_TOKEN %q, want the secret file's %q", got, f.token)
	}
	if out, errOut, code := p.run("healthcheck", "run", name); code != 0 {
		t.Errorf("healthcheck: exit %d\n%s%s", code, out, errOut)
	}
	if pid1 := p.must("exec", name, "cat", "/proc/1/cmdline"); !strings.HasPrefix(pid1, "/usr/bin/tini\x00") {
		t.Errorf("PID 1 is %q, want tini", pid1)
	}
	views := map[string]string{
		"podman inspect": p.must("inspect", name),
		"argv in the container": p.must("exec", name, "bash", "-c",
			`for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$f"; echo; done`),
	}
	if out, err := exec.Command("ps", "-eo", "args").Output(); err == nil {
		views["ps on the host"] = string(out)
	} else {
		t.Errorf("ps: %v", err)
	}
	for view, text := range views {
		if strings.Contains(text, f.token) {
			t.Errorf("the token is visible in %s", view)
		}
	}
	if !strings.Contains(views["argv in the container"], "while :; do sleep 0.2; done") {
		t.Errorf("the dev shell is not among the container's processes:\n%s", views["argv in the container"])
	}

	start = time.Now()
	p.must("stop", "-t", "30", name)
	took := time.Since(start)
	code := strings.TrimSpace(p.must("inspect", "--format", "{{.State.ExitCode}}", name))
	logs = p.must("logs", name)
	if code != "42" || !strings.Contains(logs, "got-TERM") || took > 10*time.Second {
		t.Errorf("podman stop took %v, exit code %s, want 42 from the shell's TERM trap:\n%s", took, code, logs)
	}
	t.Logf("SIGTERM reached the shell; stopped in %v", took.Round(time.Millisecond))

	// A restart keeps the container's files: the workspace is reused, not cloned again.
	start = time.Now()
	p.must("start", name)
	logs = waitLogs(t, p, name, "reusing /home/devbox/workspace", time.Minute)
	for strings.Count(logs, "marker=in-dev-shell") < 2 {
		logs = waitLogs(t, p, name, "marker=", time.Minute)
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("no dev shell after restart:\n%s", logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("restarted into the dev shell in %v", time.Since(start).Round(time.Millisecond))
	if argv := p.must("exec", name, "cat", "/tmp/argv.log"); strings.Count(argv, "gh repo clone") != 1 {
		t.Errorf("want exactly one clone over two starts, stub log:\n%s", argv)
	}
}

// A Docker-compatible socket (podman's API service) mounted at
// /var/run/docker.sock is made usable by devbox, so docker works in the shell.
func testDockerSocket(t *testing.T, p podman, f fixtures) {
	sock := apiService(t, p)
	if err := os.Chmod(sock, 0o660); err != nil { // root-only, as dockerd's socket is
		t.Fatal(err)
	}
	args := append([]string{"run", "--rm", "--network", "none", "-e", "GITHUB_TOKEN=tok",
		"-v", sock + ":/var/run/docker.sock"}, f.args()...)
	start := time.Now()
	out, errOut, code := p.run(append(args, gitTag, "docker", "version", "--format", "{{range .Server.Components}}{{.Name}} {{end}}")...)
	if code != 0 || !strings.Contains(out, "Podman Engine") {
		t.Fatalf("docker version in the dev shell: exit %d, want the Podman Engine server\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "using the Docker socket /var/run/docker.sock") {
		t.Errorf("stderr does not say the socket is used:\n%s", errOut)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("the socket was opened to everyone: %v", fi.Mode())
	}
	t.Logf("docker version via the socket in %v", time.Since(start).Round(time.Millisecond))
}

// Without a socket and without --privileged, dockerd cannot start: the
// entrypoint must say so with the fixes instead of hanging.
func testDockerdUnprivileged(t *testing.T, p podman, f fixtures) {
	args := append([]string{"run", "--rm", "--network", "none", "-e", "GITHUB_TOKEN=tok"}, f.args()...)
	start := time.Now()
	out, errOut, code := p.run(append(args, gitTag, "true")...)
	if code != 3 || !strings.Contains(errOut, "devbox: error: Docker daemon failed to start") ||
		!strings.Contains(errOut, "--privileged") {
		t.Fatalf("exit %d, want 3 with the dockerd message\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("dockerd failure reported in %v:\n%s", time.Since(start).Round(time.Millisecond), errOut)
}

func waitLogs(t *testing.T, p podman, name, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, errOut, _ := p.run("logs", name)
		logs := out + errOut
		if strings.Contains(logs, want) {
			return logs
		}
		state := strings.TrimSpace(p.must("inspect", "--format", "{{.State.Status}}", name))
		if state == "exited" || time.Now().After(deadline) {
			t.Fatalf("container %s (%s) never printed %q:\n%s", name, state, want, logs)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// With --privileged the entrypoint starts a real dockerd (Docker-in-Docker)
// and the dev shell talks to it.
func testDockerdPrivileged(t *testing.T, p podman, f fixtures) {
	args := append([]string{"run", "--rm", "--privileged", "--network", "none", "-e", "GITHUB_TOKEN=tok"}, f.args()...)
	start := time.Now()
	out, errOut, code := p.run(append(args, gitTag, "docker", "info", "--format", "server={{.ServerVersion}}")...)
	if code != 0 || !strings.Contains(out, "server=20.") || !strings.Contains(errOut, "devbox: dockerd is ready") {
		t.Fatalf("docker info against Docker-in-Docker: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("dockerd ready and docker info answered in %v", time.Since(start).Round(time.Millisecond))
}

// The upstream installer path cannot reach releases.nixos.org here, so a
// local server stands in for the mirror (NIX_URL): the build must refuse to
// install without NIX_SHA256, refuse a tarball whose sha256 differs, and run
// the tarball's installer as single-user when it matches. The installer in
// that tarball is a stub: the real one is not tested here (see README).
func testUpstreamNix(t *testing.T, p podman) {
	oracle.Require(t, "xz")
	const tag = "localhost/devbox-base:test-upstream"
	build := func(env ...string) (string, error) {
		cmd := exec.Command("../scripts/build-image", tag)
		cmd.Env = append(os.Environ(), append([]string{"NIX_INSTALL=upstream"}, env...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	defer p.run("rmi", "-f", tag)

	start := time.Now()
	out, err := build()
	if err == nil || !strings.Contains(out, "NIX_INSTALL=upstream needs --build-arg NIX_SHA256=") {
		t.Fatalf("built without NIX_SHA256 (err %v):\n%s", err, out)
	}
	t.Logf("refused without NIX_SHA256 in %v", time.Since(start).Round(time.Millisecond))

	// A release-shaped tarball whose install script records its arguments.
	dir := t.TempDir()
	top := filepath.Join(dir, "nix-2.24.10-x86_64-linux")
	writeFile(t, filepath.Join(top, "install"), "#!/bin/sh\nset -eu\n"+
		`mkdir -p "$HOME/.nix-profile/bin" && echo "$*" >"$HOME/installed-with"`+"\n", 0o755)
	tarball := filepath.Join(dir, "nix.tar.xz")
	if out, err := exec.Command("tar", "-C", dir, "-cJf", tarball, "nix-2.24.10-x86_64-linux").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	data, err := os.ReadFile(tarball)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(data) }))
	defer srv.Close()
	sum := sha256.Sum256(data)
	good := hex.EncodeToString(sum[:])
	bad := strings.Repeat("0", 64)

	start = time.Now()
	out, err = build("NIX_URL="+srv.URL+"/nix.tar.xz", "NIX_SHA256="+bad)
	if err == nil || !strings.Contains(out, "FAILED") {
		t.Fatalf("built with a tarball whose sha256 differs (err %v):\n%s", err, out)
	}
	t.Logf("refused a wrong sha256 in %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if out, err := build("NIX_URL="+srv.URL+"/nix.tar.xz", "NIX_SHA256="+good); err != nil {
		t.Fatalf("build with the right sha256: %v\n%s", err, out)
	}
	got := p.must("run", "--rm", "--network", "none", "--entrypoint", "cat", tag, "/home/devbox/installed-with")
	if want := "--no-daemon --no-channel-add --no-modify-profile\n"; got != want {
		t.Errorf("installer ran with %q, want %q", got, want)
	}
	t.Logf("verified and ran the installer in %v", time.Since(start).Round(time.Millisecond))
}
