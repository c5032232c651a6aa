//go:build !unix

package nar

import (
	"fmt"
	"io"
	"os"
)

// readFile reads the size bytes of the regular file at path.
func readFile(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("%s: file changed size while being read", path)
	}
	return buf, nil
}
