// Command claude is the stand-in for Claude Code in claudebox's tests: run
// inside the sandbox, it reports as JSON what it can see and do.
//
//	claude report MARKER PATH...  environment, uid, cwd, processes, the
//	                              fate of each PATH (read, list or connect),
//	                              the files of $HOME, and every place MARKER
//	                              occurs in a readable file, variable or
//	                              process environment
//	claude tty                    what TIOCSTI and TIOCLINUX do on a
//	                              terminal that is its controlling tty
//
// The marker comes in as an argument so that this binary, which the file
// scan also reads, does not contain it.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: claude report MARKER PATH... | claude tty")
		os.Exit(2)
	}
	var out any
	switch os.Args[1] {
	case "report":
		out = report(os.Args[2], os.Args[3:])
	case "tty":
		out = tty()
	case "tty-child":
		out = ttyChild()
	case "keys":
		out = keys()
	case "io_uring":
		out = ioURing()
	case "setuid-files":
		out = setuidFiles(os.Args[2])
	default:
		fmt.Fprintf(os.Stderr, "claude (stand-in): unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

// Report is what `claude report` prints.
type Report struct {
	UID, GID int
	CapEff   string // effective capabilities, from /proc/self/status
	Cwd      string
	NetNS    string // the network namespace, as readlink /proc/self/ns/net shows it
	Env      map[string]string
	Procs    map[string]string // pid -> cmdline, as /proc shows them
	Paths    map[string]string // path -> "absent", "read", "list: a b", "connected" or the error
	Home     []string          // every entry under $HOME, relative, sorted
	Markers  []string          // where the marker was found
}

func report(marker string, paths []string) Report {
	r := Report{UID: os.Getuid(), GID: os.Getgid(), Env: map[string]string{},
		Procs: map[string]string{}, Paths: map[string]string{}}
	r.Cwd, _ = os.Getwd()
	r.NetNS, _ = os.Readlink("/proc/self/ns/net")
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			r.CapEff = strings.TrimSpace(v)
		}
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		r.Env[k] = v
		if strings.Contains(v, marker) {
			r.Markers = append(r.Markers, "env:"+k)
		}
	}
	// Command lines are not scanned: the sandbox's own (bwrap's and this
	// one's) carry the marker argument.
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		r.Procs[e.Name()] = strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		environ, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		if bytes.Contains(environ, []byte(marker)) {
			r.Markers = append(r.Markers, "/proc/"+e.Name()+"/environ")
		}
	}
	for _, p := range paths {
		r.Paths[p] = probe(p)
	}
	home := os.Getenv("HOME")
	_ = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if rel, _ := filepath.Rel(home, p); rel != "." {
			r.Home = append(r.Home, rel)
		}
		return nil
	})
	sort.Strings(r.Home)
	// Every readable file outside the system trees, looked at for the marker.
	skip := map[string]bool{"/proc": true, "/sys": true, "/dev": true, "/usr": true, "/nix/store": true}
	_ = filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && skip[p] {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 8<<20 {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && bytes.Contains(data, []byte(marker)) {
			r.Markers = append(r.Markers, "file:"+p)
		}
		return nil
	})
	return r
}

// probe says what this process can do with path: read a file, list a
// directory, connect to a socket. A path of the form tcp:HOST:PORT or
// abstract:NAME is a TCP address or an abstract Unix socket (@NAME) to
// connect to instead.
func probe(path string) string {
	if addr, ok := strings.CutPrefix(path, "tcp:"); ok {
		return dial("tcp", addr)
	}
	// The same from a socket bound to tap0 (SO_BINDTODEVICE, which needs no
	// privilege): the kernel then skips the loopback's local route and
	// sends even 127.0.0.1 out of tap0. UDP only sends (no answer comes).
	for _, network := range []string{"tcp", "udp"} {
		if addr, ok := strings.CutPrefix(path, network+"-tap0:"); ok {
			d := net.Dialer{Timeout: 2 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
				var serr error
				if err := c.Control(func(fd uintptr) { serr = syscall.BindToDevice(int(fd), "tap0") }); err != nil {
					return err
				}
				return serr
			}}
			c, err := d.Dial(network, addr)
			if err != nil {
				return err.Error()
			}
			defer c.Close()
			if network == "udp" {
				if _, err := c.Write([]byte("from the sandbox")); err != nil {
					return err.Error()
				}
				return "sent"
			}
			return "connected"
		}
	}
	if addr, ok := strings.CutPrefix(path, "udp:"); ok {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return err.Error()
		}
		defer c.Close()
		if _, err := c.Write([]byte("control")); err != nil {
			return err.Error()
		}
		return "sent"
	}
	if path == "dns:" {
		return dns()
	}
	if path == "loopback:" {
		return loopback()
	}
	if name, ok := strings.CutPrefix(path, "abstract:"); ok {
		return dial("unix", "@"+name)
	}
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Connect anyway: the answer must be that there is nothing to reach.
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return "connected"
		}
		return "absent"
	}
	if err != nil {
		return err.Error()
	}
	switch {
	case info.Mode()&fs.ModeSocket != 0:
		c, err := net.DialTimeout("unix", path, time.Second)
		if err != nil {
			return err.Error()
		}
		c.Close()
		return "connected"
	case info.IsDir():
		ents, err := os.ReadDir(path)
		if err != nil {
			return err.Error()
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return "list: " + strings.Join(names, " ")
	default:
		if _, err := os.ReadFile(path); err != nil {
			return err.Error()
		}
		return "read"
	}
}

