package claudebox_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
	"golang.org/x/sys/unix"
)

// project makes a HOME and a project outside it.
func project(t *testing.T) (home, dir string) {
	t.Helper()
	home = filepath.Join(t.TempDir(), "home")
	dir = filepath.Join(t.TempDir(), "app")
	for _, d := range []string{home, dir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return home, dir
}

func TestProjectWritableAndPersistent(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	env := baseEnv(home, claudeDir(t))
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// Started in a subdirectory with --project: the whole project is
	// mounted, and the command starts where the user is.
	out := mustRun(t, env, sub, "--project", dir, "--", "sh", "-c", "pwd; echo made inside > ../made.txt; echo scratch > /tmp/scratch; echo junk > ~/junk")
	if strings.TrimSpace(out) != sub {
		t.Errorf("working directory %q, want %q", strings.TrimSpace(out), sub)
	}
	data, err := os.ReadFile(filepath.Join(dir, "made.txt"))
	if err != nil || string(data) != "made inside\n" {
		t.Fatalf("file written in the sandbox: %q, %v", data, err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dir, "made.txt"), &st); err != nil || int(st.Uid) != os.Getuid() {
		t.Errorf("made.txt is owned by uid %d, want the user's %d", st.Uid, os.Getuid())
	}
	// /tmp and the home outside the config are fresh each run.
	out = mustRun(t, env, dir, "--", "sh", "-c", "cat made.txt; ls -A ~; test -e /tmp/scratch || echo fresh /tmp")
	if out != "made inside\n.claude\nfresh /tmp\n" {
		t.Errorf("second run sees:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(home, "junk")); err == nil {
		t.Error("a file written to the sandbox's home reached the host's home")
	}
}

// configDir is where claudebox keeps a project's Claude config by default:
// one directory a project, named by its path with % and / escaped.
func configDir(home, project string) string {
	key := strings.ReplaceAll(strings.ReplaceAll(project, "%", "%25"), "/", "%2F")
	return filepath.Join(home, ".local", "share", "claudebox", "projects", key)
}

// TestConfigOwnPerProject: Claude's config inside is claudebox's own, one
// directory a project: nothing of the host's ~/.claude or ~/.claude.json
// goes in, what the sandbox writes there (hooks, which Claude on the host
// would run) stays out of them and out of other projects, and Claude's
// rename of .claude.json works and persists.
func TestConfigOwnPerProject(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	env := baseEnv(home, claudeDir(t))
	hostSettings := `{"hooks":{"SessionStart":[]},"marker":"` + marker + `"}`
	writeFile(t, filepath.Join(home, ".claude", "settings.json"), hostSettings)
	writeFile(t, filepath.Join(home, ".claude.json"), `{"mcpServers":{"gh":{"env":{"GITHUB_TOKEN":"`+marker+`"}}}}`)
	plant := `{"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"touch /tmp/pwned"}]}]}}`
	out := mustRun(t, env, dir, "--", "sh", "-c", `echo "$CLAUDE_CONFIG_DIR"; ls -A "$CLAUDE_CONFIG_DIR"; test -e ~/.claude.json || echo no .claude.json;`+
		`echo '`+plant+`' > ~/.claude/settings.json;`+
		`printf '{"numStartups":1}' > ~/.claude/.claude.json.tmp && mv ~/.claude/.claude.json.tmp ~/.claude/.claude.json && echo renamed`)
	if want := home + "/.claude\nno .claude.json\nrenamed\n"; out != want {
		t.Fatalf("first run:\n%s\nwant\n%s", out, want)
	}
	own := configDir(home, dir)
	if b, err := os.ReadFile(filepath.Join(own, "settings.json")); err != nil || !strings.Contains(string(b), "pwned") {
		t.Errorf("the sandbox's settings.json is not in claudebox's config for the project %s: %v %q", own, err, b)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".claude", "settings.json")); string(b) != hostSettings {
		t.Errorf("the host's ~/.claude/settings.json changed: %q", b)
	}
	if st, err := os.Stat(own); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("config directory %s: %v %v, want mode 0700", own, err, st)
	}
	// The next run of the project finds the renamed file.
	if out := mustRun(t, env, dir, "--", "sh", "-c", `cat ~/.claude/.claude.json`); out != `{"numStartups":1}` {
		t.Errorf("second run reads %q, want the renamed file", out)
	}
	// Another project starts with a config of its own.
	other := filepath.Join(filepath.Dir(dir), "other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, env, other, "--", "sh", "-c", `ls -A ~/.claude`); out != "" {
		t.Errorf("another project's config holds %q, want nothing", out)
	}

	t.Run("shared with CLAUDEBOX_CONFIG_DIR", func(t *testing.T) {
		shared := filepath.Join(t.TempDir(), "cfg")
		env := append(env, "CLAUDEBOX_CONFIG_DIR="+shared)
		mustRun(t, env, dir, "--", "touch", home+"/.claude/from-app")
		if out := mustRun(t, env, other, "--", "ls", home+"/.claude"); out != "from-app\n" {
			t.Errorf("the shared config seen from another project: %q", out)
		}
		if st, err := os.Stat(shared); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a new directory of mode 0700", shared, err, st)
		}
	})
	t.Run("XDG_DATA_HOME", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "data")
		mustRun(t, append(env, "XDG_DATA_HOME="+data), dir, "--", "touch", home+"/.claude/x")
		key := filepath.Base(configDir(home, dir))
		if _, err := os.Stat(filepath.Join(data, "claudebox", "projects", key, "x")); err != nil {
			t.Error(err)
		}
		// A relative one is ignored (the XDG spec): the default.
		mustRun(t, append(env, "XDG_DATA_HOME=data"), dir, "--", "touch", home+"/.claude/y")
		if _, err := os.Stat(filepath.Join(own, "y")); err != nil {
			t.Error(err)
		}
	})
	t.Run("a link in place of the config directory", func(t *testing.T) {
		// Nothing but claudebox writes there; a link found there is not
		// followed (it would mount what it points to).
		victim := t.TempDir()
		proj := filepath.Join(filepath.Dir(dir), "linked")
		if err := errors.Join(os.Mkdir(proj, 0o700), os.Symlink(victim, configDir(home, proj))); err != nil {
			t.Fatal(err)
		}
		r := claudebox(t, env, proj, "--", "touch", home+"/.claude/x")
		if r.Code != 1 || !regexp.MustCompile(`^claudebox: .*%2Flinked, the project's Claude config, is not a plain directory; remove it and run claudebox again\n$`).MatchString(r.Stderr) {
			t.Errorf("exit %d, %q", r.Code, r.Stderr)
		}
		if _, err := os.Stat(filepath.Join(victim, "x")); err == nil {
			t.Error("the sandbox wrote through the link")
		}
	})
	t.Run("a long project path", func(t *testing.T) {
		// Past a file name's 255 bytes, the directory is named by the
		// SHA-256 of the path; sha256sum is the host's, never one of the
		// project's on PATH (direnv's PATH_add bin).
		proj := filepath.Join(dir, strings.Repeat("d", 100), strings.Repeat("é", 60))
		bin := filepath.Join(proj, "bin")
		ran := filepath.Join(t.TempDir(), "ran")
		writeFile(t, filepath.Join(bin, "sha256sum"), "#!/bin/sh\necho ran >"+ran+"\necho 0000 -\n")
		if err := os.Chmod(filepath.Join(bin, "sha256sum"), 0o755); err != nil {
			t.Fatal(err)
		}
		mustRun(t, append(env, "PATH="+bin+":"+hostPath(claudeDir(t))), proj, "--", "touch", home+"/.claude/long")
		sum := sha256.Sum256([]byte(proj + "\n"))
		if _, err := os.Stat(filepath.Join(filepath.Dir(own), "sha256-"+hex.EncodeToString(sum[:]), "long")); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(ran); err == nil {
			t.Error("the project's sha256sum ran on the host")
		}
	})
}

