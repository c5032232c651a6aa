package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: Read never panics, and whatever it accepts, Marshal writes and
// Read takes back, and writing that again gives the same bytes.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.lock"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version": 7, "root": "root", "nodes": {"root": {}}}`))
	f.Add([]byte(`{"version": 5, "root": "r", "nodes": {"r": {"inputs": {"a": "a", "b": ["a"]}}, "a": {"locked": {"type": "path", "path": "/x"}, "info": {"narHash": "sha256-AA", "lastModified": 3}, "original": {"type": "path", "path": "/x"}, "flake": false}}}`))
	for _, tc := range readErrors {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Read(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		out, err := l.Marshal()
		if err != nil {
			t.Fatalf("Read accepted what Marshal rejects: %v\n%s", err, data)
		}
		again, err := Read(out)
		if err != nil {
			t.Fatalf("Read rejects what Marshal wrote: %v\n%s", err, out)
		}
		out2, err := again.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("write, read, write changed the lock (%v):\n%s\nthen\n%s", err, out, out2)
		}
	})
}
