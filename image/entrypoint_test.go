package image

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

// A flake whose dev shell builds with no network and no nixpkgs (see DESIGN.md),
// so the entrypoint's last step runs a real `nix develop`.
const offlineFlake = `{
  outputs = { self }: {
    devShells.x86_64-linux.default = derivation {
      name = "devbox-test-shell";
      system = "x86_64-linux";
      builder = "/bin/bash";
      args = [ "-c" "echo > $out" ];
      outputs = [ "out" ];
      DEVBOX_MARKER = "in-dev-shell";
    };
  };
}
`

// Each stub appends its name and argv to $STUB_LOG, so tests can see what
// ran and check that the token never appears in any argv.
const stubLog = `{ printf '%s' "${0##*/}"; [ "$#" -eq 0 ] || printf ' %s' "$@"; echo; } >>"$STUB_LOG"` + "\n"

var stubs = map[string]string{
	// gh stands in for GitHub: `gh repo clone O/R DIR` is a real git clone of
	// the bare fixture repo $STUB_GIT/O/R.git. It is not on PATH until the
	// nix stub "installs" it.
	"libexec/gh": `[ -n "${GITHUB_TOKEN:-}" ] || { echo "gh: GITHUB_TOKEN is not set" >&2; exit 4; }
printf '%s' "$GITHUB_TOKEN" >"$STUB_STATE/gh-token"
if [ "${1:-} ${2:-}" = "repo clone" ]; then exec git clone --quiet "file://$STUB_GIT/$3.git" "$4"; fi
if [ "${1:-} ${2:-}" = "auth setup-git" ]; then exec git config --global --add credential.https://github.com.helper '!gh auth git-credential'; fi
echo "gh stub: unsupported: $*" >&2; exit 1
`,
	// nix fakes `nix profile install|add` (there is no binary cache here) and
	// hands every other command to the real Nix.
	"bin/nix": `if [ "${1:-}" = profile ]; then
  case "${2:-}" in
    add) [ "${STUB_NIX_NEW:-}" = 1 ] || { echo "error: 'add' is not a recognised command" >&2; exit 1; } ;;
    install) [ "${STUB_NIX_NEW:-}" != 1 ] || echo "warning: 'install' is a deprecated alias for 'add'" >&2 ;;
    *) echo "nix stub: unsupported: $*" >&2; exit 1 ;;
  esac
  [ "${3:-}" != --help ] || exit 0
  if [ -n "${STUB_NIX_FAIL:-}" ]; then
    echo "error: unable to download 'https://cache.nixos.org/nix-cache-info': Couldn't resolve host name (6)" >&2
    exit 1
  fi
  mkdir -p "$HOME/.nix-profile/bin" && cp "$STUB_DIR/libexec/gh" "$HOME/.nix-profile/bin/gh"
  exit 0
fi
exec "$REAL_NIX" "$@"
`,
	"bin/dockerd": `case "${STUB_DOCKERD:-ok}" in
  ok) echo "API listen on /var/run/docker.sock"; touch "$STUB_STATE/dockerd-up"; exec sleep 300 ;;
  fail) echo "failed to start daemon: Error initializing network controller: iptables failed: operation not permitted" >&2; exit 1 ;;
  hang) exec sleep 300 ;;
esac
`,
	"bin/docker": `if [ "${1:-}" = info ] && [ -e "$STUB_STATE/dockerd-up" ]; then exit 0; fi
echo "Cannot connect to the Docker daemon at $DOCKER_HOST. Is the docker daemon running?" >&2
exit 1
`,
	// Only used when the tests do not run as root.
	"bin/sudo": `while [ "${1:-}" = -n ] || [ "${1:-}" = -- ]; do shift; done
exec "$@"
`,
}

// box is one sandbox for entrypoint.sh: a home, stub commands, bare git
// repos standing in for GitHub, and the paths the entrypoint reads.
type box struct {
	t                                         testing.TB
	dir, home, stubDir, state, git, tokenFile string
	env                                       map[string]string
	tty                                       bool // run on a terminal, as docker run -it does
}

type result struct {
	code           int
	stdout, stderr string
}