// TestDiesWithParent kills the process that started claudebox and expects
// the sandboxed command to go with it.
func TestDiesWithParent(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	nap := "3600." + strconv.Itoa(os.Getpid()) // a sleep no one else runs
	parent := exec.Command("sh", "-c", `bash "$0" -- sleep "$1"; echo unreachable`, script, nap)
	parent.Env = baseEnv(home, claudeDir(t))
	parent.Dir = dir
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	waitForProcess(t, "sleep\x00"+nap)
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for findProcess("sleep\x00"+nap) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sandboxed command outlived the process that started claudebox")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForProcess waits for a process whose command line starts with
// cmdline (NUL-separated), as a sandboxed command that has started.
func waitForProcess(t *testing.T, cmdline string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for findProcess(cmdline) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%q never started", strings.ReplaceAll(cmdline, "\x00", " "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findProcess returns the pid of a live process whose command line starts
// with cmdline (NUL-separated), or 0.
func findProcess(cmdline string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if strings.HasPrefix(string(data), cmdline) && !bytes.Contains(stat, []byte(") Z ")) {
			return pid
		}
	}
	return 0
}

// TestTerminalInjectionBlocked runs the stand-in's TIOCSTI/TIOCLINUX probe
// outside (where injection works, or fails for another reason than EPERM)
// and inside (where the seccomp filter answers EPERM).
func TestTerminalInjectionBlocked(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	bin := claudeDir(t)
	outside, err := exec.Command(filepath.Join(bin, "claude"), "tty").Output()
	if err != nil {
		t.Fatal(err)
	}
	inside := mustRun(t, baseEnv(home, bin), dir, "tty")
	var out, in map[string]string
	if err := json.Unmarshal(outside, &out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(inside), &in); err != nil {
		t.Fatal(err)
	}
	const eperm = "operation not permitted"
	for _, k := range []string{"tiocsti", "tiocsti_high_bits", "tioclinux"} {
		if out[k] == eperm {
			t.Errorf("%s outside the sandbox already gives EPERM, so this test proves nothing: %v", k, out)
		}
		if in[k] != eperm {
			t.Errorf("%s in the sandbox: %q, want %q", k, in[k], eperm)
		}
	}
	if in["tiocgwinsz"] != "ok" {
		t.Errorf("other terminal ioctls must keep working (window size): %v", in)
	}
}

func TestAllowEnv(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	env := append(baseEnv(home, claudeDir(t)), "AWS_PROFILE=dev", "ANTHROPIC_API_KEY=sk-test", "LC_TIME=C", "TZ=UTC")
	out := mustRun(t, env, dir, "--", "env")
	if strings.Contains(out, "AWS_PROFILE") {
		t.Error("AWS_PROFILE passed without --allow-env")
	}
	for _, want := range []string{"ANTHROPIC_API_KEY=sk-test\n", "LC_TIME=C\n", "TZ=UTC\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	out = mustRun(t, env, dir, "--allow-env", "AWS_PROFILE", "--", "env")
	if !strings.Contains(out, "AWS_PROFILE=dev\n") {
		t.Errorf("--allow-env AWS_PROFILE did not pass it:\n%s", out)
	}
}

// TestErrors: claudebox's own failures are one line that says what to do.
func TestErrors(t *testing.T) {
	home, dir := project(t)
	bin := t.TempDir() // PATH without bwrap
	linkedHome := filepath.Join(t.TempDir(), "linked-home")
	if err := os.Symlink(home, linkedHome); err != nil {
		t.Fatal(err)
	}
	links := t.TempDir()
	linkToHome, linkToRoot := filepath.Join(links, "home"), filepath.Join(links, "root")
	if err := errors.Join(os.Symlink(home, linkToHome), os.Symlink("/", linkToRoot), os.Mkdir(filepath.Join(home, ".claude"), 0o700)); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(t.TempDir(), "file") // a file, where a directory is wanted
	writeFile(t, notDir, "")
	tests := []struct {
		name string
		env  []string
		dir  string
		args []string
		code int
		want string // regexp for the one line on stderr
	}{
		{"unknown option", nil, dir, []string{"--resume"}, 2, `^claudebox: unknown option --resume; options for Claude go after --, e\.g\. claudebox -- claude --resume$`},
		{"missing value", nil, dir, []string{"--project"}, 2, `^claudebox: --project needs a value; see claudebox --help$`},
		{"no command", nil, dir, []string{"--"}, 2, `^claudebox: -- needs a command after it, e\.g\. claudebox -- bash$`},
		{"bad allow-env", nil, dir, []string{"--allow-env", "A=B", "--", "true"}, 2, `^claudebox: --allow-env takes a variable name, not A=B$`},
		{"allow-env PATH", nil, dir, []string{"--allow-env", "PATH", "--", "true"}, 2, `^claudebox: --allow-env PATH: claudebox sets PATH itself$`},
		{"missing project", nil, dir, []string{"--project", filepath.Join(dir, "nope"), "--", "true"}, 1, `^claudebox: project directory .*/nope does not exist; create it or pass an existing --project DIR$`},
		{"home as project", nil, home, []string{"--", "true"}, 1, `^claudebox: refusing to mount .*/home read-write: it contains your home directory and its secrets; cd into a project or pass --project DIR$`},
		{"parent of home", nil, dir, []string{"--project", filepath.Dir(home), "--", "true"}, 1, `refusing to mount`},
		{"home by its physical path", append(baseEnv(home, ""), "HOME="+linkedHome), dir, []string{"--project", home, "--", "true"}, 1, `^claudebox: refusing to mount .*/home read-write: it contains your home directory`},
		{"/tmp as project", nil, "/tmp", []string{"--", "true"}, 1, `^claudebox: refusing to mount /tmp read-write: it is a shared system directory; cd into a project or pass --project DIR$`},
		{"/run as project", nil, dir, []string{"--project", "/run", "--", "true"}, 1, `^claudebox: refusing to mount /run read-write: it is a shared system directory`},
		{"bwrap missing", []string{"HOME=" + home, "PATH=" + bin}, dir, []string{"--", "true"}, 1, `^claudebox: bwrap \(bubblewrap\) is not installed; install it \(Debian: apt-get install bubblewrap\) or use the claudebox Nix package$`},
		{"claude missing", []string{"HOME=" + home, "PATH=/usr/bin:/bin"}, dir, nil, 1, `^claudebox: claude is not on PATH; install Claude Code, or run another command with claudebox -- COMMAND$`},
		{"no HOME", []string{"PATH=/usr/bin:/bin"}, dir, []string{"--", "true"}, 1, `^claudebox: HOME is not set; set it to your home directory$`},
		{"config not creatable", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+filepath.Join(notDir, "cfg")), dir, []string{"--", "true"}, 1,
			`^claudebox: cannot create .*/file/cfg for Claude's config; create it, or set CLAUDEBOX_CONFIG_DIR to a directory of yours$`},
		{"data home not creatable", append(baseEnv(home, ""), "XDG_DATA_HOME="+notDir), dir, []string{"--", "true"}, 1,
			`^claudebox: cannot create .*/file/claudebox for Claude's config; create it, or set XDG_DATA_HOME to a directory of yours$`},
		{"config empty", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="), dir, []string{"--", "true"}, 1,
			`^claudebox: CLAUDEBOX_CONFIG_DIR is empty; set it to a directory of its own, or unset it for one config directory a project$`},
		{"CLAUDEBOX_NIX_DAEMON odd", append(baseEnv(home, ""), "CLAUDEBOX_NIX_DAEMON=maybe"), dir, []string{"--", "true"}, 2,
			`^claudebox: CLAUDEBOX_NIX_DAEMON must be yes, no or auto, not maybe$`},
		{"config relative", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR=cfg"), dir, []string{"--", "true"}, 1,
			`^claudebox: CLAUDEBOX_CONFIG_DIR must be an absolute path, not cfg$`},
		// The host's Claude runs the hooks and MCP servers of its own config:
		// no sandbox may write it, as claudebox's config or as the project.
		{"config is the host's ~/.claude", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+home+"/.claude"), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep claudebox's Claude config in .*/home/\.claude: it overlaps .*/home/\.claude, the config of Claude on the host, which runs the hooks and MCP servers written there outside any sandbox; set CLAUDEBOX_CONFIG_DIR to another directory$`},
		{"config inside the host's ~/.claude", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+home+"/.claude/box"), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep claudebox's Claude config in .*/home/\.claude/box: it overlaps .*/home/\.claude, the config of Claude on the host`},
		{"config holds the host's CLAUDE_CONFIG_DIR", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+filepath.Join(dir+"-cfg"), "CLAUDE_CONFIG_DIR="+filepath.Join(dir+"-cfg", "claude")), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep claudebox's Claude config in .*/app-cfg: it overlaps .*/app-cfg/claude, the config of Claude on the host`},
		{"project is the host's ~/.claude", nil, dir, []string{"--project", home + "/.claude", "--", "true"}, 1,
			`^claudebox: refusing to mount .*/home/\.claude read-write: it overlaps .*/home/\.claude, the config of Claude on the host, which runs the hooks and MCP servers written there outside any sandbox; cd into a project or pass --project DIR$`},
		{"project holds the host's CLAUDE_CONFIG_DIR", append(baseEnv(home, ""), "CLAUDE_CONFIG_DIR="+filepath.Join(dir, "dotfiles", "claude")), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to mount .*/app read-write: it overlaps .*/app/dotfiles/claude, the config of Claude on the host`},
		{"config inside the project", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+filepath.Join(dir, ".cfg")), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*/app/\.cfg: it overlaps the project .*/app, whose files the sandbox writes \(and git may commit\); set CLAUDEBOX_CONFIG_DIR to a directory outside it$`},
		{"data home inside the project", append(baseEnv(home, ""), "XDG_DATA_HOME="+filepath.Join(dir, "share")), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*/app/share/claudebox: it overlaps the project .*/app, .*; set XDG_DATA_HOME to a directory outside it$`},
		{"newline in a path", nil, dir, []string{"--project", filepath.Join(dir, "no\nsuch"), "--", "true"}, 1,
			`^claudebox: project directory .*/no\\nsuch does not exist; create it or pass an existing --project DIR$`},
		{"idle not a number", append(baseEnv(home, ""), "CLAUDEBOX_NET_IDLE=5m"), dir, []string{"--", "true"}, 2,
			`^claudebox: CLAUDEBOX_NET_IDLE must be a number of seconds from 0 to 9999999, not 5m$`},
		{"command not found", nil, dir, []string{"--", "no-such-command"}, 1,
			`^claudebox: no-such-command is not on the sandbox's PATH \(.*/usr/bin: claudebox's runtime tools\); run it by its path \(such as \./no-such-command\)`},
		// beside-claude lies beside the stand-in claude on the host, but
		// only claude is mounted from there.
		{"command beside a tool", nil, dir, []string{"--", "beside-claude"}, 1, `^claudebox: beside-claude is not on the sandbox's PATH`},
		{"empty project", nil, dir, []string{"--project", "", "--", "true"}, 2, `^claudebox: --project needs a value; see claudebox --help$`},
		{"empty project=", nil, dir, []string{"--project=", "--", "true"}, 2, `^claudebox: --project needs a value; see claudebox --help$`},
		{"empty command", nil, dir, []string{"--", ""}, 2, `^claudebox: the command after -- is empty; see claudebox --help$`},
		{"missing absolute command", nil, dir, []string{"--", "/no/such/cmd"}, 1, `^claudebox: /no/such/cmd does not exist; check the command's path$`},
		{"missing relative command", nil, dir, []string{"--", "./nope"}, 1, `^claudebox: \./nope does not exist in .*/app, where the command starts; check its path$`},
		{"config with .. that does not exist", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+filepath.Join(dir+"-x")+"/no/.."), dir, []string{"--", "true"}, 1,
			`^claudebox: CLAUDEBOX_CONFIG_DIR \(.*/no/\.\.\) has \. or \.\. in it and does not exist; create it, or give its plain path$`},
		// A leading // is / to the kernel, not to a string comparison.
		{"project //", nil, dir, []string{"--project", "//", "--", "true"}, 1, `^claudebox: refusing to mount / read-write: it contains your home directory`},
		{"project //tmp", nil, dir, []string{"--project", "//tmp", "--", "true"}, 1, `^claudebox: refusing to mount /tmp read-write: it is a shared system directory`},
		{"project //home by its parent", nil, dir, []string{"--project", "/" + filepath.Dir(home), "--", "true"}, 1, `^claudebox: refusing to mount .* read-write: it contains your home directory`},
		// Claude's config directory by its physical path.
		{"config links to home", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+linkToHome), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*: it contains your home directory or is a shared system directory; set CLAUDEBOX_CONFIG_DIR to a directory of its own$`},
		{"config with ..", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+home+"/.claude/.."), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*: it contains your home directory or is a shared system directory; set CLAUDEBOX_CONFIG_DIR to a directory of its own$`},
		{"config with //", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+home+"//"), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*: it contains your home directory or is a shared system directory; set CLAUDEBOX_CONFIG_DIR to a directory of its own$`},
		{"config links to /", append(baseEnv(home, ""), "CLAUDEBOX_CONFIG_DIR="+linkToRoot), dir, []string{"--", "true"}, 1,
			`^claudebox: refusing to keep Claude's config in .*: it contains your home directory or is a shared system directory; set CLAUDEBOX_CONFIG_DIR to a directory of its own$`},
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = baseEnv(home, claudeDir(t))
			}
			if tt.name == "claude missing" {
				oracle.Require(t, "bwrap") // else the message is about bwrap
			}
			r := claudebox(t, env, tt.dir, tt.args...)
			if r.Code != tt.code || strings.Count(r.Stderr, "\n") != 1 || !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(r.Stderr, "\n")) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line matching %s", r.Code, r.Stderr, tt.code, tt.want)
			}
		})
	}
	t.Run("home by the password database", func(t *testing.T) {
		// HOME says another directory (sudo keeping HOME): the user's home
		// by /etc/passwd is still refused.
		u, err := user.Current()
		if err != nil || u.HomeDir == "" || u.HomeDir == "/" {
			t.Skip("no home directory in the password database")
		}
		if _, err := os.Stat(u.HomeDir); err != nil {
			t.Skip(err)
		}
		r := claudebox(t, baseEnv(home, claudeDir(t)), dir, "--project", u.HomeDir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "it contains your home directory") {
			t.Errorf("--project %s with HOME=%s: exit %d, %q", u.HomeDir, home, r.Code, r.Stderr)
		}
	})
	t.Run("host tools from the project", func(t *testing.T) {
		// A project's bin/ first on PATH (direnv's PATH_add), or an empty
		// PATH entry (the current directory): what the sandbox planted there
		// must never run on the host. Every tool claudebox runs on the host
		// is planted, recording that it ran; stdin is a socketpair, which
		// makes claudebox look at it with readlink.
		planted := filepath.Join(t.TempDir(), "ran")
		bin := filepath.Join(dir, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"bwrap", "nsenter", "unshare", "ip", "cat", "flock", "slirp4netns", "readlink", "mktemp", "cp", "mv", "rm", "mkdir", "sha256sum", "jq"} {
			writeFile(t, filepath.Join(bin, tool), "#!/bin/sh\necho "+tool+" >>"+planted+"\nexit 1\n")
			os.Chmod(filepath.Join(bin, tool), 0o755)
			// and in the project itself, for the empty entry
			writeFile(t, filepath.Join(dir, tool), "#!/bin/sh\necho "+tool+" >>"+planted+"\nexit 1\n")
			os.Chmod(filepath.Join(dir, tool), 0o755)
		}
		pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		sock := os.NewFile(uintptr(pair[0]), "stdin")
		defer sock.Close()
		syscall.Close(pair[1])
		for _, path := range []string{bin + ":" + hostPath(claudeDir(t)), ":" + hostPath(claudeDir(t)), hostPath(claudeDir(t)) + ":"} {
			os.RemoveAll(filepath.Join(home, ".local")) // so that mkdir makes the config directory
			cmd := exec.Command("bash", script, "--", "true")
			cmd.Env, cmd.Dir, cmd.Stdin = append(baseEnv(home, claudeDir(t)), "PATH="+path), dir, sock
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("PATH=%s: %v %s", path, err, out)
			}
			if ran, err := os.ReadFile(planted); err == nil {
				t.Errorf("PATH=%s: planted tools ran on the host: %s", path, ran)
				os.Remove(planted)
			}
		}
	})
	t.Run("closed stderr", func(t *testing.T) {
		// bash opens the script on the first free descriptor; the sandbox
		// gets /dev/null there, not the script.
		cmd := exec.Command("sh", "-c", `bash "$0" -- sh -c 'readlink /proc/$$/fd/2' 2>&-`, script)
		cmd.Env, cmd.Dir = baseEnv(home, claudeDir(t)), dir
		out, err := cmd.Output()
		if err != nil || string(out) != "/dev/null\n" {
			t.Errorf("fd 2 inside with stderr closed: %v %q", err, out)
		}
	})
	t.Run("cwd //tmp", func(t *testing.T) {
		// The shell's PWD keeps the //, and claudebox's cd with it.
		cmd := exec.Command("sh", "-c", `cd //tmp && bash "$0" -- true`, script)
		cmd.Env = baseEnv(home, claudeDir(t))
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.HasPrefix(string(out), "claudebox: refusing to mount /tmp read-write: it is a shared system directory") {
			t.Errorf("%v: %s", err, out)
		}
	})
	t.Run("stdin a directory", func(t *testing.T) {
		cmd := exec.Command("bash", script, "--", "true")
		cmd.Env, cmd.Dir = baseEnv(home, claudeDir(t)), dir
		d, err := os.Open(home)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		cmd.Stdin = d
		out, err := cmd.CombinedOutput()
		if err == nil || string(out) != "claudebox: descriptor 0 (standard input, output or error) is a directory, which would lead out of the sandbox; redirect it from or to a file\n" {
			t.Errorf("%v: %q", err, out)
		}
	})
	t.Run("missing cwd", func(t *testing.T) {
		gone := filepath.Join(t.TempDir(), "gone")
		os.Mkdir(gone, 0o755)
		cmd := exec.Command("sh", "-c", `cd "$1" && rmdir "$1" && bash "$0" -- true`, script, gone)
		cmd.Env = baseEnv(home, claudeDir(t))
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "claudebox: the current directory no longer exists, or you cannot reach it by its path; cd into your project") {
			t.Errorf("%v: %s", err, out)
		}
	})
	t.Run("help", func(t *testing.T) {
		r := claudebox(t, baseEnv(home, claudeDir(t)), dir, "--help")
		if r.Code != 0 || !strings.Contains(r.Stdout, "Examples:") || !strings.Contains(r.Stdout, "claudebox -- claude --resume") {
			t.Errorf("--help: exit %d\n%s", r.Code, r.Stdout)
		}
	})
}

type audit struct {
	Command   []string
	Project   string
	Chdir     string
	Config    string `json:"claude_config"`
	NixDaemon struct {
		Mounted bool
		Why     string `json:"left_out_because"`
	} `json:"nix_daemon"`
	Env     map[string]string
	Mounts  []struct{ Type, Source, Target string }
	Seccomp struct {
		Arch string
		BPF  string
	}
	Network struct {
		Mode         string
		HostLoopback bool `json:"host_loopback"`
		Blackholed   []string
		Slirp4netns  []string
		Keeper       struct {
			State       string
			IdleSeconds int  `json:"idle_seconds"`
			HolderPID   *int `json:"holder_pid"`
		}
	}
	Exec  []string
	Bwrap []string
}

