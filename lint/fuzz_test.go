package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// FuzzLint: flake.nix and flake.lock come from the repository being linted,
// possibly an untrusted pull request. Any bytes give diagnostics of one line
// each at positions inside the files, never a panic; fixes stay in range.
func FuzzLint(f *testing.F) {
	nixes, _ := filepath.Glob("testdata/src/*/flake.nix")
	locks, _ := filepath.Glob("testdata/src/*/flake.lock")
	for i, n := range nixes {
		nix, _ := os.ReadFile(n)
		lock, _ := os.ReadFile(locks[i%len(locks)])
		f.Add(nix, lock)
	}
	f.Fuzz(func(t *testing.T, nix, lock []byte) {
		fsys := fstest.MapFS{
			"flake.nix":  &fstest.MapFile{Data: nix, Mode: 0o644},
			"flake.lock": &fstest.MapFile{Data: lock, Mode: 0o644},
		}
		res, err := Run([]Tree{{FS: fsys, Start: ".", Staged: true}}, Options{Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Diagnostics {
			if strings.Contains(d.Message, "internal error") {
				t.Errorf("a rule panicked: %s", d.Message)
			}
			if strings.ContainsAny(d.Message, "\n\r") {
				t.Errorf("diagnostic of more than one line: %q", d.Message)
			}
			size := len(nix)
			if d.File == "flake.lock" {
				size = len(lock)
			}
			if d.Start.Line < 1 || d.Start.Column < 1 || d.Start.Offset > size || d.End.Offset > size {
				t.Errorf("position out of the file: %v", d)
			}
			for _, fx := range d.Fixes {
				for _, e := range fx.Edits {
					if e.File == "flake.nix" {
						if _, err := applyEdits(nix, []TextEdit{e}); err != nil {
							t.Errorf("fix out of range: %v", err)
						}
					}
				}
			}
		}
	})
}