func newBox(t testing.TB) *box {
	t.Helper()
	oracle.Require(t, "bash")
	oracle.Require(t, "git")
	dir := t.TempDir()
	b := &box{
		t:         t,
		dir:       dir,
		home:      filepath.Join(dir, "home"),
		stubDir:   filepath.Join(dir, "stubs"),
		state:     filepath.Join(dir, "state"),
		git:       filepath.Join(dir, "git"),
		tokenFile: filepath.Join(dir, "secrets", "github_token"),
	}
	for _, d := range []string{b.home, b.state, b.git, filepath.Dir(b.tokenFile), filepath.Join(b.stubDir, "bin"), filepath.Join(b.stubDir, "libexec")} {
		mustMkdir(t, d)
	}
	for name, body := range stubs {
		writeFile(t, filepath.Join(b.stubDir, name), "#!/usr/bin/env bash\n"+stubLog+body, 0o755)
	}
	registry := filepath.Join(dir, "registry.json")
	writeFile(t, registry, `{"flakes":[],"version":2}`, 0o644)
	realNix, _ := exec.LookPath("nix")
	b.env = map[string]string{
		"HOME":                b.home,
		"PATH":                filepath.Join(b.stubDir, "bin") + ":/usr/local/bin:/usr/bin:/bin",
		"DEVBOX_REPO":         "acme/app",
		"DEVBOX_TOKEN_FILE":   b.tokenFile,
		"DEVBOX_CREDENTIALS":  filepath.Join(dir, "credentials"),
		"DEVBOX_DOCKER_SOCK":  filepath.Join(dir, "docker.sock"),
		"DEVBOX_DOCKERD_LOG":  filepath.Join(dir, "dockerd.log"),
		"DEVBOX_READY_FILE":   filepath.Join(dir, "ready"),
		"DEVBOX_DOCKER":       "none",
		"STUB_LOG":            filepath.Join(dir, "argv.log"),
		"STUB_DIR":            b.stubDir,
		"STUB_STATE":          b.state,
		"STUB_GIT":            b.git,
		"REAL_NIX":            realNix,
		"NIX_CONFIG":          "experimental-features = nix-command flakes\nsubstituters =\nflake-registry = " + registry + "\n",
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "devbox test",
		"GIT_AUTHOR_EMAIL":    "test@devbox.invalid",
		"GIT_COMMITTER_NAME":  "devbox test",
		"GIT_COMMITTER_EMAIL": "test@devbox.invalid",
		"GIT_TERMINAL_PROMPT": "0",
	}
	return b
}

// needNix is for tests that reach the last step, a real `nix develop`.
func (b *box) needNix() {
	b.t.Helper()
	oracle.Require(b.t, "nix")
	if b.env["REAL_NIX"] == "" {
		b.t.Fatal("nix found by oracle.Require but not by exec.LookPath")
	}
}

// repo creates the bare repository owner/name under b.git with one commit.
func (b *box) repo(name string, files map[string]string) string {
	b.t.Helper()
	bare := filepath.Join(b.git, name+".git")
	work := filepath.Join(b.dir, "src", name)
	b.gitRun("", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	b.gitRun("", "init", "--quiet", "--initial-branch=main", work)
	for path, body := range files {
		writeFile(b.t, filepath.Join(work, path), body, 0o644)
	}
	b.gitRun(work, "add", "-A")
	b.gitRun(work, "commit", "--quiet", "-m", "initial")
	b.gitRun(work, "push", "--quiet", bare, "main")
	return work
}

func (b *box) gitRun(dir string, args ...string) string {
	b.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = b.environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (b *box) environ() []string {
	var env []string
	for k, v := range b.env {
		env = append(env, k+"="+v)
	}
	return env
}

// run runs entrypoint.sh with args and stdin, in its own process group, which
// is killed afterwards (the dockerd stub outlives the entrypoint, as dockerd would).
func (b *box) run(stdin string, args ...string) result {
	b.t.Helper()
	stdout, err := os.CreateTemp(b.dir, "stdout")
	if err != nil {
		b.t.Fatal(err)
	}
	stderr, err := os.CreateTemp(b.dir, "stderr")
	if err != nil {
		b.t.Fatal(err)
	}
	defer stdout.Close()
	defer stderr.Close()
	cmd := exec.Command("bash", append([]string{"entrypoint.sh"}, args...)...)
	if b.tty {
		if len(args) > 0 {
			b.t.Fatal("run on a tty takes no arguments")
		}
		// script gives the entrypoint a pseudo-terminal fed from stdin; its
		// output (stdout and stderr together) is the terminal's.
		cmd = exec.Command(oracle.Require(b.t, "script"), "-qec", "bash entrypoint.sh", "/dev/null")
	}
	cmd.Env = b.environ()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	r := result{stdout: readFile(b.t, stdout.Name()), stderr: readFile(b.t, stderr.Name())}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		b.t.Fatal(err)
	}
	return r
}

// ran reports whether the stub name was run, with argv starting with args.
func (b *box) ran(name string, args ...string) bool {
	want := strings.Join(append([]string{name}, args...), " ")
	for _, line := range strings.Split(b.argv(), "\n") {
		if line == want || strings.HasPrefix(line, want+" ") {
			return true
		}
	}
	return false
}

// argv returns the stub invocations so far, one "name arg..." line each.
func (b *box) argv() string {
	data, err := os.ReadFile(b.env["STUB_LOG"])
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		b.t.Fatal(err)
	}
	return string(data)
}

