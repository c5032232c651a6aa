package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
	"golang.org/x/sys/unix"
)

// The engine tests run devbox against a real Docker-compatible API: podman's
// API service on a private unix socket, with a small test image that runs
// the real image/entrypoint.sh on host binaries, with stub nix, gh and git.
// They need root and podman, so they run with DEVBOX_IMAGE_TESTS=1 (as CI does).
const engineTestsEnv = "DEVBOX_IMAGE_TESTS"

const testImage = "localhost/devbox-cli-test:latest"

// Stubs for the test image. nix develop runs the command (or bash) where it
// is; as PID 1 it forwards SIGTERM, as tini does in the real image. gh repo
// clone makes a workspace with a flake.nix, and fails for acme/missing as
// gh does for a repository the token cannot see.
var testImageStubs = map[string]string{
	"/usr/local/bin/nix": `#!/usr/bin/env bash
[ "${1:-}" = develop ] || { echo "nix stub: unsupported: $*" >&2; exit 1; }
shift
export IN_NIX_SHELL=impure
if [ "${1:-}" = -c ]; then
  shift
  if [ "$$" = 1 ]; then trap 'exit 143' TERM; "$@" & wait "$!"; exit "$?"; fi
  exec "$@"
fi
exec bash
`,
	"/usr/local/bin/gh": `#!/usr/bin/env bash
[ "${1:-} ${2:-}" = "repo clone" ] || { echo "gh stub: unsupported: $*" >&2; exit 1; }
if [ "$3" = acme/missing ]; then
  echo "GraphQL: Could not resolve to a Repository with the name 'acme/missing'." >&2
  exit 1
fi
[ "$3" != acme/slow ] || sleep 3
printf '%s' "$GITHUB_TOKEN" >/tmp/gh-token
mkdir -p "$4/.git" && echo '{ }' >"$4/flake.nix"
`,
	"/usr/local/bin/git": "#!/usr/bin/env bash\nexit 0\n",
}

// Host binaries the entrypoint and the tests use inside the container.
var testImageBinaries = []string{"bash", "env", "cat", "sleep", "mkdir", "chmod", "install", "rm", "id", "stat", "ls", "tail", "true"}

