// Tests of claudebox.sh with the real bubblewrap and a stand-in claude
// (testdata/claude) that reports what it can see and do from inside.
//
// Fake secrets live in a temporary HOME. Those that live outside any home
// (/run/user/UID, /run/tailscale, /var/lib/tailscale, the Nix daemon socket,
// /etc/nix/nix.conf) are created in tmpfs mounts of an outer bwrap, so no test
// writes to the machine's real /run, /var or /etc.
package claudebox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/system1/devbox/internal/oracle"
)

// marker is in every fake secret; the stand-in gets it as an argument and
// reports every file, variable and process environment that contains it.
const marker = "CLAUDEBOX-SECRET"

const harnessVar = "CLAUDEBOX_TEST_HARNESS"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(harnessVar); cfg != "" {
		os.Exit(harness(cfg))
	}
	code := m.Run()
	if standIn.dir != "" {
		os.RemoveAll(standIn.dir)
	}
	os.Exit(code)
}

var script = func() string {
	p, err := filepath.Abs("claudebox.sh")
	if err != nil {
		panic(err)
	}
	return p
}()

var standIn struct {
	once sync.Once
	dir  string
	err  error
}

// claudeDir builds the stand-in claude once, statically, into a directory
// every user can read (tests also run it as nobody).
func claudeDir(t *testing.T) string {
	t.Helper()
	standIn.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		dir, err := os.MkdirTemp("", "claudebox-bin-")
		if err != nil {
			standIn.err = err
			return
		}
		standIn.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			standIn.err = err
			return
		}
		cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "claude"), "./testdata/claude")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			standIn.err = fmt.Errorf("building the stand-in claude: %v\n%s", err, out)
		}
		// A tool next to claude that must not become visible with it.
		standIn.err = errors.Join(standIn.err, os.WriteFile(filepath.Join(dir, "gpg"), []byte("#!/bin/sh\n"), 0o755),
			os.WriteFile(filepath.Join(dir, "beside-claude"), []byte("#!/bin/sh\n"), 0o755))
	})
	if standIn.err != nil {
		t.Fatal(standIn.err)
	}
	return standIn.dir
}

// hostPath is the PATH claudebox is started with: the stand-in first, then
// a directory with no runtime tool (Go), then the system.
func hostPath(bin string) string {
	return bin + ":" + filepath.Dir(goBinary()) + ":/usr/bin:/bin"
}

