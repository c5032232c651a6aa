//go:build linux

package nar

import (
	"fmt"
	"syscall"
	"unsafe"
)

// readFileInto reads the len(buf) bytes of the regular file at path into buf.
//
// It makes raw system calls, which the Go scheduler does not track: a tree
// is tens of thousands of open/read/close calls of a few microseconds each,
// and tracked calls cost more than that in scheduler hand-offs when several
// goroutines make them. Files come from the page cache or a local disk, so a
// call cannot hold its thread for long.
func readFileInto(path string, buf []byte) ([]byte, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var fd uintptr
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(p)),
			uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return nil, fmt.Errorf("open %s: %w", path, errno)
		}
		fd = r
		break
	}
	defer syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	for off := 0; off < len(buf); {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[off])), uintptr(len(buf)-off))
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return nil, fmt.Errorf("read %s: %w", path, errno)
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: file changed size while being read", path)
		}
		off += int(n)
	}
	return buf, nil
}

// atFDCWD is AT_FDCWD (-100): open relative to the working directory.
const atFDCWD = ^uintptr(99)

// readRegularAt opens name in the directory dirfd and, if it is a regular
// file of at most max bytes, reads it whole. Opening relative to the
// directory and then fstat-ing the open file replaces lstat and open of the
// full path: two path walks fewer per file. ok is false, with no error, when
// name is not such a file and the caller must look at it by path.
func readRegularAt(dirfd int, name string, max int64) (buf []byte, exec bool, mtime int64, ok bool, err error) {
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return nil, false, 0, false, err
	}
	var fd uintptr
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
			uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			// Not a file we can open as one (a symlink that appeared,
			// a fifo...): the caller finds out by path.
			return nil, false, 0, false, nil
		}
		fd = r
		break
	}
	defer syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	var st syscall.Stat_t
	if _, _, errno := syscall.RawSyscall(syscall.SYS_FSTAT, fd, uintptr(unsafe.Pointer(&st)), 0); errno != 0 {
		return nil, false, 0, false, fmt.Errorf("stat %s: %w", name, errno)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size > max {
		return nil, false, 0, false, nil
	}
	buf = getBuf(st.Size)
	for off := 0; off < len(buf); {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[off])), uintptr(len(buf)-off))
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return nil, false, 0, false, fmt.Errorf("read %s: %w", name, errno)
		}
		if n == 0 {
			return nil, false, 0, false, fmt.Errorf("%s: file changed size while being read", name)
		}
		off += int(n)
	}
	return buf, st.Mode&0o100 != 0, st.Mtim.Sec, true, nil
}
