//go:build unix

package nar_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/nix/nar"
)

func TestHashPathFifo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := nar.HashPath(dir, nixhash.SHA256)
	if !errors.Is(err, nar.ErrUnsupported) || !strings.Contains(err.Error(), "fifo' has an unsupported type") {
		t.Errorf("fifo: got %v, want Nix's \"has an unsupported type\"", err)
	}
}