// buildTestImage imports a tarball of host binaries, their libraries, the
// real entrypoint and the stubs as testImage (about a second).
func buildTestImage(t testing.TB, podman string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	add := func(hdr *tar.Header, data []byte) {
		hdr.Name = strings.TrimPrefix(hdr.Name, "/")
		if seen[hdr.Name] {
			return
		}
		seen[hdr.Name] = true
		hdr.Size = int64(len(data))
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"/usr", "/usr/bin", "/usr/lib", "/usr/lib64", "/usr/local", "/usr/local/bin", "/etc", "/root", "/run", "/run/secrets", "/home", "/var", "/var/run"} {
		add(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755}, nil)
	}
	add(&tar.Header{Typeflag: tar.TypeDir, Name: "/tmp", Mode: 0o1777}, nil)
	for _, l := range []struct{ name, target string }{{"/bin", "usr/bin"}, {"/lib", "usr/lib"}, {"/lib64", "usr/lib64"}} {
		add(&tar.Header{Typeflag: tar.TypeSymlink, Name: l.name, Linkname: l.target, Mode: 0o777}, nil)
	}
	add(&tar.Header{Typeflag: tar.TypeReg, Name: "/etc/passwd", Mode: 0o644}, []byte("root:x:0:0:root:/root:/bin/bash\n"))
	add(&tar.Header{Typeflag: tar.TypeReg, Name: "/etc/group", Mode: 0o644}, []byte("root:x:0:\ndocker:x:999:\n"))

	files := map[string]bool{} // resolved host paths
	ldd := oracle.Require(t, "ldd")
	for _, b := range testImageBinaries {
		path, err := exec.LookPath(b)
		if err != nil {
			t.Fatalf("%s is not installed: %v", b, err)
		}
		files[path] = true
		out, err := exec.Command(ldd, path).Output()
		if err != nil {
			t.Fatalf("ldd %s: %v", path, err)
		}
		for _, lib := range regexp.MustCompile(`(/\S+)`).FindAllString(string(out), -1) {
			files[lib] = true
		}
	}
	// Paths as on a merged-/usr system (the image has /bin -> usr/bin etc.),
	// symlinks kept as symlinks (ld.so is one), each parent directory made.
	merged := func(p string) string {
		for _, top := range []string{"/bin/", "/lib/", "/lib64/", "/sbin/"} {
			if strings.HasPrefix(p, top) {
				return "/usr" + p
			}
		}
		return p
	}
	var addHost func(p string, depth int)
	addHost = func(p string, depth int) {
		p = merged(filepath.Clean(p))
		if seen[strings.TrimPrefix(p, "/")] || depth > 10 {
			return
		}
		for d, parents := filepath.Dir(p), []string{}; ; d = filepath.Dir(d) {
			if d == "/" {
				for i := len(parents) - 1; i >= 0; i-- {
					add(&tar.Header{Typeflag: tar.TypeDir, Name: parents[i], Mode: 0o755}, nil)
				}
				break
			}
			parents = append(parents, d)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			add(&tar.Header{Typeflag: tar.TypeSymlink, Name: p, Linkname: target, Mode: 0o777}, nil)
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			addHost(target, depth+1)
			return
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		add(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: int64(fi.Mode().Perm())}, data)
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		addHost(p, 0)
	}
	entrypoint, err := os.ReadFile("../../image/entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	add(&tar.Header{Typeflag: tar.TypeReg, Name: entrypointPath, Mode: 0o755}, entrypoint)
	for name, body := range testImageStubs {
		add(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o755}, []byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(podman, "import",
		"--change", `ENTRYPOINT ["`+entrypointPath+`"]`,
		"--change", "ENV HOME=/root",
		"--change", "ENV PATH=/usr/local/bin:/usr/bin",
		"-", testImage)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("podman import: %v\n%s", err, out)
	}
}

