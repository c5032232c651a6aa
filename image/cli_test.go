package image

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// apiService starts podman's Docker-compatible API service on a private
// socket and returns the socket's path; it stops with the test.
func apiService(t *testing.T, p podman) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "podman.sock")
	service := p.cmd("system", "service", "--time=0", "unix://"+sock)
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = service.Process.Kill()
		_ = service.Wait()
	})
	for i := 0; ; i++ {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return sock
		}
		if i == 100 {
			t.Fatal("podman system service did not create its socket in 10s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The devbox CLI (cmd/devbox) with the real image, through podman's Docker
// API: init, create (the token from GITHUB_TOKEN into a root-only secret file
// that the container's user devbox reads with sudo), attach into a real
// `nix develop`, rm. The fixtures are baked into a derived image, since
// devbox create takes no extra mounts.
func testDevboxCLI(t *testing.T, p podman, f fixtures) {
	const cliTag = "localhost/devbox-base:test-cli"
	dir := t.TempDir()
	start := time.Now()
	devbox := filepath.Join(dir, "devbox")
	if out, err := exec.Command("go", "build", "-o", devbox, "../cmd/devbox").CombinedOutput(); err != nil {
		t.Fatalf("go build ../cmd/devbox: %v\n%s", err, out)
	}
	ctx := filepath.Join(dir, "ctx")
	if out, err := exec.Command("cp", "-a", f.dir, ctx).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(ctx, "Containerfile"), "FROM "+gitTag+"\n"+
		"COPY --chown=1000:1000 . /fixtures\n"+
		"USER root\nRUN install -m 0755 /fixtures/gh /usr/local/bin/gh && "+
		"printf 'substituters =\\nflake-registry = /fixtures/registry.json\\n' >>/etc/nix/nix.conf\nUSER devbox\n"+
		"ENV STUB_GIT=/fixtures/git STUB_LOG=/tmp/argv.log STUB_STATE=/tmp\n", 0o644)
	p.must("build", "--network", "host", "--format", "docker", "-t", cliTag, ctx)
	defer p.run("rmi", "-f", cliTag)
	t.Logf("built devbox and %s in %v", cliTag, time.Since(start).Round(time.Millisecond))

	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".claude", ".credentials.json"), `{"claudeAiOauth":{}}`, 0o600)
	name := fmt.Sprintf("imgtest%d", time.Now().UnixNano())
	volume := name + "-creds"
	defer p.run("volume", "rm", "-f", volume)
	defer p.run("rm", "-f", "devbox-"+name)
	env := append(os.Environ(), "DOCKER_HOST=unix://"+apiService(t, p), "HOME="+home,
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "DEVBOX_CREDENTIALS_VOLUME="+volume, "GITHUB_TOKEN="+f.token)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(devbox, args...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}

	if out, errOut, code := run("init", "--image", cliTag); code != 0 {
		t.Fatalf("devbox init: exit %d\n%s%s", code, out, errOut)
	}
	start = time.Now()
	if out, errOut, code := run("create", name, "acme/app", "--image", cliTag, "--docker", "none", "--timeout", "5m"); code != 0 {
		t.Fatalf("devbox create: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("devbox create to ready in %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	out, errOut, code := run("attach", name, "--", "bash", "-c",
		`echo "marker=$DEVBOX_MARKER user=$(id -un) pwd=$PWD token=$GITHUB_TOKEN"; stat -c '%a %U' ~/.claude/.credentials.json`)
	want := "marker=in-dev-shell user=devbox pwd=/home/devbox/workspace token=" + f.token + "\n600 devbox\n"
	if code != 0 || out != want {
		t.Errorf("devbox attach: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	t.Logf("devbox attach -- CMD in a real nix develop in %v", time.Since(start).Round(time.Millisecond))
	if inspect := p.must("inspect", "devbox-"+name); strings.Contains(inspect, f.token) {
		t.Error("the token is in podman inspect")
	}
	start = time.Now()
	if out, errOut, code := run("stop", name); code != 0 {
		t.Errorf("devbox stop: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("devbox stop in %v", time.Since(start).Round(time.Millisecond))
	if out, errOut, code := run("rm", name); code != 0 {
		t.Errorf("devbox rm: exit %d\n%s%s", code, out, errOut)
	}
	if tokens, _ := os.ReadDir(filepath.Join(home, "state", "devbox", "tokens")); len(tokens) != 0 {
		t.Errorf("token files left after rm: %v", tokens)
	}
}