func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// baseEnv is a plain user's environment with no secrets in it.
// CLAUDEBOX_NET_IDLE=0: a network's keeper ends with its last run (and its
// project's directory), not minutes after the test.
func baseEnv(home, bin string) []string {
	return []string{"HOME=" + home, "PATH=" + hostPath(bin), "TERM=xterm", "LANG=C.UTF-8", "USER=" + currentUser(),
		"CLAUDEBOX_NET_IDLE=0"}
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

type result struct {
	Stdout, Stderr string
	Code           int
}

// claudebox runs the script with env in dir.
func claudebox(t *testing.T, env []string, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = env
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

func mustRun(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	requireNet(t)
	r := claudebox(t, env, dir, args...)
	if r.Code != 0 {
		t.Fatalf("claudebox %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), r.Code, r.Stderr, r.Stdout)
	}
	return r.Stdout
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// report mirrors the stand-in's Report.
type report struct {
	UID, GID int
	CapEff   string
	Cwd      string
	NetNS    string
	Env      map[string]string
	Procs    map[string]string
	Paths    map[string]string
	Home     []string
	Markers  []string
}

// A secret and where it would show up: files and sockets (which must be
// absent: not readable, not listable, not connectable) and variables.
type secret struct {
	name  string
	files []string // relative paths are under HOME
	vars  map[string]string
}

// secrets are every secret issue 8 names. Files under HOME are created by
// the test; sockets listen (in the harness) so that a reachable one would
// connect; paths outside HOME are created by the harness in tmpfs mounts.
func secrets(uid int) []secret {
	run := "/run/user/" + strconv.Itoa(uid)
	return []secret{
		{name: "ssh", files: []string{".ssh/id_ed25519", ".ssh/config", ".ssh/agent.sock"},
			vars: map[string]string{"SSH_AUTH_SOCK": "HOME/.ssh/agent.sock"}},
		{name: "gpg", files: []string{".gnupg/private-keys-v1.d/k.key", ".gnupg/S.gpg-agent",
			run + "/gnupg/S.gpg-agent", run + "/gnupg/S.gpg-agent.ssh"},
			vars: map[string]string{"GPG_AGENT_INFO": run + "/gnupg/S.gpg-agent:0:1"}},
		{name: "age-sops", files: []string{".age/key.txt", ".config/age/keys.txt", ".config/sops/age/keys.txt"},
			vars: map[string]string{"SOPS_AGE_KEY": marker + "-sops"}},
		{name: "aws", files: []string{".aws/credentials", ".aws/config"},
			vars: map[string]string{"AWS_ACCESS_KEY_ID": marker + "-aws-id", "AWS_SECRET_ACCESS_KEY": marker + "-aws",
				"AWS_SESSION_TOKEN": marker + "-aws-session"}},
		{name: "github", files: []string{".config/gh/hosts.yml", ".git-credentials", ".config/git/credentials"},
			vars: map[string]string{"GITHUB_TOKEN": marker + "-github", "GH_TOKEN": marker + "-gh"}},
		{name: "docker", files: []string{".docker/config.json", "/run/docker.sock", run + "/docker.sock"},
			vars: map[string]string{"DOCKER_HOST": "unix://" + run + "/docker.sock"}},
		{name: "kube", files: []string{".kube/config"}, vars: map[string]string{"KUBECONFIG": "HOME/.kube/config"}},
		{name: "netrc", files: []string{".netrc"}},
		{name: "gcloud", files: []string{".config/gcloud/application_default_credentials.json", "keys/gcp-sa.json"},
			vars: map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": "HOME/keys/gcp-sa.json"}},
		{name: "azure", files: []string{".azure/msal_token_cache.json", ".azure/azureProfile.json"},
			vars: map[string]string{"AZURE_CLIENT_SECRET": marker + "-azure", "AZURE_CLIENT_ID": marker + "-azure-id"}},
		{name: "tailscale", files: []string{"/var/lib/tailscale/tailscaled.state", "/run/tailscale/tailscaled.sock",
			"/var/run/tailscale/tailscaled.sock"}},
		{name: "run-user", files: []string{run, run + "/bus", run + "/keyring/control"},
			vars: map[string]string{"XDG_RUNTIME_DIR": run, "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + run + "/bus"}},
		{name: "history", files: []string{".bash_history", ".zsh_history", ".local/share/fish/fish_history",
			".python_history", ".node_repl_history", ".psql_history", ".mysql_history", ".lesshst"},
			vars: map[string]string{"HISTFILE": "HOME/.bash_history"}},
		{name: "other-credentials", files: []string{".npmrc", ".pypirc", ".cargo/credentials.toml", ".vault-token",
			".terraform.d/credentials.tfrc.json", ".password-store/bank.gpg", ".local/share/keyrings/login.keyring",
			".config/google-chrome/Default/Cookies", ".mozilla/firefox/p/cookies.sqlite", ".config/op/config"},
			vars: map[string]string{"NPM_TOKEN": marker + "-npm", "VAULT_TOKEN": marker + "-vault", "OPENAI_API_KEY": marker + "-openai"}},
		// The machine's own: checked, never created.
		{name: "system", files: []string{"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/.ssh", "/var/lib/docker",
			"/var/run/docker.sock", "/run/containerd/containerd.sock"}},
		{name: "tls-private-keys", files: []string{"/etc/ssl/private/ssl-cert-snakeoil.key"}},
		// The host's own Claude: its settings (hooks it runs), login, MCP
		// servers (with their tokens) and other projects' transcripts.
		// claudebox's config for the project is mounted at ~/.claude
		// instead.
		{name: "host-claude", files: []string{".claude/settings.json", ".claude/.credentials.json",
			".claude/projects/-home-u-other/session.jsonl", ".claude.json"}},
		{name: "nix-access-tokens", files: []string{".config/nix/nix.conf", "/etc/nix/tokens.conf"},
			vars: map[string]string{"NIX_CONFIG": "access-tokens = github.com=" + marker + "-nix-env"}},
	}
}

// isSocket says which fake secret files are listening sockets.
func isSocket(p string) bool {
	return strings.HasSuffix(p, ".sock") || strings.Contains(p, "S.gpg-agent") || strings.HasSuffix(p, "/bus") ||
		strings.HasSuffix(p, "/control")
}

const nixDaemonSocket = "/nix/var/nix/daemon-socket/socket"

// harnessConfig is what the test hands the harness (itself, re-executed
// inside an outer bwrap whose /run, /var/lib and /etc/nix are tmpfs).
type harnessConfig struct {
	UID     int
	Home    string
	Dir     string
	Env     []string
	Outside []string   // files and sockets to create outside HOME
	Sockets []string   // sockets under HOME to listen on
	Runs    [][]string // claudebox argument lists
	// NixSocket: the outer bwrap has a tmpfs at the daemon socket's
	// directory, so the harness can listen there.
	NixSocket bool
}

type harnessResult struct {
	Runs []result
	// SharedMountKept: a mount under a shared mount (as podman's network
	// namespaces under /run/netns are) was still there after the runs.
	SharedMountKept bool
	// Accepted counts the connections each of the host's listeners took,
	// Datagrams what its UDP service on the loopback (udpLoopback) got:
	// what reached the host, seen from the host.
	Accepted  map[string]int
	Datagrams []string
}

// The host's side of the network test: what its listeners saw.
var heard struct {
	sync.Mutex
	accepted  map[string]int
	datagrams []string
}

// udpLoopback is a UDP service on the host's loopback (statsd, syslog).
const udpLoopback = "127.0.0.1:7009"

// harness runs inside the outer bwrap: it creates the secrets outside HOME,
// listens on every socket, starts a process with a secret in its
// environment, then runs claudebox (as cfg.UID) once per cfg.Runs.
func harness(raw string) int {
	var cfg harnessConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		return 1
	}
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "harness:", err); return 1 }
	// The networks' keepers that claudebox leaves behind become the
	// harness's children, which it ends before it does.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail(err)
	}
	defer killChildren()
	outside := cfg.Outside
	if cfg.NixSocket {
		outside = append(outside, nixDaemonSocket)
	}
	for _, p := range outside {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fail(err)
		}
		if err := os.Chown(filepath.Dir(p), cfg.UID, cfg.UID); err != nil {
			return fail(err)
		}
		if filepath.Dir(p) == "/run/user" { // /run/user/UID itself
			if err := os.MkdirAll(p, 0o700); err != nil {
				return fail(err)
			}
			continue
		}
		if isSocket(p) || p == nixDaemonSocket {
			cfg.Sockets = append(cfg.Sockets, p)
			continue
		}
		if err := os.WriteFile(p, []byte(marker+" "+p), 0o600); err != nil {
			return fail(err)
		}
		if err := os.Chown(p, cfg.UID, cfg.UID); err != nil {
			return fail(err)
		}
	}
	for _, p := range cfg.Sockets {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			continue // the same socket by another name (/var/run is /run)
		}
		l, err := net.Listen("unix", p)
		if err != nil {
			return fail(err)
		}
		os.Chmod(p, 0o777)
		go serve(l)
	}
	internet, err := hostNetwork()
	if err != nil {
		return fail(err)
	}
	defer internet.Process.Kill()
	holder := exec.Command("sleep", "600")
	holder.Env = []string{"HOLDER_SECRET=" + marker + "-environ"}
	if err := holder.Start(); err != nil {
		return fail(err)
	}
	defer holder.Process.Kill()

	// A shared mount with a network namespace bind-mounted under it, as
	// podman and Docker keep theirs: nothing claudebox starts may unmount it.
	shared, err := os.MkdirTemp("", "claudebox-shared-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(shared)
	nsFile := filepath.Join(shared, "netns")
	if err := syscall.Mount("tmpfs", shared, "tmpfs", 0, "mode=0755"); err != nil {
		return fail(err)
	}
	defer syscall.Unmount(shared, syscall.MNT_DETACH)
	if err := syscall.Mount("", shared, "", syscall.MS_SHARED, ""); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(nsFile, nil, 0o644); err != nil {
		return fail(err)
	}
	if err := syscall.Mount("/proc/self/ns/net", nsFile, "", syscall.MS_BIND, ""); err != nil {
		return fail(err)
	}

	var res harnessResult
	for _, args := range cfg.Runs {
		if len(args) == 4 && args[0] == "!addr" {
			// The host gains an address (args[1]) with a service on it
			// (args[2]), then time passes (args[3]).
			if out, err := exec.Command("ip", "addr", "add", args[1], "dev", "eth0").CombinedOutput(); err != nil {
				return fail(fmt.Errorf("ip addr add %s: %v: %s", args[1], err, out))
			}
			l, err := net.Listen("tcp", args[2])
			if err != nil {
				return fail(err)
			}
			defer l.Close()
			go serve(l)
			d, _ := time.ParseDuration(args[3])
			time.Sleep(d)
			res.Runs = append(res.Runs, result{})
			continue
		}
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Env, cmd.Dir = cfg.Env, cfg.Dir
		if cfg.UID != os.Getuid() {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(cfg.UID), Gid: uint32(cfg.UID)}}
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		r := result{Stdout: stdout.String(), Stderr: stderr.String()}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			r.Code = exit.ExitCode()
		} else if err != nil {
			return fail(err)
		}
		res.Runs = append(res.Runs, r)
	}
	var st syscall.Statfs_t
	res.SharedMountKept = syscall.Statfs(nsFile, &st) == nil && st.Type == unix.NSFS_MAGIC
	time.Sleep(200 * time.Millisecond) // datagrams in flight
	heard.Lock()
	res.Accepted, res.Datagrams = heard.accepted, heard.datagrams
	heard.Unlock()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return fail(err)
	}
	return 0
}

