package claudebox_test

// The seccomp filter in claudebox.sh is classic BPF written out as byte
// literals (the package needs no compiler or helper file). They are made
// here, from the program below with labels, so that nobody counts jump
// offsets by hand: TestSeccompSource fails when the script's bytes differ,
// and `go test ./base-flake/claudebox -run TestSeccompSource -update`
// writes them into the script. TestSeccompFilter (behaviour_test.go) runs
// the result on every ABI, and the sandbox tests run it in the kernel.

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "write the generated seccomp programs into claudebox.sh")

// insn is one instruction; jumps name their targets by label ("" is the
// next instruction).
type insn struct {
	op      string // ld, and, jeq, jge, jgt, jset, ret
	k       uint32
	jt, jf  string
	label   string // this instruction's own label
	comment string
}

const (
	retAllow  = 0x7fff0000 // SECCOMP_RET_ALLOW
	retEPERM  = 0x00050001 // SECCOMP_RET_ERRNO | EPERM
	retENOSYS = 0x00050026 // SECCOMP_RET_ERRNO | ENOSYS
	suidSgid  = 0o6000     // S_ISUID | S_ISGID
	creates   = 0o100 | 0o20000000
)

// abi is one system call table: the numbers the filter looks at.
type abi struct {
	name                                string
	ioctl                               []uint32
	chmod, fchmod, fchmodat, fchmodat2  uint32 // 0: none
	open, creat, mknod, openat, mknodat uint32
	openat2, ioUring, addKey            uint32 // io_uring_setup and add_key: the first of three
}

// calls is the part of the program for one ABI; the number is in the
// accumulator. Labels are prefixed so that two ABIs can share a program.
func calls(a abi, p string) []insn {
	var out []insn
	for _, nr := range a.ioctl {
		out = append(out, insn{op: "jeq", k: nr, jt: "ioctl", comment: "ioctl"})
	}
	add := func(nr uint32, target, name string) {
		if nr != 0 {
			out = append(out, insn{op: "jeq", k: nr, jt: target, comment: name})
		}
	}
	add(a.chmod, "mode1", "chmod")
	add(a.fchmod, "mode1", "fchmod")
	add(a.fchmodat, "mode2", "fchmodat")
	add(a.fchmodat2, "mode2", "fchmodat2")
	add(a.creat, "mode1", "creat")
	add(a.mknod, "mode1", "mknod")
	add(a.mknodat, "mode2", "mknodat")
	add(a.open, "open", "open")
	add(a.openat, "openat", "openat")
	add(a.openat2, "enosys", "openat2: ENOSYS (its mode is in a struct), as unknown calls")
	out = append(out,
		insn{op: "jge", k: a.ioUring, jf: p + "keys", comment: fmt.Sprintf("io_uring_setup (%d) ...", a.ioUring)},
		insn{op: "jgt", k: a.ioUring + 2, jf: "deny", comment: fmt.Sprintf("... io_uring_register (%d): deny", a.ioUring+2)},
		insn{op: "jge", k: a.addKey, jf: "allow", label: p + "keys", comment: fmt.Sprintf("add_key (%d) ..., else allow", a.addKey)},
		insn{op: "jgt", k: a.addKey + 2, jt: "allow", jf: "deny", comment: fmt.Sprintf("... keyctl (%d): deny", a.addKey+2)},
	)
	return out
}

// tail is shared by every ABI: the argument checks and the verdicts.
// seccomp_data: 0 number, 4 arch, 16 + 8n argument n (low 32 bits first).
func tail() []insn {
	return []insn{
		{label: "ioctl", op: "ld", k: 24, comment: "ioctl's request (low 32 bits)"},
		{op: "jeq", k: 0x5412, jt: "deny", comment: "TIOCSTI"},
		{op: "jeq", k: 0x541c, jt: "deny", jf: "allow", comment: "TIOCLINUX, else allow"},
		{label: "open", op: "ld", k: 24, comment: "open's flags, argument 1"},
		{op: "jset", k: creates, jt: "mode2", jf: "allow", comment: "O_CREAT|__O_TMPFILE: the mode, else allow"},
		{label: "openat", op: "ld", k: 32, comment: "openat's flags, argument 2"},
		{op: "jset", k: creates, jf: "allow", comment: "O_CREAT|__O_TMPFILE: the mode, else allow"},
		{op: "ld", k: 40, comment: "the mode, argument 3"},
		{op: "jset", k: suidSgid, jt: "deny", jf: "allow", comment: "S_ISUID|S_ISGID, else allow"},
		{label: "mode1", op: "ld", k: 24, comment: "the mode, argument 1"},
		{op: "jset", k: suidSgid, jt: "deny", jf: "allow", comment: "S_ISUID|S_ISGID, else allow"},
		{label: "mode2", op: "ld", k: 32, comment: "the mode, argument 2"},
		{op: "jset", k: suidSgid, jt: "deny", comment: "S_ISUID|S_ISGID, else allow"},
		{label: "allow", op: "ret", k: retAllow, comment: "SECCOMP_RET_ALLOW"},
		{label: "deny", op: "ret", k: retEPERM, comment: "SECCOMP_RET_ERRNO | EPERM"},
		{label: "enosys", op: "ret", k: retENOSYS, comment: "SECCOMP_RET_ERRNO | ENOSYS"},
	}
}