// podmanService starts podman's Docker-compatible API on a private socket and
// points DOCKER_HOST at it.
func podmanService(t testing.TB) string {
	t.Helper()
	if os.Getenv(engineTestsEnv) != "1" {
		t.Skipf("set %s=1 to run devbox against podman's Docker API (root, podman, runc)", engineTestsEnv)
	}
	podman := oracle.Require(t, "podman")
	oracle.Require(t, "runc")
	if os.Geteuid() != 0 {
		t.Fatal("the engine tests need root (rootful podman)")
	}
	oracle.ExclusivePodman(t)
	if os.Getenv("CONTAINERS_CONF") == "" {
		conf := filepath.Join(t.TempDir(), "containers.conf")
		if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = \"cgroupfs\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("CONTAINERS_CONF", conf)
	}
	sock := filepath.Join(t.TempDir(), "podman.sock")
	service := exec.Command(podman, "--runtime", "runc", "system", "service", "--time=0", "unix://"+sock)
	var serviceLog bytes.Buffer
	service.Stdout, service.Stderr = &serviceLog, &serviceLog
	if err := service.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = service.Process.Kill()
		_ = service.Wait()
		if t.Failed() {
			t.Logf("podman system service log:\n%s", serviceLog.String())
		}
	})
	for i := 0; ; i++ {
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			break
		}
		if i == 100 {
			t.Fatal("podman system service did not create its socket in 10s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	return podman
}

// engineEnv isolates devbox's files: a home with Claude and AWS files, a
// state directory, and a credentials volume of its own.
type engineEnv struct {
	home, state, volume, podman string
	prefix                      string // of this run's devbox names
}

func newEngineEnv(t testing.TB) *engineEnv {
	podman := podmanService(t)
	start := time.Now()
	buildTestImage(t, podman)
	t.Logf("built %s in %v", testImage, time.Since(start).Round(time.Millisecond))
	env := &engineEnv{
		home:   t.TempDir(),
		state:  t.TempDir(),
		volume: fmt.Sprintf("devbox-test-creds-%d", time.Now().UnixNano()),
		podman: podman,
		prefix: fmt.Sprintf("t%d", time.Now().UnixNano()),
	}
	t.Setenv("HOME", env.home)
	t.Setenv("XDG_STATE_HOME", env.state)
	t.Setenv("DEVBOX_CREDENTIALS_VOLUME", env.volume)
	for _, v := range []string{"DOCKER_CONTEXT", "DOCKER_CONFIG", "GITHUB_TOKEN", "CLAUDE_CONFIG_DIR", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(v, "")
	}
	// Test containers and volumes carry their creation time in their names
	// (t<unix nanoseconds>-…): remove this run's at the end, and what an
	// interrupted run left more than 10 minutes ago, never a concurrent run's.
	removeTestObjects := func(atEnd bool) {
		remove := func(name string) bool {
			if atEnd && (strings.HasPrefix(strings.TrimPrefix(name, containerPrefix), env.prefix+"-") || strings.HasPrefix(name, env.volume)) {
				return true
			}
			m := regexp.MustCompile(`^(?:devbox-)?(?:t|test-creds-)(\d{19})\b`).FindStringSubmatch(name)
			var nanos int64
			if m == nil || func() bool { _, err := fmt.Sscan(m[1], &nanos); return err != nil }() {
				return false
			}
			return time.Since(time.Unix(0, nanos)) > 10*time.Minute
		}
		out, _ := exec.Command(podman, "ps", "-a", "--filter", "label="+labelName, "--format", `{{.ID}} {{index .Labels "`+labelName+`"}}`).Output()
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if id, name, ok := strings.Cut(line, " "); ok && remove(name) {
				_ = exec.Command(podman, "rm", "-f", "-v", id).Run()
			}
		}
		out, _ = exec.Command(podman, "volume", "ls", "-q").Output()
		for _, v := range strings.Fields(string(out)) {
			if remove(v) {
				_ = exec.Command(podman, "volume", "rm", "-f", v).Run()
			}
		}
	}
	removeTestObjects(false)
	t.Cleanup(func() { removeTestObjects(true) })
	return env
}