// serve accepts connections on l and closes them, until l is closed.
func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		heard.Lock()
		if heard.accepted == nil {
			heard.accepted = map[string]int{}
		}
		heard.accepted[l.Addr().String()]++
		heard.Unlock()
		c.Close()
	}
}

// serveUDP records what the packet connection gets, until it is closed.
func serveUDP(c net.PacketConn) {
	buf := make([]byte, 512)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		heard.Lock()
		heard.datagrams = append(heard.datagrams, string(buf[:n]))
		heard.Unlock()
	}
}

// statFields is /proc/PID/stat split after the command name (which may
// hold spaces): state, ppid, ..., so field N of proc(5) is [N-3]; nil when
// there is no such process.
func statFields(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(stat)
	return strings.Fields(s[strings.LastIndex(s, ")")+1:])
}

// killChildren ends every child of this process (and, through them, what
// they hold: a keeper's namespace holder and slirp4netns end with it).
func killChildren() {
	self := strconv.Itoa(os.Getpid())
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields := statFields(pid); len(fields) > 1 && fields[1] == self {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	}
}

// The harness's network namespace stands in for the host's (see
// hostNetwork): services that must stay out of the sandbox's reach, and one
// that stands in for the internet.
var (
	// Reachable only through the host's network namespace: its loopback
	// (IPv4, IPv6, and slirp4netns's gateway 10.0.2.2, which leads to the
	// host's loopback unless told not to), an abstract Unix socket (X11's
	// kind) and the cloud metadata addresses.
	// And a service on the host's own network address (what a server
	// bound to 0.0.0.0 is reachable at), and on an address of a range the
	// host takes as its own (an AnyIP route: `ip route add local
	// 198.18.5.0/24 dev lo`).
	hostOnly = []string{"tcp:127.0.0.1:7001", "tcp:[::1]:7001", "tcp:10.0.2.2:7001", "abstract:claudebox-test-x11",
		"tcp:169.254.169.254:80", "tcp:169.254.170.2:80", "tcp:[fd00:ec2::254]:80", "tcp:100.100.100.200:80",
		"tcp:168.63.129.16:80", "tcp:192.0.2.2:7003", "tcp:198.18.5.77:7006"}
	// A server on another machine, reached through the host's eth0: what a
	// server on the internet looks like from the sandbox.
	outbound = "tcp:198.51.100.7:7002"
)