// tty opens a new pseudo-terminal and runs tty-child in a new session with
// the terminal as its controlling tty: the setting in which TIOCSTI works
// for an unprivileged process when nothing blocks it.
func tty() map[string]string {
	fail := func(step string, err error) map[string]string {
		return map[string]string{"error": step + ": " + err.Error()}
	}
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail("open /dev/ptmx", err)
	}
	defer ptmx.Close()
	var unlock int32
	if err := ioctl(ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		return fail("unlockpt", err)
	}
	var n uint32
	if err := ioctl(ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		return fail("ptsname", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail("open pts", err)
	}
	defer pts.Close()
	self, err := os.Executable()
	if err != nil {
		return fail("executable", err)
	}
	cmd := exec.Command(self, "tty-child")
	cmd.Stdin = pts
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	out, err := cmd.Output()
	if err != nil {
		return fail("tty-child", err)
	}
	var res map[string]string
	if err := json.Unmarshal(out, &res); err != nil {
		return fail("tty-child output", err)
	}
	return res
}

const tioclinux = 0x541c

func ttyChild() map[string]string {
	c := []byte("x")
	var ws [4]uint16
	sub := []byte{7} // TIOCL_GETMOUSEREPORTING
	res := map[string]string{
		"tiocgwinsz": errString(ioctl(0, syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))),
		"tiocsti":    errString(ioctl(0, syscall.TIOCSTI, uintptr(unsafe.Pointer(&c[0])))),
		// The kernel reads the command as 32 bits: a filter that compared
		// all 64 would let this through.
		"tiocsti_high_bits": errString(ioctl(0, 1<<32|syscall.TIOCSTI, uintptr(unsafe.Pointer(&c[0])))),
		"tioclinux":         errString(ioctl(0, tioclinux, uintptr(unsafe.Pointer(&sub[0])))),
	}
	return res
}

// dns sends a datagram to port 53 of the first nameserver in
// /etc/resolv.conf and says "answered" when one comes back.
func dns() string {
	conf, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "nameserver" {
			c, err := net.Dial("udp", net.JoinHostPort(f[1], "53"))
			if err != nil {
				return err.Error()
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Write([]byte("query")); err != nil {
				return err.Error()
			}
			buf := make([]byte, 64)
			if _, err := c.Read(buf); err != nil {
				return err.Error()
			}
			return "answered"
		}
	}
	return "no nameserver"
}

// dial connects and says "connected", or why not.
func dial(network, addr string) string {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err.Error()
	}
	c.Close()
	return "connected"
}