func (env *engineEnv) podmanOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(env.podman, append([]string{"--runtime", "runc"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeTestFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

func TestEngine(t *testing.T) {
	env := newEngineEnv(t)
	name := env.prefix + "-app"
	token := fmt.Sprintf("github_pat_devbox_cli_test_%d", time.Now().UnixNano())
	claudeCreds := `{"claudeAiOauth":{"accessToken":"sk-ant-oat-secret"}}`
	writeTestFile(t, filepath.Join(env.home, ".claude", ".credentials.json"), claudeCreds, 0o600)
	writeTestFile(t, filepath.Join(env.home, ".claude", "settings.json"), `{"theme":"dark"}`, 0o644)
	writeTestFile(t, filepath.Join(env.home, ".aws", "credentials"), "[default]\naws_access_key_id = AKIASECRET\n", 0o600)

	must := func(ok bool) {
		if !ok {
			t.FailNow()
		}
	}
	must(t.Run("init", func(t *testing.T) {
		start := time.Now()
		code, stdout, stderr := runDevbox(t, "", "init", "--image", testImage, "--import-aws")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		t.Logf("init in %v", time.Since(start).Round(time.Millisecond))
		for _, want := range []string{"claude/.credentials.json (0600)", "claude/settings.json (0600)", "aws/credentials (0600)"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "no "+filepath.Join(env.home, ".aws", "config")) {
			t.Errorf("stderr does not name the missing AWS config:\n%s", stderr)
		}
		for _, secret := range []string{"sk-ant-oat-secret", "AKIASECRET"} {
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("init printed a secret:\n%s%s", stdout, stderr)
			}
		}
		if out, _ := exec.Command(env.podman, "ps", "-aq", "--filter", "label="+labelHelper).Output(); len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("init left its helper container: %s", out)
		}
	}))

	port := freePort(t)
	must(t.Run("create", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		start := time.Now()
		code, stdout, stderr := runDevbox(t, "", "create", name, "acme/app", "--image", testImage, "--docker", "none", "--port", "127.0.0.1:"+port+":80", "--timeout", "1m")
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		t.Logf("create to ready in %v", time.Since(start).Round(time.Millisecond))
		for _, want := range []string{"cloning acme/app", "copied claude/.credentials.json", name + " is ready: devbox attach " + name} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if strings.Contains(stdout+stderr, token) {
			t.Error("create printed the token")
		}
	}))

	t.Run("token is a read-only secret file, not in inspect", func(t *testing.T) {
		inspect := env.podmanOut(t, "inspect", containerPrefix+name)
		if strings.Contains(inspect, token) {
			t.Errorf("the token is in podman inspect:\n%s", inspect)
		}
		var info []struct {
			Config struct {
				Env    []string
				Labels map[string]string
			}
			Mounts []struct {
				Source, Destination string
				RW                  bool
			}
		}
		if err := json.Unmarshal([]byte(inspect), &info); err != nil || len(info) != 1 {
			t.Fatalf("inspect: %v", err)
		}
		tokenFile := info[0].Config.Labels[labelTokenFile]
		if want := filepath.Join(env.state, "devbox", "tokens"); filepath.Dir(tokenFile) != want {
			t.Errorf("token file %q is not in %s", tokenFile, want)
		}
		fi, err := os.Stat(tokenFile)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("token file: %v, mode %v; want 0600", err, fi.Mode())
		}
		if dir, err := os.Stat(filepath.Dir(tokenFile)); err != nil || dir.Mode().Perm() != 0o700 {
			t.Errorf("tokens directory: %v, want 0700", err)
		}
		var secretMount, credsMount bool
		for _, m := range info[0].Mounts {
			switch m.Destination {
			case tokenTarget:
				secretMount = m.Source == tokenFile && !m.RW
			case credsTarget:
				credsMount = !m.RW
			}
		}
		if !secretMount || !credsMount {
			t.Errorf("want read-only mounts of the token file and the credentials volume: %+v", info[0].Mounts)
		}
		if !containsString(info[0].Config.Env, "DEVBOX_REPO=acme/app") {
			t.Errorf("env lacks DEVBOX_REPO=acme/app: %v", info[0].Config.Env)
		}
		// Inside, the file and the gh the entrypoint ran saw the token.
		code, stdout, stderr := runDevbox(t, "", "attach", name, "--", "cat", tokenTarget, "/tmp/gh-token")
		if code != 0 || stdout != token+"\n"+token {
			t.Errorf("attach cat: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})

	t.Run("credentials volume", func(t *testing.T) {
		code, stdout, stderr := runDevbox(t, "", "attach", name, "--", "stat", "-c", "%a %u %n",
			credsTarget+"/claude", credsTarget+"/claude/.credentials.json", credsTarget+"/claude/settings.json",
			credsTarget+"/aws", credsTarget+"/aws/credentials")
		want := "700 1000 /devbox-credentials/claude\n600 1000 /devbox-credentials/claude/.credentials.json\n" +
			"600 1000 /devbox-credentials/claude/settings.json\n700 1000 /devbox-credentials/aws\n600 1000 /devbox-credentials/aws/credentials\n"
		if code != 0 || stdout != want {
			t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
		}
		code, stdout, _ = runDevbox(t, "", "attach", name, "--", "cat", "/root/.claude/.credentials.json")
		if code != 0 || stdout != claudeCreds {
			t.Errorf("the entrypoint's copy in the home: exit %d, %q", code, stdout)
		}
		code, _, stderr = runDevbox(t, "", "attach", name, "--", "bash", "-c", "echo x >"+credsTarget+"/claude/settings.json")
		if code == 0 || !strings.Contains(stderr, "Read-only file system") {
			t.Errorf("the credentials volume is writable in the devbox: exit %d %s", code, stderr)
		}

		// init again, for Bedrock: the volume is updated in place (the
		// devbox sees it at once; its home copy is refreshed at its next start).
		code, stdout, stderr = runDevbox(t, "", "init", "--image", testImage, "--bedrock", "--region", "eu-west-1")
		if code != 0 || !strings.Contains(stdout, "+ Bedrock (region eu-west-1) to "+env.volume+":claude/settings.json (0600)") {
			t.Fatalf("init --bedrock: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, _ = runDevbox(t, "", "attach", name, "--", "cat", credsTarget+"/claude/settings.json", credsTarget+"/claude/.credentials.json")
		want = "{\n  \"env\": {\n    \"AWS_REGION\": \"eu-west-1\",\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\"\n  },\n  \"theme\": \"dark\"\n}\n" + claudeCreds
		if code != 0 || stdout != want {
			t.Errorf("after init --bedrock: exit %d\n%s\nwant\n%s", code, stdout, want)
		}
	})

	t.Run("attach", func(t *testing.T) {
		code, stdout, stderr := runDevbox(t, "from stdin\n", "attach", name, "--", "bash", "-c",
			`echo "pwd=$PWD shell=$IN_NIX_SHELL token=${GITHUB_TOKEN:+set}"; cat; echo oops >&2; exit 3`)
		if want := "pwd=/root/workspace shell=impure token=set\nfrom stdin\n"; code != 3 || stdout != want || stderr != "oops\n" {
			t.Errorf("got exit %d stdout %q stderr %q; want 3 %q %q", code, stdout, stderr, want, "oops\n")
		}
	})

	t.Run("attach on a terminal", func(t *testing.T) {
		master, slave := openPTY(t)
		var mu sync.Mutex
		var screen []byte
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := master.Read(buf)
				mu.Lock()
				screen = append(screen, buf[:n]...)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
		// Typed ahead: the pty buffers it until the shell reads it.
		if _, err := master.Write([]byte("test -t 0 && test -t 1 && echo \"tty:$TERM:$IN_NIX_SHELL:$PWD\"; exit 4\n")); err != nil {
			t.Fatal(err)
		}
		var errOut bytes.Buffer
		t.Setenv("TERM", "xterm-test")
		code := run([]string{"attach", name}, &streams{In: slave, Out: slave, ErrOut: &errOut})
		var out string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			mu.Lock()
			out = string(screen)
			mu.Unlock()
			if strings.Contains(out, "tty:xterm-test:impure:/root/workspace") {
				break
			}
		}
		if code != 4 || !strings.Contains(out, "tty:xterm-test:impure:/root/workspace") {
			t.Errorf("exit %d, want 4 and the shell on a terminal\nscreen:\n%q\nstderr:\n%s", code, out, errOut.String())
		}
	})

	t.Run("list", func(t *testing.T) {
		code, stdout, stderr := runDevbox(t, "", "list")
		if code != 0 || !regexp.MustCompile(`(?m)^`+name+`\s+acme/app\s+Up.*127\.0\.0\.1:`+port+`->80/tcp`).MatchString(stdout) {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		code, stdout, _ = runDevbox(t, "", "list", "--json")
		var boxes []boxSummary
		if err := json.Unmarshal([]byte(stdout), &boxes); err != nil || code != 0 {
			t.Fatalf("list --json: exit %d, %v\n%s", code, err, stdout)
		}
		found := false
		for _, b := range boxes {
			if b.Name == name {
				found = b.Repo == "acme/app" && b.State == "running" && b.Container == containerPrefix+name
			}
		}
		if !found {
			t.Errorf("list --json lacks %s running: %+v", name, boxes)
		}
	})

	t.Run("second create with the same name", func(t *testing.T) {
		tokens, _ := os.ReadDir(filepath.Join(env.state, "devbox", "tokens"))
		t.Setenv("GITHUB_TOKEN", "github_pat_other")
		code, stdout, stderr := runDevbox(t, "", "create", name, "acme/other", "--image", testImage, "--docker", "none")
		want := "devbox: a devbox named " + name + " already exists (acme/app, running): 'devbox attach " + name + "' uses it, 'devbox rm " + name + "' removes it\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("got exit %d stdout %q stderr %q; want 1 and %q", code, stdout, stderr, want)
		}
		if after, _ := os.ReadDir(filepath.Join(env.state, "devbox", "tokens")); len(after) != len(tokens) {
			t.Errorf("token files: %d before, %d after", len(tokens), len(after))
		}
	})

	t.Run("failed start shows the entrypoint's error", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		bad := env.prefix + "-missing"
		code, _, stderr := runDevbox(t, "", "create", bad, "acme/missing", "--image", testImage, "--docker", "none", "--timeout", "1m")
		last := lastLine(stderr)
		if want := "devbox: " + bad + " failed to start (exit 5): Failed to clone repository acme/missing; 'devbox logs " + bad + "' shows everything, 'devbox rm " + bad + "' removes it"; code != 1 || last != want {
			t.Errorf("exit %d, last line %q; want 1 and %q\n%s", code, last, want, stderr)
		}
		if !strings.Contains(stderr, "Could not resolve to a Repository") {
			t.Errorf("the entrypoint's log was not shown:\n%s", stderr)
		}
		code, stdout, stderr := runDevbox(t, "", "logs", bad)
		if code != 0 || !strings.Contains(stderr, "devbox: error: Failed to clone repository acme/missing") {
			t.Errorf("logs: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, _, stderr := runDevbox(t, "", "rm", bad); code != 0 {
			t.Errorf("rm of the failed devbox: exit %d %s", code, stderr)
		}
	})

	t.Run("stop, attach starts it again, rm", func(t *testing.T) {
		tokenFile := strings.TrimSpace(env.podmanOut(t, "inspect", "--format", `{{index .Config.Labels "`+labelTokenFile+`"}}`, containerPrefix+name))
		if code, _, stderr := runDevbox(t, "", "rm", name); code != 1 || stderr != "devbox: "+name+" is running: 'devbox stop "+name+"' first, or 'devbox rm -f "+name+"'\n" {
			t.Errorf("rm of a running devbox: exit %d %q", code, stderr)
		}
		start := time.Now()
		if code, _, stderr := runDevbox(t, "", "stop", name); code != 0 || stderr != "devbox: stopped "+name+"\n" {
			t.Fatalf("stop: exit %d %q", code, stderr)
		}
		t.Logf("stopped in %v", time.Since(start).Round(time.Millisecond))
		if state := strings.TrimSpace(env.podmanOut(t, "inspect", "--format", "{{.State.Status}}", containerPrefix+name)); state != "exited" {
			t.Errorf("state after stop: %s", state)
		}
		code, stdout, stderr := runDevbox(t, "", "attach", name, "--", "cat", "/tmp/gh-token")
		if code != 0 || stdout != token || !strings.Contains(stderr, "devbox: starting "+name) || !strings.Contains(stderr, "reusing /root/workspace") ||
			strings.Contains(stderr, "cloning acme/app") {
			t.Errorf("attach to a stopped devbox: exit %d stdout %q\n%s", code, stdout, stderr)
		}
		if code, _, stderr := runDevbox(t, "", "rm", "-f", name); code != 0 || stderr != "devbox: removed "+name+"\n" {
			t.Errorf("rm -f: exit %d %q", code, stderr)
		}
		if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
			t.Errorf("the token file is still there after rm: %v", err)
		}
		if code, _, stderr := runDevbox(t, "", "attach", name); code != 1 || stderr != "devbox: no devbox named "+name+" ('devbox list' shows them)\n" {
			t.Errorf("attach after rm: exit %d %q", code, stderr)
		}
	})

	t.Run("--docker host mounts the engine's socket", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		host := env.prefix + "-host"
		// And a credentials volume that does not exist yet: create makes it.
		t.Setenv("DEVBOX_CREDENTIALS_VOLUME", env.volume+"-empty")
		code, _, stderr := runDevbox(t, "", "create", host, "acme/app", "--image", testImage, "--docker", "host", "--timeout", "1m")
		if code != 0 || !strings.Contains(stderr, "using the Docker socket /var/run/docker.sock") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if want := "devbox: note: created the empty volume " + env.volume + "-empty; 'devbox init' puts your Claude (and AWS) credentials there (restart devboxes after it)\n"; !strings.HasPrefix(stderr, want) {
			t.Errorf("stderr does not start with %q:\n%s", want, stderr)
		}
		if strings.Contains(stderr, "devbox: copied") {
			t.Errorf("the entrypoint copied credentials from an empty volume:\n%s", stderr)
		}
		code, stdout, stderr := runDevbox(t, "", "attach", host, "--", "bash", "-c", "test -S /var/run/docker.sock && echo socket")
		if code != 0 || stdout != "socket\n" {
			t.Errorf("exit %d %q %q", code, stdout, stderr)
		}
		if code, _, stderr := runDevbox(t, "", "rm", "-f", host); code != 0 {
			t.Errorf("rm -f: exit %d %s", code, stderr)
		}
	})

	t.Run("--docker dind: privileged, its own volume, removed with it", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		dind := env.prefix + "-dind"
		// The test image has no dockerd, so the entrypoint fails as it would
		// without --privileged in the real image: exit 3 with its message.
		code, _, stderr := runDevbox(t, "", "create", dind, "acme/app", "--image", testImage, "--timeout", "1m")
		if code != 1 || !strings.Contains(lastLine(stderr), "failed to start (exit 3): Docker daemon failed to start: dockerd is not installed") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		privileged := strings.TrimSpace(env.podmanOut(t, "inspect", "--format", "{{.HostConfig.Privileged}}", containerPrefix+dind))
		volume := containerPrefix + dind + "-docker"
		if privileged != "true" || !strings.Contains(env.podmanOut(t, "volume", "ls", "--format", "{{.Name}}"), volume+"\n") {
			t.Errorf("privileged=%s; want true and the volume %s", privileged, volume)
		}
		if code, _, stderr := runDevbox(t, "", "rm", dind); code != 0 {
			t.Errorf("rm: exit %d %s", code, stderr)
		}
		if strings.Contains(env.podmanOut(t, "volume", "ls", "--format", "{{.Name}}"), volume+"\n") {
			t.Errorf("rm left the volume %s", volume)
		}
	})

	t.Run("attach waits for a devbox that is still starting", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		slow := env.prefix + "-slow"
		created := make(chan string)
		go func() {
			code, _, stderr := runDevbox(t, "", "create", slow, "acme/slow", "--image", testImage, "--docker", "none", "--timeout", "1m")
			created <- fmt.Sprintf("exit %d\n%s", code, stderr)
		}()
		for i := 0; ; i++ {
			out, _ := exec.Command(env.podman, "inspect", "--format", "{{.State.Running}}", containerPrefix+slow).Output()
			if strings.TrimSpace(string(out)) == "true" {
				break
			}
			if i == 100 {
				t.Fatalf("%s did not start: %s", slow, <-created)
			}
			time.Sleep(50 * time.Millisecond)
		}
		code, stdout, stderr := runDevbox(t, "", "attach", slow, "--", "cat", "/tmp/gh-token")
		if code != 0 || stdout != token || !strings.HasPrefix(stderr, "devbox: waiting for "+slow+" to get ready\n") || !strings.Contains(stderr, "cloning acme/slow") {
			t.Errorf("attach: exit %d stdout %q\nstderr:\n%s", code, stdout, stderr)
		}
		if res := <-created; !strings.HasPrefix(res, "exit 0\n") {
			t.Errorf("create: %s", res)
		}
		if code, _, stderr := runDevbox(t, "", "rm", "-f", slow); code != 0 {
			t.Errorf("rm -f: exit %d %s", code, stderr)
		}
	})

	t.Run("a port in use: nothing is left behind", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		busy := env.prefix + "-busy"
		port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
		tokens, _ := os.ReadDir(filepath.Join(env.state, "devbox", "tokens"))
		code, _, stderr := runDevbox(t, "", "create", busy, "acme/app", "--image", testImage, "-p", "127.0.0.1:"+port+":80")
		if code != 1 || !strings.HasPrefix(lastLine(stderr), "devbox: cannot start "+containerPrefix+busy+": ") || !strings.Contains(stderr, "address already in use") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		if out, err := exec.Command(env.podman, "container", "exists", containerPrefix+busy).CombinedOutput(); err == nil {
			t.Errorf("the container is still there: %s", out)
		}
		if out, err := exec.Command(env.podman, "volume", "exists", containerPrefix+busy+"-docker").CombinedOutput(); err == nil {
			t.Errorf("its Docker volume is still there: %s", out)
		}
		if after, _ := os.ReadDir(filepath.Join(env.state, "devbox", "tokens")); len(after) != len(tokens) {
			t.Errorf("token files: %d before, %d after", len(tokens), len(after))
		}
	})

	t.Run("missing image", func(t *testing.T) {
		t.Setenv("GITHUB_TOKEN", token)
		code, _, stderr := runDevbox(t, "", "create", env.prefix+"-noimage", "acme/app", "--image", "localhost/devbox-no-such-image:1")
		if code != 1 || !strings.Contains(stderr, "the image localhost/devbox-no-such-image:1 is not there") {
			t.Errorf("exit %d %q", code, stderr)
		}
	})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// openPTY opens a pseudo-terminal pair: what a user's terminal looks like to