// hostNetwork makes the harness's own network namespace (the outer bwrap
// has --unshare-net, so nothing here touches the machine's) look like a
// host on a network: eth0 (a veth) with an address and a default route to
// another machine (a network namespace of its own, holding the "internet"
// address 198.51.100.7; the returned process keeps it, and is to be
// killed), the metadata addresses on lo, listeners on each, and a
// /dev/net/tun every user can open, as distributions ship it (slirp4netns
// needs it; some VMs make it root-only).
func hostNetwork() (*exec.Cmd, error) {
	ip, err := exec.LookPath("ip")
	if err != nil {
		return nil, err
	}
	run := func(args ...string) error {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "eth0", "type", "veth", "peer", "name", "peer0"},
		{"link", "set", "eth0", "up"},
		{"addr", "add", "192.0.2.2/24", "dev", "eth0"},
		{"route", "add", "default", "via", "192.0.2.1"},
		{"addr", "add", "169.254.169.254/32", "dev", "lo"},
		{"addr", "add", "169.254.170.2/32", "dev", "lo"},
		{"addr", "add", "100.100.100.200/32", "dev", "lo"},
		{"addr", "add", "168.63.129.16/32", "dev", "lo"},
		{"addr", "add", "fd00:ec2::254/128", "dev", "lo"},
		{"route", "add", "local", "198.18.5.0/24", "dev", "lo"},
	} {
		if err := run(append([]string{ip}, args...)...); err != nil {
			return nil, err
		}
	}
	// The other machine: peer0 moves into a network namespace of its own.
	internet := exec.Command("unshare", "--net", "sleep", "600")
	if err := internet.Start(); err != nil {
		return nil, err
	}
	self, _ := os.Readlink("/proc/self/ns/net")
	for i := 0; ; i++ {
		if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", internet.Process.Pid)); ns != "" && ns != self {
			break
		}
		if i == 1000 {
			internet.Process.Kill()
			return nil, errors.New("the internet namespace did not appear")
		}
		time.Sleep(time.Millisecond)
	}
	fail := func(err error) (*exec.Cmd, error) {
		internet.Process.Kill()
		return nil, err
	}
	pid := strconv.Itoa(internet.Process.Pid)
	if err := run(ip, "link", "set", "peer0", "netns", pid); err != nil {
		return fail(err)
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"}, {"link", "set", "peer0", "up"},
		{"addr", "add", "192.0.2.1/24", "dev", "peer0"},
		{"addr", "add", "198.51.100.7/32", "dev", "lo"},
	} {
		if err := run(append([]string{"nsenter", "--net=/proc/" + pid + "/ns/net", ip}, args...)...); err != nil {
			return fail(err)
		}
	}
	listen := func(network, addr string) error {
		l, err := net.Listen(network, addr)
		if err != nil {
			return err
		}
		go serve(l)
		return nil
	}
	for _, target := range hostOnly {
		network, addr, _ := strings.Cut(target, ":")
		switch {
		case network == "abstract":
			network, addr = "unix", "@"+addr
		case strings.HasPrefix(addr, "10.0.2.2:"):
			continue // the gateway: only slirp4netns's mapping could reach the host
		}
		if err := listen(network, addr); err != nil {
			return fail(err)
		}
	}
	udp, err := net.ListenPacket("udp", udpLoopback)
	if err != nil {
		return fail(err)
	}
	go serveUDP(udp)
	// The internet's server: its socket is made in the other machine's
	// namespace (a socket stays in the namespace it was made in).
	if err := inNetns("/proc/"+pid+"/ns/net", func() error { return listen("tcp", strings.TrimPrefix(outbound, "tcp:")) }); err != nil {
		return fail(err)
	}
	// The host's resolver on its loopback, as systemd-resolved's is (the
	// outer bwrap puts a resolv.conf naming it in place): it echoes.
	dns, err := net.ListenPacket("udp", "127.0.0.53:53")
	if err != nil {
		return fail(err)
	}
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := dns.ReadFrom(buf)
			if err != nil {
				return
			}
			dns.WriteTo(buf[:n], from)
		}
	}()
	if err := syscall.Mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755"); err != nil {
		return fail(fmt.Errorf("tmpfs on /dev/net: %v", err))
	}
	if err := syscall.Mknod("/dev/net/tun", syscall.S_IFCHR|0o666, 10<<8|200); err != nil {
		return fail(fmt.Errorf("mknod /dev/net/tun: %v", err))
	}
	if err := os.Chmod("/dev/net/tun", 0o666); err != nil {
		return fail(err)
	}
	return internet, nil
}