func ioctl(fd, req, arg uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg); errno != 0 {
		return errno
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// keys tries the kernel keyring calls: add_key to the process keyring,
// keyctl for the session keyring's id, request_key of a key no one has.
// Each is "ok" or the error.
func keys() map[string]string {
	out := map[string]string{}
	str := func(s string) uintptr {
		p, _ := syscall.BytePtrFromString(s)
		return uintptr(unsafe.Pointer(p))
	}
	result := func(e syscall.Errno) string {
		if e == 0 {
			return "ok"
		}
		return e.Error()
	}
	payload := []byte("x")
	const processKeyring, sessionKeyring = ^uintptr(1), ^uintptr(2) // KEY_SPEC_PROCESS_KEYRING (-2), KEY_SPEC_SESSION_KEYRING (-3)
	_, _, e := syscall.Syscall6(syscall.SYS_ADD_KEY, str("user"), str("claudebox-test"), uintptr(unsafe.Pointer(&payload[0])), 1, processKeyring, 0)
	out["add_key"] = result(e)
	_, _, e = syscall.Syscall(syscall.SYS_KEYCTL, 0, sessionKeyring, 0) // KEYCTL_GET_KEYRING_ID, no create
	out["keyctl"] = result(e)
	_, _, e = syscall.Syscall6(syscall.SYS_REQUEST_KEY, str("user"), str("claudebox-no-such-key"), 0, 0, 0, 0)
	out["request_key"] = result(e)
	return out
}

// ioURing tries io_uring_setup (425 on every Linux ABI) for a ring of one
// entry: "ok" or the error.
func ioURing() string {
	params := make([]byte, 120) // struct io_uring_params, zeroed
	fd, _, e := syscall.Syscall(425, 1, uintptr(unsafe.Pointer(&params[0])), 0)
	if e != 0 {
		return e.Error()
	}
	syscall.Close(int(fd))
	return "ok"
}

// setuidFiles makes files in dir with S_ISUID or S_ISGID in their mode at
// creation, by every call that can (umask 0): for each, "ok" with the
// special bits the file got, or the error. "plain" is a control: a 0644
// file by open.
func setuidFiles(dir string) map[string]string {
	syscall.Umask(0)
	out := map[string]string{}
	done := func(name string, fd uintptr, e syscall.Errno) {
		if e != 0 {
			out[name] = e.Error()
			return
		}
		if int(fd) > 2 {
			syscall.Close(int(fd))
		}
		var st syscall.Stat_t
		path := dir + "/" + name
		if err := syscall.Stat(path, &st); err != nil {
			out[name] = "ok, but " + err.Error()
			return
		}
		out[name] = fmt.Sprintf("ok %#o", st.Mode&0o6000)
		os.Remove(path)
	}
	str := func(s string) uintptr { p, _ := syscall.BytePtrFromString(s); return uintptr(unsafe.Pointer(p)) }
	const atFDCWD = ^uintptr(99) // AT_FDCWD (-100)
	fd, _, e := syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, str(dir+"/plain"), syscall.O_CREAT|syscall.O_WRONLY, 0o644, 0, 0)
	done("plain", fd, e)
	fd, _, e = syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, str(dir+"/openat"), syscall.O_CREAT|syscall.O_WRONLY, 0o4755, 0, 0)
	done("openat", fd, e)
	fd, _, e = syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, str(dir+"/openat-setgid"), syscall.O_CREAT|syscall.O_WRONLY, 0o2755, 0, 0)
	done("openat-setgid", fd, e)
	fd, _, e = syscall.Syscall6(syscall.SYS_MKNODAT, atFDCWD, str(dir+"/mknodat"), syscall.S_IFREG|0o4755, 0, 0, 0)
	done("mknodat", fd, e)
	// open_how: flags, mode, resolve (u64 each).
	how := [3]uint64{syscall.O_CREAT | syscall.O_WRONLY, 0o4755, 0}
	fd, _, e = syscall.Syscall6(437, atFDCWD, str(dir+"/openat2"), uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how), 0, 0)
	done("openat2", fd, e)
	// O_TMPFILE: an unnamed file, named by linkat.
	fd, _, e = syscall.Syscall6(syscall.SYS_OPENAT, atFDCWD, str(dir), 0o20200000|syscall.O_WRONLY, 0o4755, 0, 0)
	if e == 0 {
		_, _, e = syscall.Syscall6(syscall.SYS_LINKAT, fd, str(""), atFDCWD, str(dir+"/tmpfile"), 0x1000 /* AT_EMPTY_PATH */, 0)
	}
	done("tmpfile", fd, e)
	// The calls only some ABIs have (x86_64: open, creat, mknod).
	legacy(dir, done, str)
	return out
}

// loopback serves and connects on this network namespace's own loopback,
// by TCP on 127.0.0.1 and UDP on 127.0.0.5.
func loopback() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "tcp listen: " + err.Error()
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	tcp := "tcp ok"
	if c, err := net.DialTimeout("tcp", l.Addr().String(), 2*time.Second); err != nil {
		tcp = "tcp: " + err.Error()
	} else {
		buf := make([]byte, 2)
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
			tcp = fmt.Sprintf("tcp read: %q %v", buf, err)
		}
		c.Close()
	}
	udp := "udp ok"
	u, err := net.ListenPacket("udp", "127.0.0.5:0")
	if err != nil {
		return tcp + ", udp listen: " + err.Error()
	}
	defer u.Close()
	if c, err := net.Dial("udp", u.LocalAddr().String()); err != nil {
		udp = "udp: " + err.Error()
	} else {
		c.Write([]byte("x"))
		c.Close()
		buf := make([]byte, 1)
		u.SetDeadline(time.Now().Add(2 * time.Second))
		if _, _, err := u.ReadFrom(buf); err != nil {
			udp = "udp read: " + err.Error()
		}
	}
	return tcp + ", " + udp
}
