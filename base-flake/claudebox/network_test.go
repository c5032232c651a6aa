// Tests of the network's keeper: one network a project, shared by its runs,
// ended when unused, never joined once its holder is gone.
package claudebox_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
)

// keeperEnv is a project with a run directory of its own (where the
// keepers note their networks) and CLAUDEBOX_NET_IDLE=idle.
func keeperEnv(t *testing.T, idle int) (env []string, dir, runDir string) {
	t.Helper()
	oracle.Require(t, "bwrap")
	requireNet(t)
	if f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0); err != nil {
		t.Skipf("slirp4netns needs /dev/net/tun: %v", err)
	} else {
		f.Close()
	}
	home, dir := project(t)
	runDir = t.TempDir()
	env = append(baseEnv(home, claudeDir(t)), "XDG_RUNTIME_DIR="+runDir, "CLAUDEBOX_NET_IDLE="+strconv.Itoa(idle))
	return env, dir, runDir
}

// network is what a keeper notes of the network it keeps.
type network struct{ holder, start, keeper int }

// noted reads the note of dir's network; ok is false when there is none.
func noted(t *testing.T, runDir, dir string) (n network, ok bool) {
	t.Helper()
	name := strings.ReplaceAll(strings.ReplaceAll(dir, "%", "%25"), "/", "%2F")
	raw, err := os.ReadFile(filepath.Join(runDir, "claudebox", "net"+name))
	if os.IsNotExist(err) {
		return n, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscanf(string(raw), "%d %d %d\n", &n.holder, &n.start, &n.keeper); err != nil ||
		!strings.HasSuffix(string(raw), "\n"+dir+"\n") {
		t.Fatalf("note of %s: %q (%v)", dir, raw, err)
	}
	return n, true
}

// alive: pid is a process that has not ended (zombies have).
func alive(pid int) bool {
	fields := statFields(pid)
	return len(fields) > 0 && fields[0] != "Z"
}

// slirpOf finds the slirp4netns that serves the network held by holder.
func slirpOf(holder int) int {
	want := "--userns-path\x00/proc/" + strconv.Itoa(holder) + "/ns/user\x00"
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline"); strings.Contains(string(cmd), want) && alive(pid) {
			return pid
		}
	}
	return 0
}

// stopKeeper ends a keeper the test left running (as a user would kill it).
func stopKeeper(t *testing.T, n network) {
	t.Cleanup(func() {
		if alive(n.keeper) {
			syscall.Kill(n.keeper, syscall.SIGTERM)
		}
	})
}