func runAudit(t *testing.T, env []string, dir string, hosttype string, args ...string) audit {
	t.Helper()
	oracle.Require(t, "jq")
	// HOSTTYPE is bash's own variable; set it after start-up to get
	// another architecture's filter.
	cmd := exec.Command("bash", append([]string{"-c", `HOSTTYPE=$1; shift; source "$0" "$@"`, script, hosttype, "--audit"}, args...)...)
	cmd.Env, cmd.Dir = env, dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--audit: %v %s", err, stderr.String())
	}
	var a audit
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("--audit output: %v\n%s", err, out)
	}
	return a
}

func TestAudit(t *testing.T) {
	home := userHome(t, os.Getuid())
	dir := filepath.Join(home, "src", "app")
	os.MkdirAll(dir, 0o700)
	env := append(baseEnv(home, claudeDir(t)), "GITHUB_TOKEN="+marker, "SSH_AUTH_SOCK=/tmp/agent")
	a := runAudit(t, env, dir, "x86_64", "--", "ls", "-la")
	if strings.Join(a.Command, " ") != "ls -la" || a.Project != dir || a.Chdir != dir {
		t.Errorf("command %v project %s chdir %s", a.Command, a.Project, a.Chdir)
	}
	if _, ok := a.Env["GITHUB_TOKEN"]; ok || a.Env["HOME"] != home {
		t.Errorf("env: %v", a.Env)
	}
	// Order: the home tmpfs before the config and project binds under it.
	pos := map[string]int{}
	for i, m := range a.Mounts {
		pos[m.Type+" "+m.Target] = i + 1
	}
	tmpfsHome, config, proj := pos["tmpfs "+home], pos["bind "+home+"/.claude"], pos["bind "+dir]
	if tmpfsHome == 0 || config == 0 || proj == 0 || !(tmpfsHome < config && tmpfsHome < proj) {
		t.Errorf("mount order: home tmpfs %d, config %d, project %d: %+v", tmpfsHome, config, proj, a.Mounts)
	}
	if config > 0 && (a.Config != configDir(home, dir) || a.Mounts[config-1].Source != a.Config) {
		t.Errorf("claude_config %q, mounted from %q; want %q", a.Config, a.Mounts[config-1].Source, configDir(home, dir))
	}
	for _, m := range a.Mounts {
		if strings.HasPrefix(m.Source, "/run") || strings.HasPrefix(m.Source, "/var") || m.Source == "/etc/ssl" ||
			m.Source == home || strings.HasPrefix(m.Source, "/etc/ssl/private") {
			t.Errorf("mounted: %+v", m)
		}
	}
	want := []string{"--unshare-all", "--share-net", "--die-with-parent", "--seccomp", "--cap-drop", "--unshare-user"}
	for _, w := range want {
		if !contains(a.Bwrap, w) {
			t.Errorf("bwrap arguments lack %s: %v", w, a.Bwrap)
		}
	}
	// The environment reaches bwrap as --setenv pairs on a descriptor
	// (--args 13), not on its command line; bwrap itself starts with none
	// (exec -c).
	if len(a.Bwrap) < 3 || a.Bwrap[1] != "--args" || a.Bwrap[2] != "13" || contains(a.Bwrap, "--setenv") {
		t.Errorf("bwrap arguments: %v, want --args 13 first and no --setenv", a.Bwrap)
	}
	// The network: the sandbox's own, through slirp4netns, without the host's
	// loopback, joined with nsenter (no network yet: its holder is to be
	// found when claudebox runs); --share-host-net says it shares the host's.
	if a.Network.Mode != "private" || a.Network.HostLoopback || !contains(a.Network.Blackholed, "169.254.0.0/16") || !contains(a.Network.Blackholed, "127.0.0.0/8") ||
		!contains(a.Network.Slirp4netns, "--disable-host-loopback") || a.Network.Keeper.HolderPID != nil ||
		len(a.Exec) < 4 || !strings.HasSuffix(a.Exec[0], "nsenter") || !contains(a.Exec, "--net=/proc/HOLDER/ns/net") ||
		!contains(a.Exec, "--preserve-credentials") || a.Exec[4] != a.Bwrap[0] {
		t.Errorf("network %+v, exec %v", a.Network, a.Exec)
	}
	shared := runAudit(t, env, dir, "x86_64", "--share-host-net", "--", "true")
	if shared.Network.Mode != "host" || !shared.Network.HostLoopback || !strings.HasSuffix(shared.Exec[0], "bwrap") ||
		contains(shared.Bwrap, "--unshare-user") != (os.Getuid() == 0) { // root's has one, for --disable-userns
		t.Errorf("--share-host-net: network %+v, exec %v", shared.Network, shared.Exec)
	}
}

// TestSeccompFilter runs the filter that --audit shows, for x86_64 and
// aarch64, on every ABI the kernel lets a process use.
func TestSeccompFilter(t *testing.T) {
	home, dir := project(t)
	env := baseEnv(home, claudeDir(t))
	const (
		x8664, i386, aarch64, arm = 0xc000003e, 0x40000003, 0xc00000b7, 0x40000028
		allow, eperm              = 0x7fff0000, 0x00050001
		tiocsti, tioclinux        = 0x5412, 0x541c
		tiocgwinsz                = 0x5413
	)
	type call struct {
		arch, nr uint32
		arg1     uint64
		want     uint32
	}
	tests := map[string][]call{
		"x86_64": {
			{x8664, 16, tiocsti, eperm}, {x8664, 16, tioclinux, eperm}, {x8664, 16, 1<<32 | tiocsti, eperm},
			{x8664, 16, tiocgwinsz, allow}, {x8664, 0, tiocsti, allow}, // read(fd, buf, 0x5412)
			{x8664, 0x40000000 | 514, tiocsti, eperm}, {x8664, 0x40000000 | 16, tiocsti, eperm}, // x32
			{i386, 54, tiocsti, eperm}, {i386, 54, tioclinux, eperm}, {i386, 54, tiocgwinsz, allow},
			{i386, 16, tiocsti, allow}, // lchown on i386
			// add_key, request_key, keyctl and their neighbours.
			{x8664, 248, 0, eperm}, {x8664, 249, 0, eperm}, {x8664, 250, 0, eperm},
			{x8664, 247, 0, allow}, {x8664, 251, 0, allow},
			{x8664, 0x40000000 | 250, 0, eperm}, {x8664, 0x40000000 | 251, 0, allow}, // x32
			{i386, 286, 0, eperm}, {i386, 287, 0, eperm}, {i386, 288, 0, eperm}, {i386, 285, 0, allow}, {i386, 289, 0, allow},
			{i386, 250, 0, allow}, // i386's 250 is fadvise64
			// io_uring_setup, io_uring_enter, io_uring_register.
			{x8664, 425, 0, eperm}, {x8664, 427, 0, eperm}, {x8664, 424, 0, allow}, {x8664, 428, 0, allow},
			{i386, 426, 0, eperm}, {i386, 428, 0, allow},
			// chmod, fchmod (mode in argument 1) and fchmodat, fchmodat2
			// (argument 2) with S_ISUID or S_ISGID.
			{x8664, 90, 0o4755, eperm}, {x8664, 90, 0o2755, eperm}, {x8664, 90, 0o755, allow}, {x8664, 91, 0o4755, eperm},
			{x8664, 0x40000000 | 91, 0o4755, eperm}, {i386, 15, 0o4755, eperm}, {i386, 94, 0o2700, eperm}, {i386, 15, 0o1777, allow},
		},
		"aarch64": {
			{aarch64, 29, tiocsti, eperm}, {aarch64, 29, tioclinux, eperm}, {aarch64, 29, tiocgwinsz, allow},
			{aarch64, 16, tiocsti, allow}, {arm, 54, tiocsti, eperm}, {arm, 54, tiocgwinsz, allow},
			{aarch64, 217, 0, eperm}, {aarch64, 218, 0, eperm}, {aarch64, 219, 0, eperm},
			{aarch64, 216, 0, allow}, {aarch64, 220, 0, allow},
			{arm, 309, 0, eperm}, {arm, 310, 0, eperm}, {arm, 311, 0, eperm}, {arm, 308, 0, allow}, {arm, 312, 0, allow},
			{aarch64, 52, 0o4755, eperm}, {aarch64, 52, 0o755, allow}, {arm, 15, 0o6755, eperm}, {arm, 94, 0o644, allow},
			{aarch64, 425, 0, eperm}, {aarch64, 428, 0, allow}, {arm, 427, 0, eperm}, {arm, 424, 0, allow},
		},
	}
	withMode := map[string][]call{ // arg1 here is argument 2, the mode
		"x86_64": {{x8664, 268, 0o4755, eperm}, {x8664, 268, 0o755, allow}, {x8664, 452, 0o2755, eperm},
			{i386, 306, 0o4755, eperm}, {i386, 452, 0o644, allow}},
		"aarch64": {{aarch64, 53, 0o4755, eperm}, {aarch64, 453, 0o4755, allow}, {aarch64, 452, 0o2000, eperm}, {arm, 333, 0o4700, eperm}},
	}
	// Files made with S_ISUID or S_ISGID by open, openat, creat (with
	// O_CREAT or O_TMPFILE: else the mode is not used), mknod and mknodat:
	// host root writing into one later keeps the bits. openat2 (its mode is
	// in a struct) gets ENOSYS. Arguments 1, 2 and 3.
	const (
		enosys                  = 0x00050026
		oCreat, oTmpfile, oRdwr = 0o100, 0o20200000, 0o2
		sIFREG                  = 0o100000
		x32                     = 0x40000000
	)
	type call3 struct {
		arch, nr   uint32
		a1, a2, a3 uint64
		want       uint32
	}
	files := map[string][]call3{
		"x86_64": {
			{x8664, 2, oCreat | oRdwr, 0o4755, 0, eperm}, {x8664, 2, oTmpfile, 0o2755, 0, eperm}, {x8664, 2, oCreat, 0o644, 0, allow},
			{x8664, 2, oRdwr, 0o4755, 0, allow}, // no O_CREAT: the mode is not used
			{x8664, 257, 0, oCreat, 0o6755, eperm}, {x8664, 257, 0, oCreat, 0o755, allow}, {x8664, 257, 0, oRdwr, 0o4755, allow},
			{x8664, 257, 0, oTmpfile, 0o4700, eperm},
			{x8664, 85, 0o4755, 0, 0, eperm}, {x8664, 85, 0o755, 0, 0, allow},
			{x8664, 133, sIFREG | 0o6755, 0, 0, eperm}, {x8664, 133, sIFREG | 0o644, 0, 0, allow},
			{x8664, 259, 0, sIFREG | 0o4755, 0, eperm}, {x8664, 259, 0, sIFREG | 0o755, 0, allow},
			{x8664, 437, 0, 0, 0, enosys},
			{x8664, x32 | 2, oCreat, 0o4755, 0, eperm}, {x8664, x32 | 257, 0, oCreat, 0o4755, eperm}, {x8664, x32 | 437, 0, 0, 0, enosys},
			{i386, 5, oCreat, 0o4755, 0, eperm}, {i386, 5, oCreat, 0o755, 0, allow}, {i386, 8, 0o2755, 0, 0, eperm},
			{i386, 14, sIFREG | 0o4755, 0, 0, eperm}, {i386, 295, 0, oCreat, 0o4755, eperm}, {i386, 295, 0, oRdwr, 0o4755, allow},
			{i386, 297, 0, sIFREG | 0o2755, 0, eperm}, {i386, 437, 0, 0, 0, enosys},
			{i386, 2, oCreat, 0o4755, 0, allow}, // i386's 2 is fork
		},
		"aarch64": {
			{aarch64, 56, 0, oCreat, 0o4755, eperm}, {aarch64, 56, 0, oCreat, 0o755, allow}, {aarch64, 56, 0, oTmpfile, 0o2700, eperm},
			{aarch64, 33, 0, sIFREG | 0o4755, 0, eperm}, {aarch64, 33, 0, sIFREG | 0o755, 0, allow}, {aarch64, 437, 0, 0, 0, enosys},
			{aarch64, 5, oCreat, 0o4755, 0, allow}, // aarch64's 5 is setxattr
			{arm, 5, oCreat, 0o4755, 0, eperm}, {arm, 8, 0o4755, 0, 0, eperm}, {arm, 14, sIFREG | 0o6755, 0, 0, eperm},
			{arm, 322, 0, oCreat, 0o4755, eperm}, {arm, 324, 0, sIFREG | 0o4755, 0, eperm}, {arm, 437, 0, 0, 0, enosys},
		},
	}
	for arch, calls := range tests {
		t.Run(arch, func(t *testing.T) {
			a := runAudit(t, env, dir, arch, "--", "true")
			prog, err := hex.DecodeString(a.Seccomp.BPF)
			if err != nil || len(prog)%8 != 0 {
				t.Fatalf("bpf %q: %v", a.Seccomp.BPF, err)
			}
			for _, c := range calls {
				if got := runBPF(t, prog, c.arch, c.nr, c.arg1, 0); got != c.want {
					t.Errorf("arch %#x nr %d arg %#x: %#x, want %#x", c.arch, c.nr, c.arg1, got, c.want)
				}
			}
			// fchmodat and fchmodat2: the mode is argument 2.
			for _, c := range withMode[arch] {
				if got := runBPF(t, prog, c.arch, c.nr, 0, c.arg1); got != c.want {
					t.Errorf("arch %#x nr %d mode %#o: %#x, want %#x", c.arch, c.nr, c.arg1, got, c.want)
				}
			}
			for _, c := range files[arch] {
				if got := runBPF(t, prog, c.arch, c.nr, c.a1, c.a2, c.a3); got != c.want {
					t.Errorf("arch %#x nr %d arguments %#o %#o %#o: %#x, want %#x", c.arch, c.nr, c.a1, c.a2, c.a3, got, c.want)
				}
			}
		})
	}
}