// inNetns runs f on a thread of its own that has joined the network
// namespace at path: sockets f makes stay in that namespace. The thread
// never serves anything else (it ends with its goroutine, still locked).
func inNetns(path string, f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		target, err := os.Open(path)
		if err != nil {
			done <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %v", path, err)
			return
		}
		done <- f()
	}()
	return <-done
}

// fakeNixConf is the machine's nix.conf in the harness: settings that must
// reach the sandbox, and tokens that must not.
const fakeNixConf = `# nix.conf
# access-tokens = github.com=` + marker + `-old-commented-out
experimental-features = nix-command flakes
access-tokens = github.com=` + marker + `-nix-conf
  extra-access-tokens   =   gitlab.com=` + marker + `-nix-extra
!include /etc/nix/tokens.conf
max-jobs = 3
substituters = https://cache.nixos.org # was: access-tokens = github.com=` + marker + `-trailing-comment
`

// requireNet: the tools of the sandbox's own network (and of the
// harness's), which claudebox refuses to run without.
func requireNet(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"slirp4netns", "ip", "unshare", "nsenter"} {
		oracle.Require(t, tool)
	}
}

// runHarness runs the harness as root inside an outer bwrap.
func runHarness(t *testing.T, cfg harnessConfig) harnessResult {
	t.Helper()
	bwrap := oracle.Require(t, "bwrap")
	requireNet(t)
	if os.Getuid() != 0 {
		t.Skip("the harness mounts tmpfs over /run and /var/lib, which needs root")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// tmpfs mounts over the machine's directories; a secret whose
	// directory is not under one of them is not created (it would land on
	// the real disk), and is then trivially absent.
	roots := []string{"/run", "/var/lib"}
	for _, dir := range []string{"/etc/ssl/private", "/etc/nix"} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			roots = append(roots, dir)
		}
	}
	if cfg.NixSocket {
		roots = append(roots, filepath.Dir(nixDaemonSocket))
	}
	var outside []string
	for _, p := range cfg.Outside {
		if under(resolveExisting(p), roots) {
			outside = append(outside, p)
		} else {
			t.Logf("not creating %s: no tmpfs over its directory on this machine", p)
		}
	}
	cfg.Outside = outside
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nixConf := filepath.Join(t.TempDir(), "nix.conf")
	writeFile(t, nixConf, fakeNixConf)
	os.Chmod(filepath.Dir(nixConf), 0o755)
	os.Chmod(nixConf, 0o644)
	// Its own network namespace, where the harness plays the host's
	// network (hostNetwork), with the capabilities to set it up.
	args := []string{"--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--cap-add", "ALL"}
	for _, root := range roots {
		args = append(args, "--tmpfs", root)
	}
	resolvConf := filepath.Join(filepath.Dir(nixConf), "resolv.conf")
	writeFile(t, resolvConf, "nameserver 127.0.0.53\noptions edns0\n")
	os.Chmod(resolvConf, 0o644)
	args = append(args, "--ro-bind", resolvConf, "/etc/resolv.conf")
	if contains(roots, "/etc/nix") {
		args = append(args, "--ro-bind", nixConf, "/etc/nix/nix.conf")
	}
	args = append(args, "--", self, "-test.run=^$")
	cmd := exec.Command(bwrap, args...)
	cmd.Env = append(os.Environ(), harnessVar+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, stderr.String())
	}
	var res harnessResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	return res
}