func (b *box) wantCode(r result, code int, stderrHas ...string) {
	b.t.Helper()
	if r.code != code {
		b.t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stderrHas {
		if !strings.Contains(r.stderr, s) {
			b.t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

// printEnv is a command for the dev shell that proves where it runs.
var printEnv = []string{"bash", "-c", `echo "marker=$DEVBOX_MARKER shell=$IN_NIX_SHELL pwd=$PWD docker=${DOCKER_HOST:-}"`}

func (b *box) wantInShell(r result) {
	b.t.Helper()
	b.wantCode(r, 0)
	want := "marker=in-dev-shell shell=impure pwd=" + filepath.Join(b.home, "workspace")
	if !strings.Contains(r.stdout, want) {
		b.t.Fatalf("stdout lacks %q:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
	}
}

func TestShellcheck(t *testing.T) {
	shellcheck := oracle.Require(t, "shellcheck")
	scripts, err := filepath.Glob("../scripts/*-image")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts/*-image found (%v)", err)
	}
	out, err := exec.Command(shellcheck, append([]string{"entrypoint.sh"}, scripts...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}

func TestNoToken(t *testing.T) {
	for name, file := range map[string]*string{"no file": nil, "empty file": ptr(""), "blank file": ptr(" \n\n")} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBox(t)
			if file != nil {
				writeFile(t, b.tokenFile, *file, 0o600)
			}
			r := b.run("")
			b.wantCode(r, 2, "devbox: error: No GitHub token provided", "export GITHUB_TOKEN=", "-v ~/.secrets/github_token:"+b.tokenFile+":ro")
			if got := b.argv(); got != "" {
				t.Errorf("ran commands before failing:\n%s", got)
			}
		})
	}
}

func TestTokenSources(t *testing.T) {
	const envToken, fileToken = "github_pat_from_env", "github_pat_from_file"
	for _, tc := range []struct {
		name, env, file, want string
	}{
		{"env", envToken, "", envToken},
		{"file", "", fileToken + "\n", fileToken},
		{"env wins over file", envToken, fileToken, envToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBox(t)
			b.needNix()
			b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
			if tc.env != "" {
				b.env["GITHUB_TOKEN"] = tc.env
			}
			if tc.file != "" {
				writeFile(t, b.tokenFile, tc.file, 0o600)
			}
			r := b.run("", "bash", "-c", `printf %s "$GITHUB_TOKEN" | sha256sum`)
			b.wantCode(r, 0)
			if got := readFile(t, filepath.Join(b.state, "gh-token")); got != tc.want {
				t.Errorf("gh saw GITHUB_TOKEN %q, want %q", got, tc.want)
			}
			sum := sha256.Sum256([]byte(tc.want))
			if !strings.Contains(r.stdout, hex.EncodeToString(sum[:])) {
				t.Errorf("the dev shell's GITHUB_TOKEN is not %q (sha256 output %q)", tc.want, r.stdout)
			}
			for _, tok := range []string{envToken, fileToken} {
				if strings.Contains(b.argv(), tok) {
					t.Errorf("token %q is in a command's argv:\n%s", tok, b.argv())
				}
			}
		})
	}
}

func TestRepoValidation(t *testing.T) {
	for _, tc := range []struct{ repo, want string }{
		{"", "DEVBOX_REPO is not set"},
		{"https://github.com/acme/app", "DEVBOX_REPO must be owner/repo, not a URL: https://github.com/acme/app"},
		{"git@github.com:acme/app.git", "not a URL"},
		{"github.com/acme/app", "not a URL"},
		{"acme", "DEVBOX_REPO must be owner/repo: acme"},
		{"acme/app/extra", "DEVBOX_REPO must be owner/repo: acme/app/extra"},
		{"acme/app;rm -rf /", "must be owner/repo"},
	} {
		t.Run(tc.repo, func(t *testing.T) {
			t.Parallel()
			b := newBox(t)
			b.env["GITHUB_TOKEN"] = "tok"
			b.env["DEVBOX_REPO"] = tc.repo
			b.wantCode(b.run(""), 2, tc.want)
			if got := b.argv(); got != "" {
				t.Errorf("ran commands before failing:\n%s", got)
			}
		})
	}
}

func TestDocker(t *testing.T) {
	setup := func(t *testing.T) *box {
		b := newBox(t)
		b.env["GITHUB_TOKEN"] = "tok"
		b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
		delete(b.env, "DEVBOX_DOCKER")
		return b
	}
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.needNix()
		b.env["DEVBOX_DOCKER"] = "none"
		r := b.run("", printEnv...)
		b.wantInShell(r)
		b.wantCode(r, 0, "DEVBOX_DOCKER=none: not setting up Docker")
		if b.ran("docker") || b.ran("dockerd") || !strings.Contains(r.stdout, "docker=\n") {
			t.Errorf("Docker was set up:\n%s\n%s", b.argv(), r.stdout)
		}
	})
	t.Run("mounted socket", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.needNix()
		l, err := net.Listen("unix", b.env["DEVBOX_DOCKER_SOCK"])
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		r := b.run("", printEnv...)
		b.wantInShell(r)
		b.wantCode(r, 0, "using the Docker socket "+b.env["DEVBOX_DOCKER_SOCK"])
		if !strings.Contains(r.stdout, "docker=unix://"+b.env["DEVBOX_DOCKER_SOCK"]) {
			t.Errorf("DOCKER_HOST not set to the socket in the dev shell:\n%s", r.stdout)
		}
		if b.ran("dockerd") {
			t.Errorf("started dockerd although a socket was mounted:\n%s", b.argv())
		}
	})
	t.Run("dockerd starts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.needNix()
		r := b.run("", printEnv...)
		b.wantInShell(r)
		b.wantCode(r, 0, "starting dockerd", "dockerd is ready")
		if !b.ran("dockerd") || !b.ran("docker", "info") {
			t.Errorf("dockerd not started and waited for:\n%s", b.argv())
		}
	})
	t.Run("dockerd fails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["STUB_DOCKERD"] = "fail"
		r := b.run("")
		b.wantCode(r, 3, "devbox: error: Docker daemon failed to start: dockerd exited with status 1",
			"iptables failed: operation not permitted", "--privileged", "-v /var/run/docker.sock:/var/run/docker.sock", "DEVBOX_DOCKER=none")
		if b.ran("gh") || b.ran("nix") {
			t.Errorf("went on after Docker failed:\n%s", b.argv())
		}
	})
	t.Run("dockerd hangs", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["STUB_DOCKERD"] = "hang"
		b.env["DEVBOX_DOCKER_TIMEOUT"] = "1"
		b.wantCode(b.run(""), 3, "Docker daemon failed to start: dockerd did not become ready within 1s", "DEVBOX_DOCKER=none")
	})
	t.Run("bad value", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["DEVBOX_DOCKER"] = "yes"
		b.wantCode(b.run(""), 2, "DEVBOX_DOCKER must be none or unset, not yes")
	})
}

func TestCredentials(t *testing.T) {
	files := map[string]string{
		"claude/.credentials.json": `{"claudeAiOauth":{}}`,
		"claude/settings.json":     `{"theme":"dark"}`,
		"aws/config":               "[default]\nregion = eu-west-1\n",
		"aws/credentials":          "[default]\naws_access_key_id = AKIAEXAMPLE\n",
	}
	t.Run("volume", func(t *testing.T) {
		t.Parallel()
		b := readyBox(t)
		vol := b.env["DEVBOX_CREDENTIALS"]
		for rel, body := range files {
			writeFile(t, filepath.Join(vol, rel), body, 0o644)
		}
		writeFile(t, filepath.Join(vol, "aws", "unrelated"), "x", 0o644)
		r := b.run("", "true")
		b.wantCode(r, 0)
		for rel, body := range files {
			dest := filepath.Join(b.home, "."+rel)
			if got := readFile(t, dest); got != body {
				t.Errorf("%s = %q, want %q", dest, got, body)
			}
			wantMode(t, dest, 0o600)
			wantMode(t, filepath.Dir(dest), 0o700|os.ModeDir)
		}
		if _, err := os.Stat(filepath.Join(b.home, ".aws", "unrelated")); err == nil {
			t.Error("copied a file that is not a credential")
		}
		if strings.Contains(r.stderr, "warning") {
			t.Errorf("warned with a volume present:\n%s", r.stderr)
		}
	})
	t.Run("no volume", func(t *testing.T) {
		t.Parallel()
		b := readyBox(t)
		r := b.run("", "true")
		b.wantCode(r, 0)
		if n := strings.Count(r.stderr, "warning: no credentials volume at "+b.env["DEVBOX_CREDENTIALS"]); n != 1 {
			t.Errorf("warned %d times about the missing volume, want once:\n%s", n, r.stderr)
		}
	})
}

func TestInstallTools(t *testing.T) {
	for _, tc := range []struct {
		name, newNix, want string
	}{
		{"nix 2.8 profile install", "", "nix profile install nixpkgs#gh nixpkgs#git\n"},
		{"newer nix profile add", "1", "nix profile add nixpkgs#gh nixpkgs#git\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBox(t)
			b.needNix()
			b.env["GITHUB_TOKEN"] = "tok"
			b.env["STUB_NIX_NEW"] = tc.newNix
			b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
			b.wantCode(b.run("", "true"), 0)
			if !strings.Contains(b.argv(), tc.want) {
				t.Errorf("argv lacks %q:\n%s", tc.want, b.argv())
			}
		})
	}
	t.Run("fails", func(t *testing.T) {
		t.Parallel()
		b := newBox(t)
		b.env["GITHUB_TOKEN"] = "tok"
		b.env["STUB_NIX_FAIL"] = "1"
		b.wantCode(b.run(""), 4, "devbox: error: nix profile install nixpkgs#gh nixpkgs#git failed", "cache.nixos.org", "https_proxy")
	})
}

// A restarted container reuses everything: no install, no clone, the
// workspace (with the user's uncommitted work) kept and fetched.
func TestRestartReusesWorkspace(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	b.needNix()
	b.env["GITHUB_TOKEN"] = "tok"
	src := b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
	b.wantInShell(b.run("", printEnv...))
	ws := filepath.Join(b.home, "workspace")
	writeFile(t, filepath.Join(ws, "notes.txt"), "uncommitted work", 0o644)
	// git push and fetch go through gh's credential helper (the token stays
	// in the environment, not in a file).
	if !b.ran("gh", "auth", "setup-git", "--hostname", "github.com") {
		t.Errorf("gh auth setup-git not run:\n%s", b.argv())
	}
	if cfg := readFile(t, filepath.Join(b.home, ".gitconfig")); !strings.Contains(cfg, "gh auth git-credential") || strings.Contains(cfg, "tok") {
		t.Errorf("~/.gitconfig:\n%s", cfg)
	}

	writeFile(t, filepath.Join(src, "later.txt"), "pushed later", 0o644)
	b.gitRun(src, "add", "-A")
	b.gitRun(src, "commit", "--quiet", "-m", "later")
	b.gitRun(src, "push", "--quiet", filepath.Join(b.git, "acme/app.git"), "main")
	head := b.gitRun(src, "rev-parse", "HEAD")
	if err := os.Remove(b.env["STUB_LOG"]); err != nil {
		t.Fatal(err)
	}

	r := b.run("", printEnv...)
	b.wantInShell(r)
	b.wantCode(r, 0, "reusing "+ws+"; git fetch")
	if b.ran("nix", "profile") || b.ran("gh") {
		t.Errorf("installed or cloned again on restart:\n%s", b.argv())
	}
	if got := b.gitRun(ws, "rev-parse", "origin/main"); got != head {
		t.Errorf("origin/main = %s after restart, want the fetched %s", got, head)
	}
	if got := readFile(t, filepath.Join(ws, "notes.txt")); got != "uncommitted work" {
		t.Errorf("uncommitted work changed: %q", got)
	}
}

func TestClone(t *testing.T) {
	t.Run("fails", func(t *testing.T) {
		t.Parallel()
		b := newBox(t)
		b.env["GITHUB_TOKEN"] = "tok"
		b.env["DEVBOX_REPO"] = "acme/missing"
		b.wantCode(b.run(""), 5, "devbox: error: Failed to clone repository acme/missing",
			"no access to acme/missing", `"Contents: Read"`, "use owner/repo")
	})
	t.Run("workspace is not a repository", func(t *testing.T) {
		t.Parallel()
		b := newBox(t)
		b.env["GITHUB_TOKEN"] = "tok"
		b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
		keep := filepath.Join(b.home, "workspace", "keep.txt")
		writeFile(t, keep, "mine", 0o644)
		b.wantCode(b.run(""), 5, "workspace exists but is not a git repository", "never deletes it")
		if got := readFile(t, keep); got != "mine" {
			t.Errorf("workspace file changed: %q", got)
		}
	})
}

func TestNoFlake(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	b.env["GITHUB_TOKEN"] = "tok"
	b.repo("acme/app", map[string]string{"README.md": "no flake here\n"})
	b.wantCode(b.run(""), 6, "devbox: error: No Nix configuration found", "flakectl init",
		"nix flake init -t github:system1/devbox?dir=base-flake", "git add flake.nix")
}

func TestDevShell(t *testing.T) {
	t.Run("command", func(t *testing.T) {
		t.Parallel()
		b := readyBox(t)
		if _, err := os.Stat(b.env["DEVBOX_READY_FILE"]); err == nil {
			t.Fatal("ready before starting")
		}
		b.wantInShell(b.run("", printEnv...))
		if _, err := os.Stat(b.env["DEVBOX_READY_FILE"]); err != nil {
			t.Errorf("not marked ready: %v", err)
		}
		if !b.ran("nix", "develop", "-c", "bash", "-c") {
			t.Errorf("did not run the command with nix develop -c:\n%s", b.argv())
		}
	})
	t.Run("interactive", func(t *testing.T) {
		t.Parallel()
		b := readyBox(t)
		// With no arguments the user gets the dev shell itself, on a terminal.
		b.tty = true
		b.wantInShell(b.run(printEnv[2] + "\nexit 0\n"))
		if !b.ran("nix", "develop") || b.ran("nix", "develop", "-c") {
			t.Errorf("did not exec plain nix develop:\n%s", b.argv())
		}
	})
	t.Run("exit status", func(t *testing.T) {
		t.Parallel()
		b := readyBox(t)
		b.wantCode(b.run("", "bash", "-c", "exit 7"), 7)
	})
}

// readyBox is a box with Nix, a token, and acme/app holding a flake whose
// dev shell builds offline: everything a start needs.
func readyBox(t *testing.T) *box {
	t.Helper()
	b := newBox(t)
	b.needNix()
	b.env["GITHUB_TOKEN"] = "tok"
	b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
	return b
}

func ptr[T any](v T) *T { return &v }

func mustMkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path, body string, mode os.FileMode) {
	t.Helper()
	mustMkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
	}
}

// DEVBOX_ATTACH=1 is how `devbox attach` enters a set-up container: the token
// from the secret file for gh, the dev shell in the workspace, and no setup
// step run again.
func TestAttach(t *testing.T) {
	t.Parallel()
	b := newBox(t)
	b.needNix()
	writeFile(t, b.tokenFile, "github_pat_attach\n", 0o600)
	b.repo("acme/app", map[string]string{"flake.nix": offlineFlake})
	b.env["DEVBOX_ATTACH"] = "1"
	b.wantCode(b.run("", "true"), 5, "devbox: error: "+filepath.Join(b.home, "workspace")+" does not exist yet")

	delete(b.env, "DEVBOX_ATTACH")
	b.wantInShell(b.run("", printEnv...))
	if err := os.Remove(b.env["STUB_LOG"]); err != nil {
		t.Fatal(err)
	}
	b.env["DEVBOX_ATTACH"] = "1"
	r := b.run("", "bash", "-c", printEnv[2]+`; echo "token=$GITHUB_TOKEN attach=${DEVBOX_ATTACH:-unset}"`)
	b.wantInShell(r)
	if !strings.Contains(r.stdout, "token=github_pat_attach attach=unset") {
		t.Errorf("the attached shell lacks the token or keeps DEVBOX_ATTACH:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "devbox:") || strings.Contains(b.argv(), "github_pat_attach") || b.ran("gh") || b.ran("nix", "profile") {
		t.Errorf("attach ran setup steps or put the token in argv:\nstderr:\n%s\nargv:\n%s", r.stderr, b.argv())
	}

	b.env["DEVBOX_TOKEN_FILE"] = filepath.Join(b.dir, "absent")
	b.wantCode(b.run("", "true"), 2, "No GitHub token provided")
}