// runBPF interprets a classic BPF seccomp program (the instructions the
// filter uses: ld abs word, jeq k, ret k) on struct seccomp_data.
func runBPF(t *testing.T, prog []byte, arch, nr uint32, arg1, arg2 uint64, more ...uint64) uint32 {
	data := make([]byte, 64)
	binary.LittleEndian.PutUint32(data[0:], nr)
	binary.LittleEndian.PutUint32(data[4:], arch)
	binary.LittleEndian.PutUint64(data[24:], arg1)
	binary.LittleEndian.PutUint64(data[32:], arg2)
	for i, a := range more { // arguments 3, 4, ...
		binary.LittleEndian.PutUint64(data[40+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc*8 < len(prog); pc++ {
		in := prog[pc*8:]
		code, jt, jf, k := binary.LittleEndian.Uint16(in), in[2], in[3], binary.LittleEndian.Uint32(in[4:])
		switch code {
		case 0x20: // BPF_LD|BPF_W|BPF_ABS
			acc = binary.LittleEndian.Uint32(data[k:])
		case 0x15, 0x35, 0x25: // BPF_JMP|BPF_JEQ, BPF_JGE, BPF_JGT (|BPF_K): unsigned
			if (code == 0x15 && acc == k) || (code == 0x35 && acc >= k) || (code == 0x25 && acc > k) {
				pc += int(jt)
			} else {
				pc += int(jf)
			}
		case 0x45: // BPF_JMP|BPF_JSET|BPF_K
			if acc&k != 0 {
				pc += int(jt)
			} else {
				pc += int(jf)
			}
		case 0x54: // BPF_ALU|BPF_AND|BPF_K
			acc &= k
		case 0x06: // BPF_RET|BPF_K
			return k
		default:
			t.Fatalf("unexpected instruction %#x at %d", code, pc)
		}
	}
	t.Fatal("the program runs off its end")
	return 0
}

// TestShellcheck: the script as it is, and as writeShellApplication checks
// it (bash, with its own header).
func TestShellcheck(t *testing.T) {
	sc := oracle.Require(t, "shellcheck")
	bench, _ := filepath.Abs("../../scripts/bench-claudebox")
	for _, args := range [][]string{{script, bench}, {"--shell=bash", script}} {
		if out, err := exec.Command(sc, args...).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %v: %v\n%s", args, err, out)
		}
	}
	body, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := filepath.Join(t.TempDir(), "claudebox")
	header := "#!/nix/store/x-bash/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH=\"/nix/store/x/bin:$PATH\"\n\n"
	writeFile(t, wrapped, header+string(body))
	if out, err := exec.Command(sc, wrapped).CombinedOutput(); err != nil {
		t.Errorf("shellcheck of the writeShellApplication form: %v\n%s", err, out)
	}
}

// TestWriteShellApplicationPath runs the script the way the Nix package
// does: writeShellApplication's header puts each runtime input's bin
// directory before the caller's PATH. Inside, PATH is those directories and
// nothing of the caller's (here the tools are symlinks, as in a Nix profile;
// in the package they are in /nix/store, mounted read-only).
func TestWriteShellApplicationPath(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	store := t.TempDir()
	var bins []string
	// Every tool claudebox looks for that this machine has, as the
	// package has them all.
	for _, tool := range []string{"bwrap", "env", "bash", "git", "curl", "jq", "rg", "fd", "nix", ",", "nix-locate", "node", "claude"} {
		real, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		bin := filepath.Join(store, "pkg-"+tool, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
		bins = append(bins, bin)
	}
	body, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := filepath.Join(store, "claudebox")
	header := "#!/bin/bash\nset -o errexit\nset -o nounset\nset -o pipefail\n\nexport PATH=\"" + strings.Join(bins, ":") + ":$PATH\"\n\n"
	if err := os.WriteFile(wrapped, append([]byte(header), body...), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wrapped, "--", "bash", "-c", `echo "$PATH"; type -P git; git --version >/dev/null && echo git runs`)
	cmd.Env = []string{"HOME=" + home, "PATH=" + filepath.Dir(goBinary()) + ":/usr/bin:/bin"}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := strings.Join(bins, ":") + "\n" + filepath.Join(store, "pkg-git", "bin", "git") + "\ngit runs\n"
	if string(out) != want {
		t.Errorf("inside:\n%s\nwant:\n%s", out, want)
	}
}

// TestProcEnvironEmpty is the reason for `exec -c`: bwrap --clearenv
// leaves the caller's environment in /proc/1/environ of the sandbox, while
// claudebox starts bwrap with none, so there is nothing there, and the
// command gets the allowlist from bwrap's --setenv.
func TestProcEnvironEmpty(t *testing.T) {
	bwrap := oracle.Require(t, "bwrap")
	home, dir := project(t)
	secretEnv := append(baseEnv(home, claudeDir(t)), "GITHUB_TOKEN="+marker)
	clear := exec.Command(bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--unshare-pid", "--clearenv", "cat", "/proc/1/environ")
	clear.Env = secretEnv
	out, err := clear.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), marker) {
		t.Fatal("bwrap --clearenv no longer leaves the environment in /proc/1/environ: the control of this test is gone")
	}
	got := mustRun(t, secretEnv, dir, "--", "sh", "-c", "cat /proc/1/environ; echo; env")
	environ, env, _ := strings.Cut(got, "\n")
	if environ != "" || strings.Contains(got, marker) || !strings.Contains(env, "CLAUDEBOX=1\n") {
		t.Errorf("/proc/1/environ and env in claudebox: %q", got)
	}
}

// TestNoHostDescriptors: descriptors the caller leaves open do not reach
// the sandbox. A directory's would lead out of any mount namespace
// (/proc/self/fd/N/home/... is the host's), a file's to the file.
func TestNoHostDescriptors(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	secret, err := os.Open(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	defer secret.Close()
	probe := `for f in 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -e /proc/self/fd/$f ] && echo "open $f"; done; ` +
		`cat /proc/self/fd/4 /proc/self/fd/3` + secretFile + ` 2>/dev/null; true`
	run := func(args ...string) string {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env, cmd.Dir = baseEnv(home, claudeDir(t)), dir
		cmd.ExtraFiles = []*os.File{root, secret} // fds 3 and 4
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The control: a plain shell sees both, and reads the secret through each.
	if got := run("sh", "-c", probe); !strings.Contains(got, "open 3\nopen 4\n") || strings.Count(got, marker) != 2 {
		t.Fatalf("control: the probe does not see the descriptors it was given:\n%s", got)
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		args := append(append([]string{"bash", script}, mode...), "--", "sh", "-c", probe)
		if got := run(args...); got != "" {
			t.Errorf("claudebox %v: descriptors of the caller inside:\n%s", mode, got)
		}
	}
}

// TestProcSysReadOnlyForRoot: as root the sandbox's user is the host's uid
// 0, which the kernel lets write /proc/sys by file mode alone (a
// core_pattern of "|/path" runs a program as root on the host); inside,
// /proc/sys and the like are read-only. Nothing is written: -w asks.
func TestProcSysReadOnlyForRoot(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	if os.Getuid() != 0 {
		t.Skip("only root's sandbox runs as uid 0")
	}
	home, dir := project(t)
	const probe = `for f in /proc/sys/kernel/core_pattern /proc/sys/vm/swappiness /proc/sysrq-trigger; do [ -w $f ] && echo "writable $f"; done; true`
	out, err := exec.Command("sh", "-c", probe).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "writable /proc/sys/kernel/core_pattern") {
		t.Fatalf("control: outside, root can write /proc/sys: %v %q", err, out)
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		got := mustRun(t, baseEnv(home, claudeDir(t)), dir, append(mode, "--", "sh", "-c", probe)...)
		if got != "" {
			t.Errorf("claudebox %v as root:\n%s", mode, got)
		}
	}
}

// TestSSLCertFileRelative: a relative SSL_CERT_FILE names nothing inside
// (the sandbox starts elsewhere): the default bundle is used instead.
func TestSSLCertFileRelative(t *testing.T) {
	const bundle = "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(bundle); err != nil {
		t.Skip(err)
	}
	home, dir := project(t)
	out := mustRun(t, append(baseEnv(home, claudeDir(t)), "SSL_CERT_FILE=rel.pem"), dir, "--", "sh", "-c", `echo "$SSL_CERT_FILE"`)
	if out != bundle+"\n" {
		t.Errorf("SSL_CERT_FILE inside: %q, want %s", out, bundle)
	}
}

// TestGitIdentity: the identity in the sandbox is what git itself reads
// from the host's config (the oracle: git config --get on the same file),
// for values with quotes, escapes and comments, a key on its header's line,
// and a continued value that swallows a [user] header; nothing else of the
// config goes in.
func TestGitIdentity(t *testing.T) {
	oracle.Require(t, "bwrap")
	git := oracle.Require(t, "git")
	configs := map[string]string{
		"quoted, escaped, commented": "[user]\n\tname = \"Bob \\\"Q\\\" Smith\" ; work\n\temail = bob@example.com # c\n",
		"key on the header line":     "[core]\n\teditor = vim\n[user] name = Inline\n",
		"continued value":            "[url \"https://x/\"]\n\tinsteadOf = https://github.com/ \\\n[user]\n\temail = " + marker + "@x\n[user]\n\tname = Real\n",
		"subsection":                 "[user \"work\"]\n\tname = " + marker + "\n[user]\n\temail=plain@example.com\n",
		"tab and backslash":          "[user]\n\tname = \"a\\tb\\\\c\"\n",
		"byte order mark":            "\ufeff[user]\n\tname = Bob\n",
		"crlf continuation":          "[url \"x\"]\r\n\tinsteadOf = y \\\r\n[user]\r\n\tname = Evil\r\n",
		"bare key":                   "[user]\n\tname\n\temail = e@x\n",
		"quoted blanks":              "[user]\n\tname = \" Bob \"\n",
		"blanks inside":              "[user]\n\tname = Bob\t \tSmith  \n",
		// The second file: ~/.config/git/config, read before ~/.gitconfig.
		"both files\x00[user]\n\tname = FromXDG\n\temail = xdg@x\n": "[user]\n\tname = FromGitconfig\n",
		"section ends with its file\x00\tname = NoSection\n":        "[core]\n[user]\n",
	}
	for name, config := range configs {
		name, xdg, _ := strings.Cut(name, "\x00")
		t.Run(name, func(t *testing.T) {
			home, dir := project(t)
			file := filepath.Join(home, ".gitconfig")
			if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
				t.Fatal(err)
			}
			if xdg != "" {
				writeFile(t, filepath.Join(home, ".config", "git", "config"), xdg)
			}
			// What git uses for a commit: every config file but the
			// system's, outside any repository. An empty value is no
			// identity (git refuses it).
			var want string
			for _, key := range []string{"user.name", "user.email"} {
				cmd := exec.Command(git, "config", "--get", key)
				cmd.Env, cmd.Dir = []string{"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1"}, t.TempDir()
				out, err := cmd.Output()
				if err == nil && string(out) != "\n" {
					want += key + "=" + string(out)
				}
			}
			got := mustRun(t, baseEnv(home, claudeDir(t)), dir, "--share-host-net", "--", "sh", "-c",
				"git config --global --list 2>/dev/null; true")
			if got != want {
				t.Errorf("git config --global --list inside:\n%s\nwant (git's own reading of the host's config):\n%s", got, want)
			}
		})
	}
}

// TestKeyringsBlocked: the kernel keyring calls fail with EPERM inside (the
// caller's session keyring and the user's keyring hold Kerberos, fscrypt
// and CIFS keys), while outside the same calls do not.
func TestKeyringsBlocked(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	bin := claudeDir(t)
	out, err := exec.Command(filepath.Join(bin, "claude"), "keys").Output()
	if err != nil {
		t.Fatal(err)
	}
	var outside map[string]string
	if err := json.Unmarshal(out, &outside); err != nil || len(outside) != 3 {
		t.Fatalf("control: %v %s", err, out)
	}
	for call, got := range outside {
		if got == syscall.EPERM.Error() {
			t.Fatalf("control: %s is refused outside the sandbox too (%s)", call, got)
		}
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		var inside map[string]string
		raw := mustRun(t, baseEnv(home, bin), dir, append(mode, "--", "claude", "keys")...)
		if err := json.Unmarshal([]byte(raw), &inside); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, call := range []string{"add_key", "keyctl", "request_key"} {
			if inside[call] != syscall.EPERM.Error() {
				t.Errorf("claudebox %v: %s inside: %q, want %q (outside: %q)", mode, call, inside[call], syscall.EPERM.Error(), outside[call])
			}
		}
	}
}

// TestStdioSockets: a network socket of the host's as a standard
// descriptor (an inetd-style UDP socket) would send out of the sandbox's
// network, and is refused; a Unix socket (journald's, a socketpair) only
// reaches its peer, and is fine.
func TestStdioSockets(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	f, err := udp.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("bash", script, "--", "true")
	cmd.Env, cmd.Dir, cmd.Stdin = baseEnv(home, claudeDir(t)), dir, f
	out, err := cmd.CombinedOutput()
	if err == nil || string(out) != "claudebox: descriptor 0 (standard input, output or error) is a network socket of the host's, which would lead out of the sandbox's network; redirect it from or to a file or a pipe\n" {
		t.Errorf("UDP socket as stdin: %v %q", err, out)
	}
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(pair[0]), "mine"), os.NewFile(uintptr(pair[1]), "theirs")
	defer mine.Close()
	cmd = exec.Command("bash", script, "--", "echo", "through the socket")
	cmd.Env, cmd.Dir, cmd.Stdout = baseEnv(home, claudeDir(t)), dir, theirs
	if err := cmd.Run(); err != nil {
		t.Fatalf("a Unix socket as stdout: %v", err)
	}
	theirs.Close()
	got := make([]byte, 64)
	n, _ := mine.Read(got)
	if string(got[:n]) != "through the socket\n" {
		t.Errorf("through a Unix socket as stdout: %q", got[:n])
	}
}

