//go:build !amd64

package main

import "syscall"

// legacy: other ABIs (aarch64) have only openat and mknodat.
func legacy(string, func(string, uintptr, syscall.Errno), func(string) uintptr) {}
