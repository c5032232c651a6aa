package main

import "syscall"

// legacy makes setuid files by the calls x86_64 has besides openat and
// mknodat (see setuidFiles).
func legacy(dir string, done func(string, uintptr, syscall.Errno), str func(string) uintptr) {
	fd, _, e := syscall.Syscall(syscall.SYS_OPEN, str(dir+"/open"), syscall.O_CREAT|syscall.O_WRONLY, 0o4755)
	done("open", fd, e)
	fd, _, e = syscall.Syscall(syscall.SYS_CREAT, str(dir+"/creat"), 0o6755, 0)
	done("creat", fd, e)
	fd, _, e = syscall.Syscall(syscall.SYS_MKNOD, str(dir+"/mknod"), syscall.S_IFREG|0o4755, 0)
	done("mknod", fd, e)
}