// TestSecretsNotOnCommandLines: the variables claudebox passes in (Claude's
// own API key among them) are on no process's command line while the
// sandbox runs: every user of the host can read command lines (ps).
func TestSecretsNotOnCommandLines(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	key := marker + "-api-key-" + strconv.Itoa(os.Getpid())
	nap := "3600." + strconv.Itoa(os.Getpid()) + "7"
	// The command compares with the key in a file of the project: not
	// on its own command line either.
	writeFile(t, filepath.Join(dir, "key"), key)
	cmd := exec.Command("bash", script, "--", "sh", "-c", `[ "$ANTHROPIC_API_KEY" = "$(cat key)" ] && exec sleep "$0"`, nap)
	cmd.Env, cmd.Dir = append(baseEnv(home, claudeDir(t)), "ANTHROPIC_API_KEY="+key), dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitForProcess(t, "sleep\x00"+nap) // so the key reached the command
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		line, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.Contains(string(line), marker+"-api-key") {
			t.Errorf("process %s has the key on its command line: %q", e.Name(), strings.ReplaceAll(string(line), "\x00", " "))
		}
	}
}

// TestNoSetuidFiles: inside, chmod with S_ISUID or S_ISGID fails (the
// project is the host's, and a setuid copy of a shell made there would run
// as the user, or root, for anyone on the host); plain modes still work.
// Outside, the same commands succeed.
func TestNoSetuidFiles(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	const probe = `cp /bin/true f && chmod 755 f && echo plain; chmod 4755 f 2>/dev/null && echo setuid; chmod 2755 f 2>/dev/null && echo setgid; ` +
		`mkdir -p d && chmod g+s d 2>/dev/null && echo setgid-dir; rm -rf f d`
	outside := exec.Command("sh", "-c", probe)
	outside.Dir = t.TempDir()
	if out, err := outside.CombinedOutput(); err != nil || string(out) != "plain\nsetuid\nsetgid\nsetgid-dir\n" {
		t.Fatalf("control: outside, %v %q", err, out)
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		if got := mustRun(t, baseEnv(home, claudeDir(t)), dir, append(mode, "--", "sh", "-c", probe)...); got != "plain\n" {
			t.Errorf("claudebox %v: %q, want only the plain chmod to work", mode, got)
		}
	}

	// Files made with the bits (open, openat, creat, mknod, mknodat,
	// O_TMPFILE): empty, but host root writing into one later keeps the
	// bits (a review made a setuid-root id that way). openat2, whose mode
	// the filter cannot see, is not there (ENOSYS). Outside, all work.
	standIn := filepath.Join(claudeDir(t), "claude")
	var control map[string]string
	out, err := exec.Command(standIn, "setuid-files", t.TempDir()).Output()
	if err != nil || json.Unmarshal(out, &control) != nil {
		t.Fatalf("control: %v %s", err, out)
	}
	for name, got := range control {
		if !strings.HasPrefix(got, "ok") {
			t.Errorf("control: %s outside: %s", name, got)
		}
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		var inside map[string]string
		out := mustRun(t, baseEnv(home, claudeDir(t)), dir, append(mode, "--", "claude", "setuid-files", dir)...)
		if err := json.Unmarshal([]byte(out), &inside); err != nil {
			t.Fatalf("claudebox %v: %v %s", mode, err, out)
		}
		for name := range control {
			want := syscall.EPERM.Error()
			switch name {
			case "plain":
				want = "ok 0"
			case "openat2":
				want = syscall.ENOSYS.Error()
			}
			if inside[name] != want {
				t.Errorf("claudebox %v: %s inside: %q, want %q", mode, name, inside[name], want)
			}
		}
	}
}

// TestNoUserNamespacesForRoot: as root, the sandbox cannot make user
// namespaces (in one, its uid 0 could mount a cgroup hierarchy and write
// the host's root-owned control files); a plain user's sandbox can (Claude
// Code's own sandbox needs them).
func TestNoUserNamespacesForRoot(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	if os.Getuid() != 0 {
		t.Skip("only root's sandbox is without user namespaces")
	}
	home, dir := project(t)
	const probe = `unshare --user true 2>/dev/null && echo made || echo refused`
	if out, err := exec.Command("sh", "-c", probe).Output(); err != nil || string(out) != "made\n" {
		t.Fatalf("control: outside, %v %q", err, out)
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		if got := mustRun(t, baseEnv(home, claudeDir(t)), dir, append(mode, "--", "sh", "-c", probe)...); got != "refused\n" {
			t.Errorf("claudebox %v as root: a user namespace inside: %q", mode, got)
		}
	}
}

// TestHostNameAndKeyNames: the host's name and the names of the user's
// kernel keys are not shown inside.
func TestHostNameAndKeyNames(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	got := mustRun(t, baseEnv(home, claudeDir(t)), dir, "--", "sh", "-c", "hostname; wc -c </proc/keys; wc -c </proc/key-users")
	if got != "claudebox\n0\n0\n" {
		t.Errorf("hostname and /proc/keys, /proc/key-users sizes inside: %q", got)
	}
}

// TestIOURingBlocked: io_uring_setup fails with EPERM inside (Docker's
// default profile does the same), while outside it works here.
func TestIOURingBlocked(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	bin := claudeDir(t)
	out, err := exec.Command(filepath.Join(bin, "claude"), "io_uring").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "\"ok\"\n" {
		t.Skipf("io_uring is not available outside the sandbox either: %s", out)
	}
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		got := mustRun(t, baseEnv(home, bin), dir, append(mode, "--", "claude", "io_uring")...)
		if want := fmt.Sprintf("%q\n", syscall.EPERM.Error()); got != want {
			t.Errorf("claudebox %v: io_uring_setup inside: %s, want %s", mode, got, want)
		}
	}
}

// TestLargeEnvironment: variables larger than a pipe holds (counted in
// bytes, not characters) reach the sandbox whole, without hanging.
func TestLargeEnvironment(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	big := strings.Repeat("€", 25000) // 75,000 bytes in 25,000 characters
	cmd := exec.Command("bash", script, "--", "sh", "-c", `printf %s "$ANTHROPIC_BIG" | wc -c`)
	cmd.Env, cmd.Dir = append(baseEnv(home, claudeDir(t)), "ANTHROPIC_BIG="+big), dir
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("claudebox hung with a 75 kB variable")
	}
	if err != nil || strings.TrimSpace(string(out)) != "75000" {
		t.Errorf("%v: %q", err, out)
	}
}

// TestOldBashNetwork: where here-strings are not pipes (bash before 5.1, or
// BASH_COMPAT=50), the sandbox's own network cannot start, and claudebox
// says so in one line instead of failing obscurely.
func TestOldBashNetwork(t *testing.T) {
	oracle.Require(t, "bwrap")
	requireNet(t)
	home, dir := project(t)
	r := claudebox(t, append(baseEnv(home, claudeDir(t)), "BASH_COMPAT=50", "XDG_RUNTIME_DIR="+t.TempDir()), dir, "--", "true")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: the sandbox's own network needs bash 5.1 or newer") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("exit %d, %q", r.Code, r.Stderr)
	}
}