// waitGone waits until none of pids is alive.
func waitGone(t *testing.T, what string, timeout time.Duration, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var left []string
		for _, pid := range pids {
			if pid != 0 && alive(pid) {
				left = append(left, strconv.Itoa(pid))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: processes %s still running after %v", what, strings.Join(left, " "), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// netns runs claudebox -- readlink /proc/self/ns/net and says how long the
// run took: claudebox ends with its command, not with the keeper it leaves.
func netns(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	start := time.Now()
	out := mustRun(t, env, dir, append(args, "--", "readlink", "/proc/self/ns/net")...)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("claudebox took %v: something it left behind holds its output open", d)
	}
	return strings.TrimSpace(out)
}

// TestNetworkShared: the runs of one project share a network, another
// project has its own, and the keepers outlive the runs.
func TestNetworkShared(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 60)
	other := filepath.Join(filepath.Dir(dir), "other")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	first := netns(t, env, dir)
	n, ok := noted(t, runDir, dir)
	if !ok {
		t.Fatal("no note of the project's network after a run")
	}
	stopKeeper(t, n)
	second := netns(t, env, dir)
	elsewhere := netns(t, env, other)
	if m, ok := noted(t, runDir, other); ok {
		stopKeeper(t, m)
	}
	host, _ := os.Readlink("/proc/self/ns/net")
	if first == "" || first != second || first == elsewhere || first == host || elsewhere == host {
		t.Errorf("network namespaces: project %q then %q, other project %q, host %q", first, second, elsewhere, host)
	}
	if again, _ := noted(t, runDir, dir); again != n || !alive(n.keeper) || !alive(n.holder) || slirpOf(n.holder) == 0 {
		t.Errorf("the network is not kept between runs: noted %+v then %+v", n, again)
	}
	// --audit names the network a run would join.
	a := runAudit(t, env, dir, "x86_64", "--", "true")
	if a.Network.Keeper.HolderPID == nil || *a.Network.Keeper.HolderPID != n.holder ||
		!contains(a.Exec, "--net=/proc/"+strconv.Itoa(n.holder)+"/ns/net") {
		t.Errorf("--audit with the network up: keeper %+v, exec %v", a.Network.Keeper, a.Exec[:4])
	}
	// The note is the user's own.
	st, err := os.Stat(filepath.Join(runDir, "claudebox"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("run directory: %v %v, want mode 0700", st.Mode(), err)
	}
}

// TestNetworkKeptWhileUsed: with no idle time, the network still stays
// while a run is in it (tap0 goes when slirp4netns does).
func TestNetworkKeptWhileUsed(t *testing.T) {
	t.Parallel()
	env, dir, _ := keeperEnv(t, 0)
	out := mustRun(t, env, dir, "--", "sh", "-c", "sleep 4; cat /proc/net/dev")
	if !strings.Contains(out, "tap0:") {
		t.Errorf("after 4 s the sandbox lost its network:\n%s", out)
	}
}

// firstRun runs claudebox -- true in dir and returns the network it made
// (whose keeper the test's end stops, if it still runs).
func firstRun(t *testing.T, env []string, dir, runDir string) network {
	t.Helper()
	mustRun(t, env, dir, "--", "true")
	n, ok := noted(t, runDir, dir)
	if !ok {
		t.Fatal("no note of the project's network after a run")
	}
	stopKeeper(t, n)
	return n
}

// TestNetworkEnds: once unused for CLAUDEBOX_NET_IDLE seconds, the keeper,
// the namespaces' holder and slirp4netns end, and the note goes.
func TestNetworkEnds(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 2)
	n := firstRun(t, env, dir, runDir)
	slirp := slirpOf(n.holder)
	if slirp == 0 {
		t.Fatal("no slirp4netns for the network")
	}
	waitGone(t, "2 s after the last run", 20*time.Second, n.keeper, n.holder, slirp)
	if _, ok := noted(t, runDir, dir); ok {
		t.Error("the note outlived the network")
	}
}

// TestNetworkEndsWithProject: a keeper whose project is gone ends early.
func TestNetworkEndsWithProject(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 600)
	n := firstRun(t, env, dir, runDir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	waitGone(t, "the project removed", 20*time.Second, n.keeper, n.holder)
}

// TestNetworkNeverJoinedStale: a note whose holder is gone, or names a
// process that is not the one noted (a reused PID), is not joined: the run
// gets a new network.
func TestNetworkNeverJoinedStale(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 60)
	before := netns(t, env, dir)
	n, ok := noted(t, runDir, dir)
	if !ok {
		t.Fatal("no note of the project's network after a run")
	}
	stopKeeper(t, n)
	// The keeper killed outright: its holder and slirp4netns end with it.
	slirp := slirpOf(n.holder)
	if err := syscall.Kill(n.keeper, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, "the keeper killed", 10*time.Second, n.keeper, n.holder, slirp)
	if _, ok := noted(t, runDir, dir); !ok {
		t.Fatal("the killed keeper's note is gone: the test needs it stale")
	}
	after := netns(t, env, dir)
	m, ok := noted(t, runDir, dir)
	// The run is in the new holder's namespace. (Not "another inode than
	// before": the old namespace is gone, and the kernel may give its
	// inode number to the new one, as it did once here.)
	newNS, _ := os.Readlink("/proc/" + strconv.Itoa(m.holder) + "/ns/net")
	if !ok || m.holder == n.holder || after != newNS {
		t.Fatalf("after the keeper was killed: note %+v (was %+v), the run's namespace %s, the new holder's %s (before: %s)", m, n, after, newNS, before)
	}
	stopKeeper(t, m)

	// A live process under the noted PID, started at another time: a
	// sleep of the test's, which is in the host's namespaces.
	sleep := exec.Command("sleep", "600")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Process.Kill()
	note := filepath.Join(runDir, "claudebox", "net"+strings.ReplaceAll(strings.ReplaceAll(dir, "%", "%25"), "/", "%2F"))
	forged := fmt.Sprintf("%d %d %d\n%s\n", sleep.Process.Pid, m.start, m.keeper, dir)
	if err := os.WriteFile(note, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	third := netns(t, env, dir)
	host, _ := os.Readlink("/proc/self/ns/net")
	if third == host || third == after {
		t.Errorf("with a note naming another process, the run's network namespace is %s (host %s, previous %s)", third, host, after)
	}
	if k, ok := noted(t, runDir, dir); ok {
		stopKeeper(t, k)
		if k.holder == sleep.Process.Pid {
			t.Error("the forged note was kept")
		}
	}
}

// toolDir is a PATH directory with the system's tools of the given names
// (symbolic links) and scripts standing in for others.
func toolDir(t *testing.T, real []string, fake map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range real {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range fake {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestNetworkFailsClosed: when the network cannot be made (its routes or
// slirp4netns fail, a tool is missing), the command never runs, claudebox
// says why in one line, and nothing is left running or noted.
func TestNetworkFailsClosed(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 60)
	all := []string{"bwrap", "bash", "nsenter", "unshare", "ip", "cat", "slirp4netns", "flock", "mkdir", "rm", "readlink"}
	without := func(name string) []string {
		var out []string
		for _, n := range all {
			if n != name {
				out = append(out, n)
			}
		}
		return out
	}
	tests := []struct {
		name string
		bin  string
		want string
	}{
		{"routes fail", toolDir(t, without("ip"), map[string]string{"ip": "echo 'RTNETLINK answers: Operation not permitted' >&2; exit 2"}),
			`^claudebox: the sandbox's network could not be set up: could not add the blackhole routes for 127\.0\.0\.0/8 169\.254\.0\.0/16 .* \(RTNETLINK answers: Operation not permitted\); or pass --share-host-net`},
		{"slirp4netns fails", toolDir(t, without("slirp4netns"), map[string]string{"slirp4netns": "echo 'open(\"/dev/net/tun\"): No such device' >&2; exit 1"}),
			`^claudebox: the sandbox's network could not be set up: slirp4netns could not connect the network namespace .* \(open\("/dev/net/tun"\): No such device\); or pass --share-host-net`},
		{"slirp4netns missing", toolDir(t, without("slirp4netns"), nil),
			`^claudebox: slirp4netns is not installed, and the sandbox's own network needs it; install it \(Debian: apt-get install slirp4netns\)`},
		{"nsenter missing", toolDir(t, without("nsenter"), nil),
			`^claudebox: nsenter is not installed, and the sandbox's own network needs it; install it \(Debian: apt-get install util-linux\)`},
	}
	// The control: with every tool, the command runs (and makes a network).
	control := filepath.Join(dir, "ran-control")
	if r := claudebox(t, append(env, "PATH="+toolDir(t, all, nil)), dir, "--", "bash", "-c", `: >"$0"`, control); r.Code != 0 {
		t.Fatalf("control: exit %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(control); err != nil {
		t.Fatalf("control: %v", err)
	}
	n, ok := noted(t, runDir, dir)
	if !ok {
		t.Fatal("control: no network noted")
	}
	syscall.Kill(n.keeper, syscall.SIGTERM)
	waitGone(t, "the control's keeper", 10*time.Second, n.keeper)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := filepath.Join(dir, "ran-"+strings.ReplaceAll(tt.name, " ", "-"))
			r := claudebox(t, append(env, "PATH="+tt.bin), dir, "--", "bash", "-c", `: >"$0"`, marker)
			if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !regexp.MustCompile(tt.want).MatchString(r.Stderr) {
				t.Errorf("exit %d, stderr %q; want exit 1 and one line matching %s", r.Code, r.Stderr, tt.want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the command ran")
			}
			if n, ok := noted(t, runDir, dir); ok {
				t.Errorf("a network is noted: %+v", n)
			}
		})
	}
	// Nothing of the failed keepers is left: no slirp4netns serves a
	// namespace no one can join.
	time.Sleep(200 * time.Millisecond)
	ents, _ := os.ReadDir(filepath.Join(runDir, "claudebox"))
	for _, e := range ents {
		if e.Name() != ".lock" { // the lock file of first runs stays
			t.Errorf("left in the run directory: %s", e.Name())
		}
	}
}

// TestNetworkOutlivesJobSignals: what is sent to the run's process group
// (Ctrl-C, Ctrl-Z, and SIGTERM as `timeout` and `kill %1` send it) is for
// the command, not for the keeper started from it, whose network other
// runs may be using.
func TestNetworkOutlivesJobSignals(t *testing.T) {
	t.Parallel()
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGTSTP} {
		t.Run(sig.String(), func(t *testing.T) {
			// A project of its own: this run starts the keeper, from its
			// own process group.
			env, dir, runDir := keeperEnv(t, 60)
			nap := "3600." + strconv.Itoa(os.Getpid()) + strconv.Itoa(i) // a sleep no one else runs
			cmd := exec.Command("bash", script, "--", "sleep", nap)
			cmd.Env, cmd.Dir = env, dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a job of its own, as a shell makes it
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			waitForProcess(t, "sleep\x00"+nap)
			n, ok := noted(t, runDir, dir)
			if !ok {
				t.Fatal("no note of the project's network")
			}
			stopKeeper(t, n)
			if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
				t.Fatal(err)
			}
			if sig == syscall.SIGTSTP {
				time.Sleep(300 * time.Millisecond)
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ends the stopped job
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("claudebox -- sleep did not end on %v", sig)
			}
			time.Sleep(200 * time.Millisecond)
			for what, pid := range map[string]int{"keeper": n.keeper, "holder": n.holder, "slirp4netns": slirpOf(n.holder)} {
				if f := statFields(pid); pid == 0 || len(f) == 0 || f[0] == "Z" || f[0] == "T" {
					t.Errorf("after %v to the run's group, the network's %s (pid %d) is %v", sig, what, pid, f[:min(1, len(f))])
				}
			}
		})
	}
}

// TestNetworkRunDirChecked: a run directory that is not the user's own
// directory (here a symbolic link elsewhere) is refused, in one line.
func TestNetworkRunDirChecked(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 0)
	if err := os.Symlink(t.TempDir(), filepath.Join(runDir, "claudebox")); err != nil {
		t.Fatal(err)
	}
	r := claudebox(t, env, dir, "--", "true")
	want := regexp.MustCompile(`^claudebox: .*/claudebox is not a directory of yours, and the keeper of the sandbox's network notes it there; (remove it, or set XDG_RUNTIME_DIR to another directory of yours|ask its owner or root to remove it, or set XDG_RUNTIME_DIR to a directory of yours)\n$`)
	if r.Code != 1 || !want.MatchString(r.Stderr) {
		t.Errorf("symbolic link: exit %d, stderr %q", r.Code, r.Stderr)
	}
	if os.Getuid() != 0 {
		return
	}
	// Someone else's directory, with a note naming a live process with
	// its right start time: never believed (as root, nsenter could join
	// any process's namespaces).
	other := filepath.Join(t.TempDir(), "run")
	os.Mkdir(other, 0o755)
	foreign := filepath.Join(other, "claudebox")
	if err := os.Mkdir(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "600")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Process.Kill()
	name := "net" + strings.ReplaceAll(strings.ReplaceAll(dir, "%", "%25"), "/", "%2F")
	note := fmt.Sprintf("%d %s %d\n%s\n", sleep.Process.Pid, statFields(sleep.Process.Pid)[19], sleep.Process.Pid, dir)
	if err := os.WriteFile(filepath.Join(foreign, name), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(foreign, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	os.Chown(filepath.Join(foreign, name), 65534, 65534)
	// XDG_RUNTIME_DIR is root's own; its claudebox directory is not.
	r = claudebox(t, append(env, "XDG_RUNTIME_DIR="+other), dir, "--", "true")
	if r.Code != 1 || !want.MatchString(r.Stderr) {
		t.Errorf("someone else's directory: exit %d, stderr %q", r.Code, r.Stderr)
	}
}

// TestNetworkHostAddressLater: an address the host gains while a network
// is kept is blackholed in it too, within the keeper's tick.
func TestNetworkHostAddressLater(t *testing.T) {
	t.Parallel()
	bin := claudeDir(t)
	home := userHome(t, os.Getuid())
	dir := filepath.Join(home, "src", "app")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(baseEnv(home, bin), "CLAUDEBOX_NET_IDLE=60") // a keeper that stays (tick: 5 s)
	const later = "tcp:203.0.113.9:7005"
	probe := []string{"report", marker, later, outbound}
	res := runHarness(t, harnessConfig{UID: os.Getuid(), Home: home, Dir: dir, Env: env, Runs: [][]string{
		probe, // makes the network
		{"!addr", "203.0.113.9/32", "203.0.113.9:7005", "6s"},
		probe, // joins it
		append([]string{"--share-host-net"}, probe...),
	}})
	var reps [4]report
	for _, i := range []int{0, 2, 3} {
		if r := res.Runs[i]; r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &reps[i]) != nil {
			t.Fatalf("run %d: exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	if reps[0].NetNS != reps[2].NetNS {
		t.Fatalf("the second run has another network (%s, %s): the keeper did not stay", reps[0].NetNS, reps[2].NetNS)
	}
	if got := reps[2].Paths[later]; got == "connected" {
		t.Errorf("%s, on an address the host gained after the network was made, is reachable from the sandbox", later)
	}
	if got := reps[2].Paths[outbound]; got != "connected" {
		t.Errorf("%s from the sandbox: %q, want connected", outbound, got)
	}
	if got := reps[3].Paths[later]; got != "connected" {
		t.Errorf("control: %s with --share-host-net: %q, want connected", later, got)
	}
}

// TestNetworkConcurrentFirstRuns: first runs of one project started at
// once share one network (one of them makes it, under a lock, the others
// wait and join it), and its keeper ends.
func TestNetworkConcurrentFirstRuns(t *testing.T) {
	t.Parallel()
	// A few seconds of idle time: the last of the runs may join well after
	// the first (on a slow machine), and with none the keeper could retire
	// in between.
	env, dir, runDir := keeperEnv(t, 3)
	const n = 4
	results := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			cmd := exec.Command("bash", script, "--", "sh", "-c", "grep -c tap0 /proc/net/dev; readlink /proc/self/ns/net")
			cmd.Env, cmd.Dir = env, dir
			out, err := cmd.CombinedOutput()
			code := 0
			if err != nil {
				code = -1
			}
			results <- result{Stdout: string(out), Code: code}
		}()
	}
	namespaces := map[string]int{}
	for i := 0; i < n; i++ {
		r := <-results
		count, ns, _ := strings.Cut(r.Stdout, "\n")
		if r.Code != 0 || count != "1" {
			t.Errorf("a concurrent first run: exit %d, output %q", r.Code, r.Stdout)
		}
		namespaces[ns]++
	}
	if len(namespaces) != 1 {
		t.Errorf("%d first runs started at once got %d networks: %v", n, len(namespaces), namespaces)
	}
	// The keeper ends (CLAUDEBOX_NET_IDLE=3): nothing is left noted.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, ok := noted(t, runDir, dir); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a network is still noted 20 s after the runs ended")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNetworkNotePlace: where the keeper notes a network. XDG_RUNTIME_DIR
// when it is the user's own and not a shared sticky directory, else
// /tmp/claudebox-UID; never inside what the sandbox can write; a name in
// bytes, so a long path of non-ASCII letters gets a checksum name and works.
func TestNetworkNotePlace(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 0)
	state := func(env []string, dir string) string {
		return runAudit(t, env, dir, "x86_64", "--", "true").Network.Keeper.State
	}
	if got := state(env, dir); !strings.HasPrefix(got, filepath.Join(runDir, "claudebox", "net%2F")) {
		t.Errorf("note with XDG_RUNTIME_DIR=%s: %s", runDir, got)
	}
	sticky := t.TempDir()
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	fallback := fmt.Sprintf("/tmp/claudebox-%d/net%%2F", os.Getuid())
	if got := state(append(env, "XDG_RUNTIME_DIR="+sticky), dir); !strings.HasPrefix(got, fallback) {
		t.Errorf("note with a sticky XDG_RUNTIME_DIR: %s, want %s...", got, fallback)
	}
	inside := filepath.Join(dir, "run")
	if err := os.Mkdir(inside, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, xdg := range []string{inside, "/" + inside} { // a leading // is / too
		r := claudebox(t, append(env, "XDG_RUNTIME_DIR="+xdg), dir, "--", "true")
		if r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: XDG_RUNTIME_DIR ("+inside+") is inside the project or Claude's config") ||
			strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("XDG_RUNTIME_DIR=%s inside the project: exit %d, stderr %q", xdg, r.Code, r.Stderr)
		}
	}
	// 100 two-byte letters twice: 400 bytes of name, 200 characters.
	long := filepath.Join(dir, strings.Repeat("é", 100), strings.Repeat("ü", 100))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	utf8 := append(env, "LANG=C.UTF-8")
	sum := sha256.Sum256([]byte(long + "\n"))
	if got := state(utf8, long); got != filepath.Join(runDir, "claudebox", "netsha256-"+hex.EncodeToString(sum[:])) {
		t.Errorf("note of a long non-ASCII path: %s", got)
	}
	if out := mustRun(t, utf8, long, "--", "sh", "-c", "grep -c tap0 /proc/net/dev"); out != "1\n" {
		t.Errorf("a run in a long non-ASCII path: %q", out)
	}
}

// TestNetworkStartAbandoned: a run killed while its keeper is still making
// the network leaves nothing: the keeper, finding no one to tell, ends and
// removes its note and its files.
func TestNetworkStartAbandoned(t *testing.T) {
	t.Parallel()
	env, dir, runDir := keeperEnv(t, 60)
	real, err := exec.LookPath("slirp4netns")
	if err != nil {
		t.Skip(err)
	}
	bin := toolDir(t, []string{"bwrap", "bash", "nsenter", "unshare", "ip", "cat", "flock", "mkdir", "rm", "readlink", "sleep"},
		map[string]string{"slirp4netns": "sleep 2; exec " + real + ` "$@"`})
	cmd := exec.Command("bash", script, "--", "true")
	cmd.Env, cmd.Dir = append(env, "PATH="+bin), dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the keeper is waiting for slirp4netns
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ents, _ := os.ReadDir(filepath.Join(runDir, "claudebox"))
		var left []string
		for _, e := range ents {
			if e.Name() != ".lock" {
				left = append(left, e.Name())
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15 s after its run was killed, the keeper left %v", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNixDaemonChoice: the Nix daemon's socket (made by the harness) goes
// in by default, but for root (whom the daemon trusts); --no-nix-daemon
// leaves it out, --nix-daemon puts it in.
func TestNixDaemonChoice(t *testing.T) {
	uids := []int{os.Getuid()}
	if os.Getuid() == 0 {
		uids = append(uids, 65534)
	}
	for _, uid := range uids {
		t.Run("uid"+strconv.Itoa(uid), func(t *testing.T) {
			home := userHome(t, uid)
			dir := filepath.Join(home, "app")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			chownTree(t, home, uid)
			env := baseEnv(home, claudeDir(t))
			res := runHarness(t, harnessConfig{UID: uid, Home: home, Dir: dir, Env: env, NixSocket: true, Runs: [][]string{
				{"--audit", "--", "true"}, {"--no-nix-daemon", "--audit", "--", "true"}, {"--nix-daemon", "--audit", "--", "true"},
				{"--", "sh", "-c", "test -S " + nixDaemonSocket + " && echo in || echo out"},
			}})
			in := func(r result) bool {
				var a audit
				if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &a) != nil {
					t.Fatalf("--audit: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
				}
				for _, m := range a.Mounts {
					if m.Target == nixDaemonSocket {
						return a.Env["NIX_REMOTE"] == "daemon"
					}
				}
				return false
			}
			def := uid != 0
			if got := in(res.Runs[0]); got != def {
				t.Errorf("by default: socket in %v, want %v", got, def)
			}
			if in(res.Runs[1]) {
				t.Error("--no-nix-daemon: the socket is in")
			}
			if !in(res.Runs[2]) {
				t.Error("--nix-daemon: the socket is not in")
			}
			want := map[bool]string{true: "in\n", false: "out\n"}[def]
			if got := res.Runs[3].Stdout; got != want {
				t.Errorf("the socket seen from inside by default: %q, want %q (exit %d, %s)", got, want, res.Runs[3].Code, res.Runs[3].Stderr)
			}
		})
	}
}

// TestOwnLoopbackWorks: the blackhole route for 127.0.0.0/8 (against
// sockets bound to tap0) leaves the sandbox's own loopback working: a
// server and a client inside, by TCP and UDP, on 127.0.0.1 and 127.0.0.5.
func TestOwnLoopbackWorks(t *testing.T) {
	t.Parallel()
	env, dir, _ := keeperEnv(t, 0)
	bin := claudeDir(t)
	out := mustRun(t, env, dir, "--", "claude", "report", marker, "loopback:")
	var rep struct{ Paths map[string]string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := rep.Paths["loopback:"]; got != "tcp ok, udp ok" {
		t.Errorf("the sandbox's own loopback: %q (stand-in at %s)", got, bin)
	}
}
