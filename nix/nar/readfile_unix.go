//go:build unix && !linux

package nar

import (
	"fmt"
	"syscall"
)

// readFile reads the size bytes of the regular file at path. It uses the
// system calls directly: os.Open's poller set-up costs more than the read
// itself for the small files that make up most source trees.
// readFileInto reads the len(buf) bytes of the regular file at path into buf.
func readFileInto(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer syscall.Close(fd)
	for off := 0; off < len(buf); {
		n, err := syscall.Read(fd, buf[off:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: file changed size while being read", path)
		}
		off += n
	}
	return buf, nil
}

// readRegularAt is the fast path of Linux; elsewhere files are read by path.
func readRegularAt(dirfd int, name string, max int64) (buf []byte, exec bool, mtime int64, ok bool, err error) {
	return nil, false, 0, false, nil
}