// TestMountsWhatWasChecked: the project and the config directory are
// mounted by the descriptors opened where they were checked, not by path.
// A bwrap wrapper (on PATH outside the project) swaps each for a symbolic
// link to a directory of secrets just before bwrap runs, as the sandbox of
// a parent project could: the sandbox still gets what was checked.
func TestMountsWhatWasChecked(t *testing.T) {
	oracle.Require(t, "bwrap")
	realBwrap, err := exec.LookPath("bwrap")
	if err != nil {
		t.Skip(err)
	}
	home, dir := project(t)
	writeFile(t, filepath.Join(dir, "own"), "checked project\n")
	victim := t.TempDir()
	writeFile(t, filepath.Join(victim, "secret"), marker+"\n")
	config := configDir(home, dir)
	writeFile(t, filepath.Join(config, "own"), "checked config\n")
	wrap := t.TempDir()
	writeFile(t, filepath.Join(wrap, "bwrap"), "#!/bin/sh\n"+
		"mv '"+dir+"' '"+dir+".moved' && ln -s '"+victim+"' '"+dir+"' &&\n"+
		"mv '"+config+"' '"+config+".moved' && ln -s '"+victim+"' '"+config+"' || exit 99\n"+
		"exec '"+realBwrap+"' \"$@\"\n")
	if err := os.Chmod(filepath.Join(wrap, "bwrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(home, claudeDir(t)), "PATH="+wrap+":"+hostPath(claudeDir(t)))
	r := claudebox(t, env, dir, "--share-host-net", "--", "sh", "-c", "cat "+dir+"/own ~/.claude/own; cat "+dir+"/secret ~/.claude/secret 2>/dev/null")
	if r.Stdout != "checked project\nchecked config\n" {
		t.Errorf("inside after the swap: exit %d, stdout %q, stderr %q; want the checked project and config only", r.Code, r.Stdout, r.Stderr)
	}
	if _, err := os.Lstat(dir + ".moved"); err != nil {
		t.Errorf("the wrapper did not swap the project (the test proves nothing): %v", err)
	}
}

// TestConfigChecks: what the fifth review's successor found around the
// config directory: another user's config, the networks' notes directory,
// other programs' directories, claudebox's own store, system directories,
// and nothing made before a refusal.
func TestConfigChecks(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	env := baseEnv(home, claudeDir(t))
	runDir := filepath.Join(t.TempDir(), "run")
	if err := errors.Join(os.MkdirAll(filepath.Join(home, ".config", "gh"), 0o700), os.MkdirAll(filepath.Join(home, ".cache"), 0o700),
		os.Mkdir(filepath.Join(dir, "x"), 0o700)); err != nil {
		t.Fatal(err)
	}
	otherConfig := configDir(home, "/elsewhere/other")
	if err := errors.Join(os.Mkdir(runDir, 0o700), os.MkdirAll(otherConfig, 0o700), os.MkdirAll(filepath.Join(home, ".config", "claude", "x"), 0o700)); err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"config is the notes' directory", []string{"XDG_RUNTIME_DIR=" + runDir, "CLAUDEBOX_CONFIG_DIR=" + runDir + "/claudebox"}, nil,
			`^claudebox: refusing to mount .*/run/claudebox into the sandbox: it overlaps .*/run/claudebox, where claudebox notes its networks; pass another --project, or set CLAUDEBOX_CONFIG_DIR or XDG_RUNTIME_DIR to another directory$`},
		{"project is the notes' directory", []string{"XDG_RUNTIME_DIR=" + runDir}, []string{"--project", runDir},
			`^claudebox: XDG_RUNTIME_DIR \(.*/run\) is inside the project or Claude's config, which the sandbox can write`},
		{"project is the notes' fallback directory", nil, []string{"--project", fmt.Sprintf("/tmp/claudebox-%d", os.Getuid())},
			`^claudebox: refusing to mount /tmp/claudebox-[0-9]+ into the sandbox: it overlaps /tmp/claudebox-[0-9]+, where claudebox notes its networks`},
		{"config is claudebox's store", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".local", "share", "claudebox")}, nil,
			`^claudebox: refusing to keep Claude's config in .*/home/\.local/share/claudebox: it holds .*/home/\.local/share, where other programs keep their credentials and state; set CLAUDEBOX_CONFIG_DIR to another directory$|overlaps .*/claudebox, where claudebox keeps each project's Claude config`},
		{"config in claudebox's store", []string{"CLAUDEBOX_CONFIG_DIR=" + otherConfig}, nil,
			`^claudebox: refusing to keep Claude's config in .*: it overlaps .*/home/\.local/share/claudebox, where claudebox keeps each project's Claude config; set CLAUDEBOX_CONFIG_DIR to another directory$`},
		{"config is ~/.config", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".config")}, nil,
			`^claudebox: refusing to keep claudebox's Claude config in .*/home/\.config: it overlaps .*/home/\.config/claude, the config of Claude on the host`},
		{"config is ~/.cache", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".cache")}, nil,
			`^claudebox: refusing to keep Claude's config in .*/home/\.cache: it holds .*/home/\.cache, where other programs keep their credentials and state; set CLAUDEBOX_CONFIG_DIR to another directory$`},
		{"project is ~/.config", nil, []string{"--project", filepath.Join(home, ".config")},
			`^claudebox: refusing to mount .*/home/\.config read-write: it holds .*/home/\.config, where other programs keep their credentials and state; cd into a project or pass --project DIR$`},
		{"project is ~/.local", nil, []string{"--project", filepath.Join(home, ".local")},
			`^claudebox: refusing to mount .*/home/\.local read-write: it holds .*/home/\.local, where other programs keep their credentials and state`},
		{"project holds the data home", []string{"XDG_DATA_HOME=" + filepath.Join(dir, "x", "share")}, []string{"--project", filepath.Join(dir, "x")},
			`^claudebox: refusing to keep Claude's config in .*/x/share/claudebox: it overlaps the project .*/x, whose files the sandbox writes \(and git may commit\); set XDG_DATA_HOME to a directory outside it$`},
		{"project is ~/.cache", nil, []string{"--project", filepath.Join(home, ".cache")},
			`^claudebox: refusing to mount .*/home/\.cache read-write: it holds .*/home/\.cache, where other programs keep their credentials and state; cd into a project or pass --project DIR$`},
		{"project is another project's config", nil, []string{"--project", otherConfig},
			`^claudebox: refusing to mount .* read-write: it is in .*/home/\.local/share/claudebox, where claudebox keeps each project's Claude config; cd into a project or pass --project DIR$`},
		{"project in /usr", nil, []string{"--project", "/usr/local/bin"},
			`^claudebox: refusing to mount /usr/local/bin read-write: it is a shared system directory`},
		{"project in /etc", nil, []string{"--project", "/etc/ssl"},
			`^claudebox: refusing to mount /etc/ssl read-write: it is a shared system directory`},
		{"data home in the project", []string{"XDG_DATA_HOME=" + filepath.Join(dir, "share")}, nil,
			`^claudebox: refusing to keep Claude's config in .*/app/share/claudebox: it overlaps the project`},
		{"config in the host's ~/.claude", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".claude", "x", "y")}, nil,
			`^claudebox: refusing to keep claudebox's Claude config in .*/home/\.claude/x/y: it overlaps .*/home/\.claude, the config of Claude on the host`},
		{"project in ~/.config/claude with a relative XDG_CONFIG_HOME", []string{"XDG_CONFIG_HOME=rel"}, []string{"--project", filepath.Join(home, ".config", "claude", "x")},
			`refusing to mount .*/home/\.config/claude/x read-write: it overlaps .*/home/\.config/claude, the config of Claude on the host`},
		{"config in ~/.config/claude", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".config", "claude")}, nil,
			`^claudebox: refusing to keep claudebox's Claude config in .*/home/\.config/claude: it overlaps .*/home/\.config/claude, the config of Claude on the host`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := claudebox(t, append(append([]string{}, env...), tt.env...), dir, append(tt.args, "--", "true")...)
			if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(r.Stderr, "\n")) {
				t.Errorf("exit %d, stderr %q; want exit 1 and one line matching %s", r.Code, r.Stderr, tt.want)
			}
		})
	}
	// Refused before anything was made.
	for _, p := range []string{filepath.Join(dir, "share"), filepath.Join(dir, "x", "share"), filepath.Join(home, ".claude")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was made by a refused run", p)
		}
	}

	t.Run("the dangling link of the host's ~/.claude", func(t *testing.T) {
		home, dir := project(t)
		target := filepath.Join(t.TempDir(), "claude-later")
		if err := os.Symlink(target, filepath.Join(home, ".claude")); err != nil {
			t.Fatal(err)
		}
		r := claudebox(t, append(baseEnv(home, claudeDir(t)), "CLAUDEBOX_CONFIG_DIR="+target), dir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "it overlaps "+target+", the config of Claude on the host") {
			t.Errorf("exit %d, %q", r.Code, r.Stderr)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Errorf("%s was made by the refused run", target)
		}
	})
	t.Run("the notes' directory through a link, on a first run", func(t *testing.T) {
		run2 := filepath.Join(t.TempDir(), "run")
		link := filepath.Join(t.TempDir(), "link")
		if err := errors.Join(os.Mkdir(run2, 0o700), os.Symlink(run2, link)); err != nil {
			t.Fatal(err)
		}
		r := claudebox(t, append(env, "XDG_RUNTIME_DIR="+run2, "CLAUDEBOX_CONFIG_DIR="+filepath.Join(link, "claudebox")), dir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "where claudebox notes its networks") {
			t.Errorf("exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("a relative XDG_CONFIG_HOME", func(t *testing.T) {
		// Ignored (the XDG spec), never read from wherever claudebox is.
		home, dir := project(t)
		writeFile(t, filepath.Join(home, ".gitconfig"), "[user]\n\temail = ada@example.com\n")
		// Where a sandbox can write: the project and its config directory.
		for _, d := range []string{dir, configDir(home, dir)} {
			writeFile(t, filepath.Join(d, "rel", "git", "config"), "[user]\n\tname = Planted\n")
		}
		out := mustRun(t, append(baseEnv(home, claudeDir(t)), "XDG_CONFIG_HOME=rel"), dir, "--share-host-net", "--", "sh", "-c", "git config user.name || echo none")
		if out != "none\n" {
			t.Errorf("user.name inside: %q", out)
		}
	})
	t.Run("a home named through a link", func(t *testing.T) {
		// HOME=/home-link/u while the project's path is physical: ~/.config
		// and claudebox's store are still recognised (a review mounted
		// ~/.config read-write, and read another project's config through a
		// tool link into ~/.local).
		real, _ := project(t)
		link := filepath.Join(t.TempDir(), "home-link")
		if err := errors.Join(os.Symlink(real, link), os.MkdirAll(filepath.Join(real, ".config", "gh"), 0o700),
			os.MkdirAll(filepath.Join(real, ".local", "share", "claudebox", "projects", "x"), 0o700)); err != nil {
			t.Fatal(err)
		}
		env := append(baseEnv(link, claudeDir(t)), "HOME="+link)
		r := claudebox(t, env, filepath.Join(real, ".config"), "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "it holds "+filepath.Join(real, ".config")+", where other programs keep their credentials") {
			t.Errorf("project ~/.config by its physical path: exit %d, %q", r.Code, r.Stderr)
		}
		r = claudebox(t, env, filepath.Join(real, ".local", "share", "claudebox", "projects", "x"), "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "where claudebox keeps each project's Claude config") {
			t.Errorf("project in the store by its physical path: exit %d, %q", r.Code, r.Stderr)
		}
		jq, err := exec.LookPath("jq")
		if err != nil {
			t.Skip(err)
		}
		data, _ := os.ReadFile(jq)
		bin := t.TempDir()
		if err := errors.Join(os.WriteFile(filepath.Join(real, ".local", "jq"), data, 0o755),
			os.Symlink(filepath.Join(real, ".local", "jq"), filepath.Join(bin, "jq"))); err != nil {
			t.Fatal(err)
		}
		r = claudebox(t, append(env, "PATH="+bin+":"+hostPath(claudeDir(t))), dir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "refusing to mount "+filepath.Join(real, ".local")+" for ") {
			t.Errorf("a tool linked into ~/.local: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("a project in /usr/src with its bin on PATH", func(t *testing.T) {
		// /usr/src/app (Docker's convention) may be a project; its bin/ on
		// PATH is dropped like any other inside the project, although
		// entries in /usr are otherwise taken as they are. In a mount
		// namespace of its own with a tmpfs on /usr/src.
		if os.Getuid() != 0 {
			t.Skip("needs root for a private tmpfs on /usr/src")
		}
		unshare := oracle.Require(t, "unshare")
		ran := filepath.Join(t.TempDir(), "ran")
		sh := `set -e; mount -t tmpfs none /usr/src; mkdir -p /usr/src/app/bin; cd /usr/src/app
for tool in bwrap nsenter mkdir sha256sum; do printf '#!/bin/sh\necho %s >>%s\nexit 1\n' $tool "$RAN" >bin/$tool; chmod +x bin/$tool; done
PATH=/usr/src/app/bin:$PATH bash "$SCRIPT" --share-host-net -- true`
		cmd := exec.Command(unshare, "--mount", "sh", "-c", sh)
		cmd.Env = append(baseEnv(home, claudeDir(t)), "RAN="+ran, "SCRIPT="+script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("claudebox in /usr/src/app: %v\n%s", err, out)
		}
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("the project's tools ran on the host: %s", b)
		}
	})
	t.Run("another user's config", func(t *testing.T) {
		// sudo keeping HOME: root's sandbox would run the hooks the user
		// planted in a config of theirs.
		if os.Getuid() != 0 {
			t.Skip("needs root to make a directory of another user's")
		}
		home, dir := project(t)
		theirs := configDir(home, dir)
		shared := filepath.Join(t.TempDir(), "shared")
		for _, d := range []string{theirs, shared} {
			writeFile(t, filepath.Join(d, "settings.json"), `{"hooks":{}}`)
		}
		chownTree(t, filepath.Join(home, ".local"), 65534)
		chownTree(t, shared, 65534)
		r := claudebox(t, baseEnv(home, claudeDir(t)), dir, "--", "true")
		if r.Code != 1 || !regexp.MustCompile(`^claudebox: .*/home/\.local/share/claudebox, where Claude's config is kept, belongs to another user, who could have planted hooks there to run as you \(or as root\); set XDG_DATA_HOME to a directory of yours\n$`).MatchString(r.Stderr) {
			t.Errorf("a store of another user's: exit %d, %q", r.Code, r.Stderr)
		}
		// The store is root's, the project's directory in it is not.
		os.Chown(filepath.Join(home, ".local", "share", "claudebox"), 0, 0)
		r = claudebox(t, baseEnv(home, claudeDir(t)), dir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, ", the project's Claude config, belongs to another user") {
			t.Errorf("a project config of another user's: exit %d, %q", r.Code, r.Stderr)
		}
		r = claudebox(t, append(baseEnv(home, claudeDir(t)), "CLAUDEBOX_CONFIG_DIR="+shared), dir, "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "belongs to another user") {
			t.Errorf("CLAUDEBOX_CONFIG_DIR of another user's: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("a long path without sha256sum", func(t *testing.T) {
		long := filepath.Join(dir, strings.Repeat("x", 250))
		if err := os.MkdirAll(long, 0o700); err != nil {
			t.Fatal(err)
		}
		bin := t.TempDir()
		for _, tool := range []string{"bwrap", "mkdir"} {
			p, err := exec.LookPath(tool)
			if err != nil {
				t.Skip(err)
			}
			os.Symlink(p, filepath.Join(bin, tool))
		}
		r := claudebox(t, append(baseEnv(home, claudeDir(t)), "PATH="+bin+":"+claudeDir(t)), long, "--share-host-net", "--", "claude")
		if r.Code != 1 || r.Stderr != "claudebox: cannot compute the SHA-256 of the project's path (sha256sum, coreutils); install coreutils\n" {
			t.Errorf("exit %d, %q", r.Code, r.Stderr)
		}
	})
}

// TestSignalsStayInside: started with no terminal (from a script, make, an
// editor's task), the sandbox gets a process group of its own: kill(0, ...)
// inside no longer reaches its caller and the caller's other children,
// which share the caller's group (pid namespaces do not stop that). A
// review stopped and killed them this way.
func TestSignalsStayInside(t *testing.T) {
	// A keeper that stays: the first run makes the network, the second
	// joins it (a path that sets up no job of its own).
	env, dir, runDir := keeperEnv(t, 60)
	for _, mode := range [][]string{nil, nil, {"--share-host-net"}} {
		caller := `sleep 300 & sib=$!
bash "$0" "$@" -- sh -c 'trap "" USR1; kill -USR1 0; echo sent'
echo "claudebox: $?"
grep '^State' /proc/$sib/status
kill $sib`
		cmd := exec.Command("sh", append([]string{"-c", caller, script}, mode...)...)
		cmd.Env, cmd.Dir = env, dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the caller's group, as a shell without job control leaves it
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Fatalf("claudebox %v: the caller hung: %s", mode, out)
		}
		if want := "sent\nclaudebox: 0\nState:\tS (sleeping)\n"; err != nil || string(out) != want {
			t.Errorf("claudebox %v: the caller (%v) printed %q, want %q: the sandbox's signal reached the caller's group", mode, err, out, want)
		}
		if n, ok := noted(t, runDir, dir); ok {
			stopKeeper(t, n)
		}
	}
}

// TestWorkingDirectoryRace: the sandbox of a parent project can write the
// directory that holds the user's working directory, and swap the latter
// with a symbolic link to the home while claudebox starts (renameat2's
// RENAME_EXCHANGE, in a loop). The default project is the working
// directory: claudebox must mount the directory it started in, never what
// its path names a moment later (a review got the home mounted 2 times in
// 40 when claudebox went back to it by path).
func TestWorkingDirectoryRace(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, _ := project(t)
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), marker+"\n")
	parent := filepath.Join(t.TempDir(), "monorepo")
	sub, link := filepath.Join(parent, "sub"), filepath.Join(parent, "x")
	writeFile(t, filepath.Join(sub, "own"), "the project\n")
	if err := os.Symlink(home, link); err != nil {
		t.Fatal(err)
	}
	dirFile, err := os.Open(sub)
	if err != nil {
		t.Fatal(err)
	}
	defer dirFile.Close()
	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		defer func() { swapped <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if unix.Renameat2(unix.AT_FDCWD, sub, unix.AT_FDCWD, link, unix.RENAME_EXCHANGE) == nil {
				n++
			}
		}
	}()
	env := baseEnv(home, claudeDir(t))
	leaks := 0
	for i := 0; i < 100; i++ {
		// Started in the directory itself (through its descriptor), as a
		// shell already in it would start claudebox.
		cmd := exec.Command("sh", "-c", `cd /proc/self/fd/3 && exec 3<&- && exec bash "$0" --share-host-net -- sh -c 'cat own .ssh/id_ed25519 2>/dev/null; true'`, script)
		cmd.Env, cmd.ExtraFiles = env, []*os.File{dirFile}
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), marker) {
			leaks++
		}
	}
	close(stop)
	if n := <-swapped; n == 0 {
		t.Fatal("the directories were never swapped: the test proves nothing")
	}
	if leaks > 0 {
		t.Errorf("the home was mounted as the project in %d runs of 100", leaks)
	}
}