// userHome makes a HOME owned by uid in a directory uid can reach.
func userHome(t *testing.T, uid int) string {
	t.Helper()
	base, err := os.MkdirTemp("", "claudebox-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	return home
}

func chownTree(t *testing.T, root string, uid int) {
	t.Helper()
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSecretsInvisible fills a home and the machine with every kind of
// secret and runs the stand-in claude, with the project under HOME, as the
// current user and (when that is root) as nobody.
func TestSecretsInvisible(t *testing.T) {
	oracle.Require(t, "bwrap")
	uids := []int{os.Getuid()}
	if os.Getuid() == 0 {
		uids = append(uids, 65534)
	}
	for _, uid := range uids {
		t.Run("uid"+strconv.Itoa(uid), func(t *testing.T) { testSecretsInvisible(t, uid) })
	}
}

func testSecretsInvisible(t *testing.T, uid int) {
	bin := claudeDir(t)
	home := userHome(t, uid)
	project := filepath.Join(home, "src", "app")
	writeFile(t, filepath.Join(project, "README"), "the project\n")
	// claudebox's own config for this project, made by an earlier run.
	writeFile(t, filepath.Join(home, ".local", "share", "claudebox", "projects", strings.ReplaceAll(project, "/", "%2F"), "keep.json"), "{}\n")
	// Git's identity goes in; its credential helper and a token in a URL
	// rewrite do not.
	writeFile(t, filepath.Join(home, ".gitconfig"), "[core]\n\teditor = vim\n[user]\n\tname = \"Ada Lovelace\"\n"+
		"  email=ada@example.com  \n[credential]\n\thelper = store --file ~/.git-credentials\n"+
		"[url \"https://"+marker+"-url@github.com/\"]\n\tinsteadOf = https://github.com/\n[include]\n\tpath = ~/.gitconfig.secret\n")
	writeFile(t, filepath.Join(home, ".gitconfig.secret"), "[user]\n\tsigningkey = "+marker+"-signing\n")

	// A keeper that stays between the runs (with no idle time, it could
	// retire in the few milliseconds between two runs, and the second
	// report would not be a joining run); the harness ends it.
	env := append(baseEnv(home, bin), "CLAUDEBOX_NET_IDLE=60")
	var probePaths, outside, homeSockets []string
	all := secrets(uid)
	for _, s := range all {
		for _, f := range s.files {
			p := f
			if !filepath.IsAbs(f) {
				p = filepath.Join(home, f)
				if isSocket(p) {
					homeSockets = append(homeSockets, p)
				} else {
					writeFile(t, p, marker+" "+s.name+" "+f+"\n")
				}
			} else {
				outside = append(outside, p)
			}
			probePaths = append(probePaths, p)
		}
		for k, v := range s.vars {
			env = append(env, k+"="+strings.ReplaceAll(v, "HOME", home)+" "+marker)
		}
	}
	chownTree(t, home, uid)
	probePaths = append(probePaths, nixDaemonSocket, filepath.Join(project, "README"), bin, "/etc/nix/nix.conf")

	// From a socket bound to tap0, even 127.0.0.1 leaves through slirp4netns
	// (a review reached the host's loopback so, by UDP and TCP).
	tap0 := []string{"udp-tap0:" + udpLoopback, "tcp-tap0:127.0.0.1:7001"}
	probePaths = append(append(append(probePaths, hostOnly...), tap0...), outbound, "dns:")
	other := filepath.Join(home, "src", "other")
	writeFile(t, filepath.Join(other, "README"), "another project\n")
	chownTree(t, filepath.Join(home, "src"), uid)
	// As root the daemon's socket goes in only with --nix-daemon (the
	// daemon trusts root): the first report asks for it, the second
	// (the default) must not have it.
	var daemon []string
	if uid == 0 {
		daemon = []string{"--nix-daemon"}
	}
	runs := [][]string{append(append(daemon, "report", marker), probePaths...),
		{"--", "cat", "/etc/nix/nix.conf"}, {"--", "git", "config", "--global", "--list"},
		// The control of the network test: with the host's network the same
		// probes connect.
		append([]string{"--share-host-net", "report", marker}, append(hostOnly, outbound, "udp:"+udpLoopback)...),
		// A command that starts at once, in a project with no network yet,
		// finds its network up: it only runs once slirp4netns has
		// configured tap0.
		{"--project", other, "--", "cat", "/proc/net/dev"},
		// The first run made the project's network; this one joins it.
		append([]string{"report", marker}, probePaths...)}
	nix, nixErr := exec.LookPath("nix")
	if nixErr == nil {
		runs = append(runs, append(daemon, "--", nix, "--extra-experimental-features", "nix-command", "show-config"))
	}
	const sharedRun, netRun, warmRun, nixRun = 3, 4, 5, 6
	st, err := os.Stat(filepath.Dir(nixDaemonSocket))
	nixSocket := err == nil && st.IsDir()
	res := runHarness(t, harnessConfig{UID: uid, Home: home, Dir: project, Env: env,
		Outside: outside, Sockets: homeSockets, Runs: runs, NixSocket: nixSocket})
	if r := res.Runs[0]; r.Code != 0 {
		t.Fatalf("claudebox report: exit %d\n%s", r.Code, r.Stderr)
	}
	if r := res.Runs[netRun]; r.Code != 0 || !strings.Contains(r.Stdout, "tap0:") {
		t.Errorf("a command started at once has no network (exit %d):\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if !res.SharedMountKept {
		// As root, slirp4netns's sandbox once unmounted podman's network
		// namespaces on the host this way.
		t.Error("a mount under a shared mount of the host disappeared while claudebox ran")
	}
	var rep, warm report
	if err := json.Unmarshal([]byte(res.Runs[0].Stdout), &rep); err != nil {
		t.Fatalf("stand-in output: %v\n%s", err, res.Runs[0].Stdout)
	}
	if err := json.Unmarshal([]byte(res.Runs[warmRun].Stdout), &warm); err != nil {
		t.Fatalf("second report: exit %d, %v\n%s%s", res.Runs[warmRun].Code, err, res.Runs[warmRun].Stdout, res.Runs[warmRun].Stderr)
	}

	// The controls: the probe can connect, read and list, so "absent"
	// below is what the sandbox shows, not a broken probe.
	if got := rep.Paths[nixDaemonSocket]; nixSocket && got != "connected" {
		t.Errorf("the Nix daemon socket is the one host socket inside, but the probe got %q", got)
	}
	if got := warm.Paths[nixDaemonSocket]; nixSocket && uid == 0 && got != "absent" {
		t.Errorf("as root without --nix-daemon, the Nix daemon socket is inside: %q", got)
	}
	if got := rep.Paths[filepath.Join(project, "README")]; got != "read" {
		t.Errorf("project file: %q, want read", got)
	}

	for _, s := range all {
		t.Run(s.name, func(t *testing.T) {
			for _, f := range s.files {
				p := f
				if !filepath.IsAbs(p) {
					p = filepath.Join(home, f)
				}
				if got := rep.Paths[p]; got != "absent" {
					t.Errorf("%s is visible in the sandbox: %s", p, got)
				}
			}
			for k := range s.vars {
				if v, ok := rep.Env[k]; ok {
					t.Errorf("$%s is set in the sandbox: %q", k, v)
				}
			}
		})
	}
	t.Run("network", func(t *testing.T) {
		// The host's loopback, its abstract sockets and the metadata
		// addresses are out of reach; a server elsewhere is not. Both for
		// the run that made the project's network and for the one that
		// joined it.
		for run, rep := range map[string]report{"first run": rep, "second run": warm} {
			for _, target := range hostOnly {
				if got := rep.Paths[target]; got == "connected" {
					t.Errorf("%s: %s is reachable from the sandbox", run, target)
				}
			}
			if got := rep.Paths[outbound]; got != "connected" {
				t.Errorf("%s: %s (a server outside the host's loopback) from the sandbox: %q, want connected", run, outbound, got)
			}
			// DNS works (through slirp4netns's forwarder), although the
			// host's resolver is on its loopback.
			if got := rep.Paths["dns:"]; got != "answered" {
				t.Errorf("%s: DNS to the host's loopback resolver from the sandbox: %q, want answered", run, got)
			}
		}
		// With --share-host-net, the probes reach what they must not reach
		// by default: so "not connected" above is the sandbox, not a broken
		// probe or listener.
		shared := res.Runs[sharedRun]
		var srep report
		if err := json.Unmarshal([]byte(shared.Stdout), &srep); shared.Code != 0 || err != nil {
			t.Fatalf("claudebox --share-host-net report: exit %d, %v\n%s", shared.Code, err, shared.Stderr)
		}
		// The second run joined the first one's network, which is not the
		// host's.
		if rep.NetNS == "" || rep.NetNS != warm.NetNS || rep.NetNS == srep.NetNS {
			t.Errorf("network namespaces: first run %q, second %q, host %q; want the first two equal, not the host's",
				rep.NetNS, warm.NetNS, srep.NetNS)
		}
		// Seen from the host: only the control's datagram and connection
		// reached its loopback services, none of the sandbox's (those bound
		// to tap0 included).
		if strings.Join(res.Datagrams, ",") != "control" {
			t.Errorf("the host's UDP service on its loopback got %q, want only the control's", res.Datagrams)
		}
		if n := res.Accepted["127.0.0.1:7001"]; n != 1 {
			t.Errorf("the host's service on 127.0.0.1:7001 took %d connections, want 1 (the control's)", n)
		}
		for _, run := range []report{rep, warm} {
			for _, target := range tap0 {
				if got := run.Paths[target]; got == "connected" {
					t.Errorf("%s from the sandbox: %s", target, got)
				}
			}
		}
		for _, target := range append(hostOnly, outbound) {
			want := "connected"
			if strings.Contains(target, "10.0.2.2:") {
				continue // the gateway leads to the host only through slirp4netns
			}
			if got := srep.Paths[target]; got != want {
				t.Errorf("control: %s with --share-host-net: %q, want %q", target, got, want)
			}
		}
	})
	t.Run("no-marker-anywhere", func(t *testing.T) {
		// Every readable file outside /usr and /nix/store, every variable
		// and every visible process environment.
		if len(rep.Markers) > 0 {
			t.Errorf("secrets found in the sandbox at: %s", strings.Join(rep.Markers, ", "))
		}
	})
	t.Run("processes", func(t *testing.T) {
		// Only bwrap's init and the stand-in; the harness's secret holder
		// (sleep) and every other host process are in another pid namespace.
		if len(rep.Procs) > 2 {
			t.Errorf("the sandbox sees %d processes, want bwrap and the stand-in: %v", len(rep.Procs), rep.Procs)
		}
		for pid, cmd := range rep.Procs {
			if strings.HasPrefix(cmd, "sleep") {
				t.Errorf("host process %s (%s) visible", pid, cmd)
			}
		}
	})
	t.Run("environment-allowlist", func(t *testing.T) {
		var names []string
		for k := range rep.Env {
			names = append(names, k)
		}
		sort.Strings(names)
		want := []string{"CLAUDEBOX", "CLAUDE_CONFIG_DIR", "HOME", "LANG", "PATH", "PWD", "SHELL", "SSL_CERT_FILE", "TERM", "USER"}
		if nixSocket {
			want = append(want, "NIX_REMOTE")
			sort.Strings(want)
		}
		if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err != nil {
			want = remove(want, "SSL_CERT_FILE")
		}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("environment variables:\n got %v\nwant %v", names, want)
		}
		if rep.Env["HOME"] != home || rep.Env["CLAUDE_CONFIG_DIR"] != filepath.Join(home, ".claude") {
			t.Errorf("HOME=%q CLAUDE_CONFIG_DIR=%q, want %q and its .claude", rep.Env["HOME"], rep.Env["CLAUDE_CONFIG_DIR"], home)
		}
	})
	t.Run("path-only-runtime-tools", func(t *testing.T) {
		// The Go directory on the host PATH holds no runtime tool; the
		// stand-in's directory shows only claude, not the gpg beside it.
		if want := bin + ":/usr/bin"; rep.Env["PATH"] != want {
			t.Errorf("PATH = %q, want %q", rep.Env["PATH"], want)
		}
		if got := rep.Paths[bin]; got != "list: claude" {
			t.Errorf("%s in the sandbox: %q, want only claude", bin, got)
		}
	})
	t.Run("home-empty-but-config-and-project", func(t *testing.T) {
		for _, e := range rep.Home {
			if e != ".claude" && !strings.HasPrefix(e, ".claude/") && e != "src" && !strings.HasPrefix(e, "src/app") && e != ".gitconfig" {
				t.Errorf("unexpected entry in the sandbox's home: %s", e)
			}
		}
		if !contains(rep.Home, "src/app/README") || !contains(rep.Home, ".claude/keep.json") {
			t.Errorf("home misses the project or the config: %v", rep.Home)
		}
	})
	t.Run("uid-cwd-capabilities", func(t *testing.T) {
		// The user's own uid (files in the project stay theirs), and no
		// capability even when that uid is root.
		if rep.UID != uid || rep.Cwd != project || rep.CapEff != "0000000000000000" {
			t.Errorf("uid %d cwd %s CapEff %s, want %d %s and none", rep.UID, rep.Cwd, rep.CapEff, uid, project)
		}
	})
	t.Run("git-identity-only", func(t *testing.T) {
		if got := res.Runs[2]; got.Code != 0 || got.Stdout != "user.name=Ada Lovelace\nuser.email=ada@example.com\n" {
			t.Errorf("git config --global --list in the sandbox (exit %d):\n%s%s", got.Code, got.Stdout, got.Stderr)
		}
	})
	t.Run("nix-conf-filtered", func(t *testing.T) {
		if _, err := os.Stat("/etc/nix"); err != nil {
			t.Skip("no /etc/nix on this machine")
		}
		conf := res.Runs[1]
		if conf.Code != 0 || !strings.Contains(conf.Stdout, "experimental-features = nix-command flakes") ||
			!strings.Contains(conf.Stdout, "max-jobs = 3") || strings.Contains(conf.Stdout, marker) ||
			strings.Contains(conf.Stdout, "include") {
			t.Errorf("nix.conf in the sandbox (exit %d):\n%s%s", conf.Code, conf.Stdout, conf.Stderr)
		}
		if nixErr != nil {
			return
		}
		// Nix itself, inside, sees no token (nor NIX_CONFIG's).
		show := res.Runs[nixRun]
		if show.Code != 0 || strings.Contains(show.Stdout, marker) || !strings.Contains(show.Stdout, "access-tokens = \n") ||
			!strings.Contains(show.Stdout, "max-jobs = 3\n") {
			t.Errorf("nix show-config in the sandbox (exit %d):\n%s%s", show.Code, grep(show.Stdout, "access-tokens|max-jobs"), show.Stderr)
		}
	})
}

// resolveExisting resolves the symbolic links of p's longest existing
// ancestor (/var/run/x is /run/x on Debian).
func resolveExisting(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	if parent := filepath.Dir(p); parent != p {
		return filepath.Join(resolveExisting(parent), filepath.Base(p))
	}
	return p
}

func under(p string, roots []string) bool {
	for _, r := range roots {
		if strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

func remove(list []string, s string) []string {
	var out []string
	for _, e := range list {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func grep(text, alternatives string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for _, a := range strings.Split(alternatives, "|") {
			if strings.Contains(line, a) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