// program is the whole filter for a machine: its native ABI and the 32-bit
// one its kernel also runs. x32 (x86_64 numbers with bit 30 set, arch
// x86_64) shares the native table; its own ioctl is 514.
func program(hosttype string) []insn {
	var (
		native, compat         abi
		nativeArch, compatArch uint32
		nativeName, compatName string
		x32                    bool
	)
	switch hosttype {
	case "x86_64":
		nativeArch, nativeName, compatArch, compatName, x32 = 0xc000003e, "AUDIT_ARCH_X86_64", 0x40000003, "AUDIT_ARCH_I386", true
		native = abi{name: "x86_64", ioctl: []uint32{16, 514}, chmod: 90, fchmod: 91, fchmodat: 268, fchmodat2: 452,
			open: 2, creat: 85, mknod: 133, openat: 257, mknodat: 259, openat2: 437, ioUring: 425, addKey: 248}
		compat = abi{name: "i386", ioctl: []uint32{54}, chmod: 15, fchmod: 94, fchmodat: 306, fchmodat2: 452,
			open: 5, creat: 8, mknod: 14, openat: 295, mknodat: 297, openat2: 437, ioUring: 425, addKey: 286}
	case "aarch64":
		nativeArch, nativeName, compatArch, compatName = 0xc00000b7, "AUDIT_ARCH_AARCH64", 0x40000028, "AUDIT_ARCH_ARM"
		native = abi{name: "aarch64", ioctl: []uint32{29}, fchmod: 52, fchmodat: 53, fchmodat2: 452,
			openat: 56, mknodat: 33, openat2: 437, ioUring: 425, addKey: 217}
		compat = abi{name: "arm", ioctl: []uint32{54}, chmod: 15, fchmod: 94, fchmodat: 333, fchmodat2: 452,
			open: 5, creat: 8, mknod: 14, openat: 322, mknodat: 324, openat2: 437, ioUring: 425, addKey: 309}
	default:
		return nil
	}
	prog := []insn{
		{op: "ld", k: 4, comment: "arch"},
		{op: "jeq", k: compatArch, jt: "compat", comment: compatName},
		{op: "jeq", k: nativeArch, jf: "allow", comment: nativeName + ", else allow"},
		{op: "ld", k: 0, comment: "syscall number"},
	}
	if x32 {
		prog = append(prog, insn{op: "and", k: 0xbfffffff, comment: "without the x32 bit"})
	}
	prog = append(prog, calls(native, "n")...)
	c := calls(compat, "c")
	prog = append(prog, insn{op: "ld", k: 0, label: "compat", comment: compat.name + ": syscall number"})
	prog = append(prog, c...)
	return append(prog, tail()...)
}

var opcodes = map[string]uint16{"ld": 0x20, "and": 0x54, "jeq": 0x15, "jge": 0x35, "jgt": 0x25, "jset": 0x45, "ret": 0x06}

// assemble gives the program's bytes and its lines for the script.
func assemble(t *testing.T, prog []insn) (code []byte, lines []string) {
	t.Helper()
	at := map[string]int{}
	for i, in := range prog {
		if in.label != "" {
			if _, dup := at[in.label]; dup {
				t.Fatalf("label %s twice", in.label)
			}
			at[in.label] = i
		}
	}
	offset := func(i int, label string) uint8 {
		if label == "" {
			return 0
		}
		to, ok := at[label]
		if !ok || to <= i || to-i-1 > 255 {
			t.Fatalf("instruction %d: bad jump to %q", i, label)
		}
		return uint8(to - i - 1)
	}
	for i, in := range prog {
		op, ok := opcodes[in.op]
		if !ok {
			t.Fatalf("unknown op %s", in.op)
		}
		var jt, jf uint8
		var text string
		switch in.op {
		case "ld":
			text = fmt.Sprintf("ld  [%d]", in.k)
		case "and", "ret":
			text = fmt.Sprintf("%s %#x", in.op, in.k)
		default:
			jt, jf = offset(i, in.jt), offset(i, in.jf)
			k := fmt.Sprint(in.k)
			if in.k >= 0x400 {
				k = fmt.Sprintf("%#x", in.k)
			}
			text = fmt.Sprintf("%s %s, %d, %d", in.op, k, jt, jf)
		}
		b := []byte{byte(op), byte(op >> 8), jt, jf, byte(in.k), byte(in.k >> 8), byte(in.k >> 16), byte(in.k >> 24)}
		code = append(code, b...)
		var lit strings.Builder
		for _, x := range b {
			fmt.Fprintf(&lit, `\x%02x`, x)
		}
		lines = append(lines, strings.TrimRight(fmt.Sprintf("  bpf+='%s' # %2d: %-26s %s", lit.String(), i, text, in.comment), " "))
	}
	return code, lines
}

// TestSeccompSource: the byte literals in claudebox.sh are the programs
// above (with -update, it writes them there).
func TestSeccompSource(t *testing.T) {
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	changed := false
	for _, arch := range []string{"x86_64", "aarch64"} {
		_, want := assemble(t, program(arch))
		start := -1
		for i, l := range lines {
			if l == arch+")" {
				start = i + 1
				break
			}
		}
		if start < 0 {
			t.Fatalf("no %s) case in the script", arch)
		}
		end := start
		for end < len(lines) && strings.HasPrefix(lines[end], "  bpf+='") {
			end++
		}
		got := lines[start:end]
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			continue
		}
		if !*update {
			t.Errorf("the %s filter in claudebox.sh is not the generated one; run go test ./base-flake/claudebox -run TestSeccompSource -update\nwant:\n%s", arch, strings.Join(want, "\n"))
			continue
		}
		lines = append(lines[:start], append(append([]string{}, want...), lines[end:]...)...)
		changed = true
	}
	if changed {
		if err := os.WriteFile(script, []byte(strings.Join(lines, "\n")), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