// TestNixDaemonSocketChoice: for a user other than root, the Nix daemon's
// socket goes in by default only when the daemon's builds run in its
// sandbox and the user cannot turn that off (is not a trusted user). A
// build without the sandbox runs on the host's file system, and its log
// comes back: a review read a 0644 ~/.npmrc of another user and the
// host's process command lines that way. Each case runs claudebox --audit
// as nobody, in an outer bwrap whose /etc/nix and daemon socket are the
// test's.
func TestNixDaemonSocketChoice(t *testing.T) {
	bwrap := oracle.Require(t, "bwrap")
	oracle.Require(t, "jq")
	setpriv := oracle.Require(t, "setpriv")
	if os.Getuid() != 0 {
		t.Skip("needs root: the outer bwrap binds over /etc/nix and runs claudebox as nobody")
	}
	if st, err := os.Stat(filepath.Dir(nixDaemonSocket)); err != nil || !st.IsDir() {
		t.Skipf("no %s to bind the test's socket on", filepath.Dir(nixDaemonSocket))
	}
	nobody, err := user.LookupId("65534")
	if err != nil {
		t.Skip(err)
	}
	group, err := user.LookupGroupId("65534")
	if err != nil {
		t.Skip(err)
	}
	sockDir := t.TempDir()
	os.Chmod(sockDir, 0o755)
	l, err := net.Listen("unix", filepath.Join(sockDir, "socket"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	home := filepath.Join(t.TempDir(), "home")
	proj := filepath.Join(home, "src", "app")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	chownTree(t, home, 65534)
	for d := filepath.Dir(home); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // nobody reaches the project by its path
	}
	// conf: file name (under /etc/nix; xdg/ under /etc/xdg/nix; "group" is
	// /etc/group) to its text, or "symlink:TARGET".
	run := func(t *testing.T, conf map[string]string, args ...string) (audit, string) {
		t.Helper()
		confDir, xdgDir := t.TempDir(), t.TempDir()
		binds := []string{"--bind", confDir, "/etc/nix"}
		for name, text := range conf {
			path := filepath.Join(confDir, name)
			switch {
			case strings.HasPrefix(name, "xdg/"):
				path = filepath.Join(xdgDir, "nix", strings.TrimPrefix(name, "xdg/"))
				binds = append(binds, "--bind", xdgDir, "/etc/xdg")
			case name == "group":
				path = filepath.Join(xdgDir, "group")
				binds = append(binds, "--ro-bind", path, "/etc/group")
			}
			if target, ok := strings.CutPrefix(text, "symlink:"); ok {
				if err := os.Symlink(target, path); err != nil {
					t.Fatal(err)
				}
				continue
			}
			writeFile(t, path, text)
			os.Chmod(filepath.Dir(path), 0o755)
			os.Chmod(path, 0o644)
			if strings.HasPrefix(text, "unreadable") {
				os.Chmod(path, 0o600)
			}
		}
		os.Chmod(confDir, 0o755)
		os.Chmod(xdgDir, 0o755)
		var extraEnv []string // arguments "env:NAME=VALUE" are variables
		for len(args) > 0 && strings.HasPrefix(args[0], "env:") {
			extraEnv = append(extraEnv, strings.TrimPrefix(args[0], "env:"))
			args = args[1:]
		}
		argv := append([]string{"--dev-bind", "/", "/", "--bind", sockDir, filepath.Dir(nixDaemonSocket)}, binds...)
		argv = append(argv, "--chdir", proj, "--", setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "bash", script)
		cmd := exec.Command(bwrap, append(argv, args...)...)
		cmd.Env = append(append(baseEnv(home, claudeDir(t)), "USER="+nobody.Username), extraEnv...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var a audit
		if args[0] == "--audit" {
			if err != nil || json.Unmarshal(out, &a) != nil {
				t.Fatalf("claudebox %v: %v %s%s", args, err, out, stderr.String())
			}
		}
		return a, stderr.String()
	}
	mounted := func(a audit) bool {
		for _, m := range a.Mounts {
			if m.Target == nixDaemonSocket {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name string
		conf map[string]string
		args []string
		want bool
		why  string
	}{
		{"no settings (sandbox on, root trusted)", map[string]string{"nix.conf": "substituters = https://cache.nixos.org\n"}, nil, true, ""},
		{"sandbox = true", map[string]string{"nix.conf": "sandbox = true\n"}, nil, true, ""},
		{"sandbox = false (Debian's)", map[string]string{"nix.conf": "# comment\nsandbox = false\n"}, nil, false, "sandbox = false in /etc/nix/nix.conf"},
		{"sandbox = relaxed", map[string]string{"nix.conf": "sandbox = relaxed\n"}, nil, false, "sandbox = relaxed"},
		{"build-use-sandbox = false", map[string]string{"nix.conf": "build-use-sandbox = false\n"}, nil, false, "sandbox = false"},
		{"the last setting wins", map[string]string{"nix.conf": "sandbox = false\nsandbox = true\n"}, nil, true, ""},
		{"sandbox off in an include", map[string]string{"nix.conf": "include extra.conf\n", "extra.conf": "sandbox = false # why not\n"}, nil, false, "sandbox = false"},
		{"sandbox off in an !include", map[string]string{"nix.conf": "!include /etc/nix/extra.conf\n", "extra.conf": "sandbox = false\n"}, nil, false, "sandbox = false"},
		{"a trusted user", map[string]string{"nix.conf": "trusted-users = root " + nobody.Username + "\n"}, nil, false, "(" + nobody.Username + " in trusted-users)"},
		{"a trusted group", map[string]string{"nix.conf": "trusted-users = root @" + group.Name + "\n"}, nil, false, "(@" + group.Name + " in trusted-users)"},
		{"everyone trusted", map[string]string{"nix.conf": "extra-trusted-users = *\n"}, nil, false, "(* in trusted-users)"},
		{"another user trusted", map[string]string{"nix.conf": "trusted-users = root alice @wheel\n"}, nil, true, ""},
		{"build-use-chroot = false", map[string]string{"nix.conf": "build-use-chroot = false\n"}, nil, false, "sandbox = false"},
		{"a carriage return in trusted-users", map[string]string{"nix.conf": "trusted-users = root\r" + nobody.Username + "\n"}, nil, false, "(" + nobody.Username + " in trusted-users)"},
		{"sandbox off in /etc/xdg/nix/nix.conf", map[string]string{"nix.conf": "sandbox = true\n", "xdg/nix.conf": "sandbox = false\n"}, nil, false, "sandbox = false"},
		{"a member of a trusted group", map[string]string{"nix.conf": "trusted-users = root @builders\n",
			"group": "root:x:0:\nbuilders:x:4242:alice," + nobody.Username + "\n" + group.Name + ":x:65534:\n"}, nil, false, "(@builders in trusted-users)"},
		{"not a member of a trusted group", map[string]string{"nix.conf": "trusted-users = root @builders\n",
			"group": "root:x:0:\nbuilders:x:4242:alice,bob\n" + group.Name + ":x:65534:\n"}, nil, true, ""},
		{"an include through a link and ..", map[string]string{"nix.conf": "include lnk/../x.conf\n", "x.conf": "sandbox = false\n",
			"lnk": "symlink:" + filepath.Join(home, "src")}, nil, false, "sandbox = false"},
		{"includes nested too deep", map[string]string{"nix.conf": "include a.conf\n", "a.conf": "include a.conf\n"}, nil, false, "(included too deep)"},
		{"nix.conf unreadable", map[string]string{"nix.conf": "unreadable\n"}, nil, false, "cannot read /etc/nix/nix.conf to see whether its builds run in its sandbox"},
		{"no nix.conf", nil, nil, false, "cannot read /etc/nix/nix.conf"},
		{"an include unreadable", map[string]string{"nix.conf": "include extra.conf\n", "extra.conf": "unreadable\n"}, nil, false, "cannot read /etc/nix/extra.conf"},
		{"an include missing", map[string]string{"nix.conf": "!include missing.conf\n"}, nil, true, ""},
		{"--nix-daemon anyway", map[string]string{"nix.conf": "sandbox = false\n"}, []string{"--nix-daemon"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, stderr := run(t, tt.conf, append(append([]string{"--audit"}, tt.args...), "--", "true")...)
			if mounted(a) != tt.want {
				t.Errorf("socket mounted: %v, want %v (%+v)", mounted(a), tt.want, a.NixDaemon)
			}
			if !tt.want && !strings.Contains(a.NixDaemon.Why, tt.why) || tt.want && a.NixDaemon.Why != "" {
				t.Errorf("left_out_because %q, want it to say %q", a.NixDaemon.Why, tt.why)
			}
			if stderr != "" {
				t.Errorf("--audit printed %q", stderr)
			}
		})
	}
	t.Run("the note", func(t *testing.T) {
		// A run says once, on stderr, why Nix inside cannot build.
		_, stderr := run(t, map[string]string{"nix.conf": "sandbox = false\n"}, "--share-host-net", "--", "true")
		want := "claudebox: note: the Nix daemon's socket is left out, so Nix inside cannot build: its builds run outside its sandbox (sandbox = false in /etc/nix/nix.conf) and would read your files; pass --nix-daemon to put it in anyway, or --no-nix-daemon (or CLAUDEBOX_NIX_DAEMON=no) to skip this note\n"
		if stderr != want {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
		if _, stderr := run(t, map[string]string{"nix.conf": "sandbox = false\n"}, "--no-nix-daemon", "--share-host-net", "--", "true"); stderr != "" {
			t.Errorf("with --no-nix-daemon, stderr %q", stderr)
		}
		// CLAUDEBOX_NIX_DAEMON=no skips it too; =yes puts the socket in.
		if _, stderr := run(t, map[string]string{"nix.conf": "sandbox = false\n"}, "env:CLAUDEBOX_NIX_DAEMON=no", "--share-host-net", "--", "true"); stderr != "" {
			t.Errorf("with CLAUDEBOX_NIX_DAEMON=no, stderr %q", stderr)
		}
		if a, _ := run(t, map[string]string{"nix.conf": "sandbox = false\n"}, "env:CLAUDEBOX_NIX_DAEMON=yes", "--audit", "--", "true"); !mounted(a) {
			t.Error("with CLAUDEBOX_NIX_DAEMON=yes the socket is not mounted")
		}
		// Not before another error: that one line only.
		if _, stderr := run(t, map[string]string{"nix.conf": "sandbox = false\n"}, "--share-host-net", "--", "no-such-command"); strings.Contains(stderr, "note") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("a failing run printed %q", stderr)
		}
	})
}

// TestRootProcMasked: as root, the kernel's root-only /proc files (0400:
// the sandbox's uid 0 reads them without any capability) are unreadable
// inside, while outside they read (the control), and the other /proc
// files still do.
func TestRootProcMasked(t *testing.T) {
	oracle.Require(t, "bwrap")
	if os.Getuid() != 0 {
		t.Skip("only root's sandbox reads the kernel's root-only /proc files")
	}
	home, dir := project(t)
	var readable []string
	for _, f := range []string{"timer_list", "sched_debug", "slabinfo", "vmallocinfo", "pagetypeinfo", "kpageflags", "kpagecount", "latency_stats"} {
		if fh, err := os.Open("/proc/" + f); err == nil {
			buf := make([]byte, 8)
			if _, err := fh.Read(buf); err == nil {
				readable = append(readable, f)
			}
			fh.Close()
		}
	}
	if len(readable) == 0 {
		t.Skip("none of the files reads outside either")
	}
	probe := `for f in "$@"; do if head -c 8 /proc/$f >/dev/null 2>&1; then echo "$f readable"; fi; done; head -c 5 /proc/version`
	for _, mode := range [][]string{nil, {"--share-host-net"}} {
		out := mustRun(t, baseEnv(home, claudeDir(t)), dir, append(append(mode, "--", "sh", "-c", probe, "sh"), readable...)...)
		if out != "Linux" {
			t.Errorf("claudebox %v: %q, want none of %v readable (and /proc/version)", mode, out, readable)
		}
	}
}

// TestToolLinkTargets: a tool outside the system directories that is a
// symbolic link gets its target's directory mounted read-only; never a
// directory that holds secrets (~/.config here), while one inside such a
// directory is fine (Claude Code's own ~/.claude/local install).
func TestToolLinkTargets(t *testing.T) {
	oracle.Require(t, "bwrap")
	home, dir := project(t)
	standIn := filepath.Join(claudeDir(t), "claude")
	for _, tt := range []struct {
		target string // where the tool is, under home
		ok     bool
	}{
		{".config/claude-bin", false},
		{".claude/local/node_modules/.bin/claude", true},
	} {
		real := filepath.Join(home, tt.target)
		data, err := os.ReadFile(standIn)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(real), 0o755)
		if err := os.WriteFile(real, data, 0o755); err != nil {
			t.Fatal(err)
		}
		bin := t.TempDir()
		if err := os.Symlink(real, filepath.Join(bin, "claude")); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(home, ".config", "gh", "hosts.yml"), marker+"\n")
		r := claudebox(t, append(baseEnv(home, ""), "PATH="+bin+":"+hostPath(t.TempDir())), dir, "--share-host-net", "--", "claude", "io_uring")
		if tt.ok && r.Code != 0 {
			t.Errorf("claude at ~/%s: exit %d, %s", tt.target, r.Code, r.Stderr)
		}
		if !tt.ok && (r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: refusing to mount "+filepath.Join(home, ".config")+" for ")) {
			t.Errorf("claude at ~/%s: exit %d, %q; want a refusal", tt.target, r.Code, r.Stderr)
		}
	}
}

// TestUsabilityFixes: what an eighth review met as a user: CDPATH, a file
// as --project, usage errors first, a secrets directory as
// CLAUDEBOX_CONFIG_DIR, credentials in --audit's output, and refused runs
// or --audit leaving directories behind.
func TestUsabilityFixes(t *testing.T) {
	oracle.Require(t, "bwrap")
	oracle.Require(t, "jq")
	home, dir := project(t)
	env := baseEnv(home, claudeDir(t))
	store := filepath.Join(home, ".local", "share", "claudebox")
	outside := filepath.Join(t.TempDir(), "outside.sh")
	t.Run("--audit makes nothing", func(t *testing.T) {
		a := runAudit(t, env, dir, "x86_64", "--", "true")
		if _, err := os.Stat(store); err == nil {
			t.Errorf("--audit made %s", store)
		}
		if a.Config != configDir(home, dir) {
			t.Errorf("claude_config %q, want %q (what a run would make)", a.Config, configDir(home, dir))
		}
	})
	t.Run("a refused command makes nothing", func(t *testing.T) {
		r := claudebox(t, env, dir, "--", "no-such-command")
		if r.Code != 1 {
			t.Fatalf("exit %d, %q", r.Code, r.Stderr)
		}
		if _, err := os.Stat(store); err == nil {
			t.Errorf("a refused run made %s", store)
		}
	})
	t.Run("credentials are not shown by --audit", func(t *testing.T) {
		a := runAudit(t, append(env, "ANTHROPIC_API_KEY=sk-"+marker, "CLAUDE_CODE_OAUTH_TOKEN="+marker, "ANTHROPIC_MODEL=opus",
			"ANTHROPIC_CUSTOM_HEADERS=Authorization: Bearer "+marker, "ANTHROPIC_BASE_URL=https://u:"+marker+"@proxy"), dir, "x86_64", "--", "true")
		for _, name := range []string{"ANTHROPIC_CUSTOM_HEADERS", "ANTHROPIC_BASE_URL"} {
			if strings.Contains(a.Env[name], marker) {
				t.Errorf("%s in --audit: %q", name, a.Env[name])
			}
		}
		if got := a.Env["ANTHROPIC_API_KEY"]; strings.Contains(got, marker) || !strings.Contains(got, "not shown") {
			t.Errorf("ANTHROPIC_API_KEY in --audit: %q", got)
		}
		if got := a.Env["CLAUDE_CODE_OAUTH_TOKEN"]; strings.Contains(got, marker) {
			t.Errorf("CLAUDE_CODE_OAUTH_TOKEN in --audit: %q", got)
		}
		if a.Env["ANTHROPIC_MODEL"] != "opus" {
			t.Errorf("ANTHROPIC_MODEL in --audit: %q, want it shown", a.Env["ANTHROPIC_MODEL"])
		}
	})
	t.Run("a PATH with nothing left", func(t *testing.T) {
		// Every entry inside the project: not an empty PATH, under which
		// bash runs a command from the current directory (a tenth review
		// ran a planted readlink so), but the system's directories.
		bin := filepath.Join(dir, "bin")
		ran := filepath.Join(t.TempDir(), "ran")
		for _, tool := range []string{"bwrap", "readlink", "mkdir", "jq", "nsenter", "sha256sum"} {
			writeFile(t, filepath.Join(bin, tool), "#!/bin/sh\necho "+tool+" >>"+ran+"\nexit 1\n")
			os.Chmod(filepath.Join(bin, tool), 0o755)
		}
		// A home whose ~/.claude is a dangling link, so that readlink runs.
		home2 := t.TempDir()
		if err := os.Symlink(filepath.Join(home2, "gone"), filepath.Join(home2, ".claude")); err != nil {
			t.Fatal(err)
		}
		r := claudebox(t, append(baseEnv(home2, claudeDir(t)), "PATH="+bin), bin, "--project", dir, "--share-host-net", "--", "true")
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("planted tools ran on the host: %s (exit %d, %q)", b, r.Code, r.Stderr)
		}
		os.RemoveAll(bin)
	})
	t.Run("CDPATH", func(t *testing.T) {
		// A relative --project must not be looked up on CDPATH (nor print).
		other := filepath.Join(t.TempDir(), "elsewhere")
		if err := os.MkdirAll(filepath.Join(other, "app"), 0o755); err != nil {
			t.Fatal(err)
		}
		a := runAudit(t, append(env, "CDPATH="+other), filepath.Dir(dir), "x86_64", "--project", "app", "--", "true")
		if a.Project != dir {
			t.Errorf("--project app with CDPATH: project %q, want %q", a.Project, dir)
		}
	})
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"a command outside the sandbox", nil, []string{"--", outside}, 1,
			`^claudebox: .*/outside\.sh is outside the sandbox, which sees only the project, /usr, /nix/store and claudebox's tools; copy it into the project, or run one that is there$`},
		{"a command that is not executable", nil, []string{"--", "./f"}, 1,
			`^claudebox: \./f is not executable; chmod \+x it, or run it through its interpreter \(such as bash \./f\)$`},
		{"a directory as the command", nil, []string{"--", filepath.Join(dir, "sub")}, 1,
			`^claudebox: .*/app/sub is a directory, not a command; check the command's path$`},
		{"a file as --project", nil, []string{"--project", filepath.Join(dir, "f"), "--", "true"}, 1,
			`^claudebox: project .*/f is not a directory; pass the project's directory with --project DIR$`},
		{"a usage error before a bad project", nil, []string{"--project", "/no/such", "--allow-env", "A-B", "--", "true"}, 2,
			`^claudebox: --allow-env takes a variable name, not A-B$`},
		{"~/.ssh as CLAUDEBOX_CONFIG_DIR", []string{"CLAUDEBOX_CONFIG_DIR=" + filepath.Join(home, ".ssh")}, []string{"--", "true"}, 1,
			`^claudebox: .*/home/\.ssh holds files but is not a config directory claudebox made \(it has no \.claudebox-config directory\); set CLAUDEBOX_CONFIG_DIR to a new or empty directory, or, if it is one claudebox used, mkdir .*/home/\.ssh/\.claudebox-config$`},
	}
	writeFile(t, filepath.Join(dir, "f"), "")
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), marker)
	writeFile(t, outside, "#!/bin/sh\n")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Chmod(outside, 0o755)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := claudebox(t, append(append([]string{}, env...), tt.env...), dir, tt.args...)
			if r.Code != tt.code || strings.Count(r.Stderr, "\n") != 1 || !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(r.Stderr, "\n")) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line matching %s", r.Code, r.Stderr, tt.code, tt.want)
			}
		})
	}
	t.Run("a link in place of the mark", func(t *testing.T) {
		// The sandboxes sharing the directory can plant one; the mark is
		// made by mkdir, which does not follow it (a ninth review had the
		// host truncate the link's target).
		shared := filepath.Join(t.TempDir(), "shared")
		victim := filepath.Join(t.TempDir(), "victim")
		writeFile(t, victim, "precious\n")
		if err := errors.Join(os.Mkdir(shared, 0o700), os.Symlink(victim, filepath.Join(shared, ".claudebox-config"))); err != nil {
			t.Fatal(err)
		}
		r := claudebox(t, append(env, "CLAUDEBOX_CONFIG_DIR="+shared), dir, "--share-host-net", "--", "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "is not a config directory claudebox made") {
			t.Errorf("exit %d, %q", r.Code, r.Stderr)
		}
		if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
			t.Errorf("the link's target now holds %q", b)
		}
	})
	t.Run("a new CLAUDEBOX_CONFIG_DIR is marked", func(t *testing.T) {
		shared := filepath.Join(t.TempDir(), "shared")
		os.Mkdir(shared, 0o700)
		runAudit(t, append(env, "CLAUDEBOX_CONFIG_DIR="+shared), dir, "x86_64", "--", "true")
		if _, err := os.Lstat(filepath.Join(shared, ".claudebox-config")); err == nil {
			t.Error("--audit marked the directory")
		}
		mustRun(t, append(env, "CLAUDEBOX_CONFIG_DIR="+shared), dir, "--share-host-net", "--", "touch", home+"/.claude/login")
		if st, err := os.Lstat(filepath.Join(shared, ".claudebox-config")); err != nil || !st.IsDir() {
			t.Errorf("the mark: %v %v, want a directory", err, st)
		}
		// and used again, with files in it now
		mustRun(t, append(env, "CLAUDEBOX_CONFIG_DIR="+shared), dir, "--share-host-net", "--", "test", "-e", home+"/.claude/login")
	})
}