// devbox (the slave) and the keyboard and screen (the master).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// freePort is a TCP port nothing listens on just now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// BenchmarkAttach times what a developer does most, `devbox attach NAME --
// CMD` (the devbox binary: connect, find, exec, stream, exit code), against
// the same work done with the docker CLI: `docker exec` of the entrypoint in
// attach mode, over the same podman API socket. The ratio is devbox's
// overhead. Run it with scripts/bench-devbox.
func BenchmarkAttach(b *testing.B) {
	env := newEngineEnv(b)
	docker := oracle.Require(b, "docker")
	bin := filepath.Join(b.TempDir(), "devbox")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	name := env.prefix + "-bench"
	var out, errOut bytes.Buffer
	b.Setenv("GITHUB_TOKEN", "github_pat_bench")
	if code := run([]string{"create", name, "acme/app", "--image", testImage, "--docker", "none"}, &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
		b.Fatalf("create: exit %d\n%s", code, errOut.String())
	}
	time1 := func(argv ...string) time.Duration {
		start := time.Now()
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil || string(out) != "ok\n" {
			b.Fatalf("%s: %v %q", strings.Join(argv, " "), err, out)
		}
		return time.Since(start)
	}
	b.ResetTimer()
	var viaDevbox, viaDocker time.Duration
	for i := 0; i < b.N; i++ {
		viaDevbox += time1(bin, "attach", name, "--", "bash", "-c", "echo ok")
		viaDocker += time1(docker, "exec", "-i", "-e", "DEVBOX_ATTACH=1", containerPrefix+name, entrypointPath, "bash", "-c", "echo ok")
	}
	b.ReportMetric(float64(viaDevbox.Microseconds())/1000/float64(b.N), "devbox-ms/op")
	b.ReportMetric(float64(viaDocker.Microseconds())/1000/float64(b.N), "docker-exec-ms/op")
	b.ReportMetric(float64(viaDevbox)/float64(viaDocker), "devbox/docker")
}