// TestGitWorkTreeDefault: started in a subdirectory of a git work tree (a
// monorepo's package), the project is the work tree's top, so git works
// inside and the package shares the repository's config; never the home,
// even with a .git there (a dotfiles repository); --project . keeps the
// working directory.
func TestGitWorkTreeDefault(t *testing.T) {
	oracle.Require(t, "bwrap")
	gitBin := oracle.Require(t, "git")
	home, _ := project(t)
	repo := filepath.Join(home, "src", "mono")
	sub := filepath.Join(repo, "services", "api")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gitBin, "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	env := baseEnv(home, claudeDir(t))
	a := runAudit(t, env, sub, "x86_64", "--", "true")
	if a.Project != repo || a.Chdir != sub || a.Config != configDir(home, repo) {
		t.Errorf("in %s: project %q, chdir %q, config %q; want the work tree %s", sub, a.Project, a.Chdir, a.Config, repo)
	}
	out := mustRun(t, env, sub, "--share-host-net", "--", "git", "rev-parse", "--show-toplevel")
	if out != repo+"\n" {
		t.Errorf("git inside: %q", out)
	}
	if a := runAudit(t, env, sub, "x86_64", "--project", ".", "--", "true"); a.Project != sub {
		t.Errorf("--project .: %q, want %q", a.Project, sub)
	}
	// A .git in the home is not a work tree to widen to.
	notes := filepath.Join(home, "notes")
	if err := errors.Join(os.MkdirAll(filepath.Join(home, ".git"), 0o755), os.MkdirAll(notes, 0o755)); err != nil {
		t.Fatal(err)
	}
	if a := runAudit(t, env, notes, "x86_64", "--", "true"); a.Project != notes {
		t.Errorf("in %s with ~/.git: project %q", notes, a.Project)
	}
	// A nested repository whose .git its sandbox removed: the next run
	// stays in it (it has been a project), never the repository around it
	// (a tenth review read and wrote the outer one so).
	nested := filepath.Join(repo, "vendor", "lib")
	if err := os.MkdirAll(filepath.Join(nested, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	// (A sandbox can no longer remove its .git, a mount point inside; it
	// goes here from the host, as it may by other means.)
	mustRun(t, env, nested, "--share-host-net", "--", "true")
	if err := os.RemoveAll(filepath.Join(nested, ".git")); err != nil {
		t.Fatal(err)
	}
	if a := runAudit(t, env, nested, "x86_64", "--", "true"); a.Project != nested {
		t.Errorf("a nested repository without its .git, after a run there: project %q, want %q", a.Project, nested)
	}
	deeper := filepath.Join(nested, "src")
	os.MkdirAll(deeper, 0o755)
	if a := runAudit(t, env, deeper, "x86_64", "--", "true"); a.Project != nested {
		t.Errorf("below it: project %q, want %q", a.Project, nested)
	}
	// And for a path too long for a file name (its config is named by its
	// SHA-256): the run stops and asks for --project.
	longLib := filepath.Join(repo, strings.Repeat("l", 120), strings.Repeat("m", 120))
	if err := os.MkdirAll(filepath.Join(longLib, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, env, longLib, "--share-host-net", "--", "true")
	if err := os.RemoveAll(filepath.Join(longLib, ".git")); err != nil {
		t.Fatal(err)
	}
	if r := claudebox(t, env, longLib, "--share-host-net", "--", "true"); r.Code != 1 ||
		r.Stderr != "claudebox: "+longLib+" has been a project of its own, and its git work tree would be "+repo+" now; pass --project "+longLib+", or --project "+repo+"\n" {
		t.Errorf("a long nested repository without its .git: exit %d, %q", r.Code, r.Stderr)
	}
	// A package once run with --project . (it has a config, but was never a
	// work tree's top) does not keep later runs from the repository's top.
	pkg := filepath.Join(repo, "packages", "web")
	os.MkdirAll(pkg, 0o755)
	mustRun(t, env, pkg, "--project", ".", "--share-host-net", "--", "true")
	if a := runAudit(t, env, pkg, "x86_64", "--", "true"); a.Project != repo {
		t.Errorf("a package once run with --project .: project %q, want %q", a.Project, repo)
	}
	// A refused run notes nothing (here: no nsenter for the private network).
	refusedRepo := filepath.Join(home, "src", "refused")
	if out, err := exec.Command(gitBin, "init", "-q", refusedRepo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	bin := t.TempDir()
	for _, tool := range []string{"bwrap", "bash", "git"} {
		if p, err := exec.LookPath(tool); err == nil {
			os.Symlink(p, filepath.Join(bin, tool))
		}
	}
	if r := claudebox(t, append(env, "PATH="+bin+":"+claudeDir(t)), refusedRepo, "--", "git", "--version"); r.Code != 1 || !strings.Contains(r.Stderr, "nsenter is not installed") {
		t.Errorf("without nsenter: exit %d, %q", r.Code, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "share", "claudebox", "tops", filepath.Base(configDir(home, refusedRepo)))); err == nil {
		t.Error("a refused run noted its project")
	}
	// The same with a shared config (CLAUDEBOX_CONFIG_DIR).
	shared := append(env, "CLAUDEBOX_CONFIG_DIR="+filepath.Join(t.TempDir(), "shared"))
	nested2 := filepath.Join(repo, "vendor", "lib2")
	if err := os.MkdirAll(filepath.Join(nested2, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, shared, nested2, "--share-host-net", "--", "true")
	if err := os.RemoveAll(filepath.Join(nested2, ".git")); err != nil {
		t.Fatal(err)
	}
	if a := runAudit(t, shared, nested2, "x86_64", "--", "true"); a.Project != nested2 {
		t.Errorf("with a shared config, a nested repository without its .git: project %q, want %q", a.Project, nested2)
	}
	// Nor a work tree above that is another user's (a .git planted in a
	// shared parent would widen the project into it).
	if os.Getuid() == 0 {
		theirs := filepath.Join(t.TempDir(), "theirs")
		mine := filepath.Join(theirs, "mine")
		if err := errors.Join(os.MkdirAll(filepath.Join(theirs, ".git"), 0o755), os.MkdirAll(mine, 0o755)); err != nil {
			t.Fatal(err)
		}
		os.Chown(theirs, 65534, 65534)
		if a := runAudit(t, env, mine, "x86_64", "--", "true"); a.Project != mine {
			t.Errorf("under another user's work tree: project %q, want %q", a.Project, mine)
		}
	}
}
