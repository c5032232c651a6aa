package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/system1/devbox/render"
)

// ApplyFixes applies the first suggested fix of each diagnostic to the files
// on disk (paths as in the diagnostics, relative to the current directory).
// Edits of one file are applied together, highest offset first; overlapping
// edits of a file are skipped after the first. A file is replaced whole (a
// temporary file renamed into place) and only when its bytes change. It
// returns the files written or created.
func ApplyFixes(ds []Diagnostic) ([]string, error) {
	byFile := map[string][]TextEdit{}
	var files []string
	for _, d := range ds {
		if len(d.Fixes) == 0 {
			continue
		}
		for _, e := range d.Fixes[0].Edits {
			if byFile[e.File] == nil {
				files = append(files, e.File)
			}
			byFile[e.File] = append(byFile[e.File], e)
		}
	}
	sort.Strings(files)
	// Compute every file's new bytes before writing any.
	type change struct {
		name string
		data []byte
		mode fs.FileMode
	}
	var changes []change
	for _, name := range files {
		old, err := os.ReadFile(name)
		mode := fs.FileMode(0o644)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			old = nil
		case err != nil:
			return nil, fmt.Errorf("%s: %v", name, unwrapPathError(err))
		default:
			if st, err := os.Stat(name); err == nil {
				mode = st.Mode().Perm()
			}
		}
		data, err := applyEdits(old, byFile[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if !bytes.Equal(data, old) || (old == nil && data != nil) {
			changes = append(changes, change{name, data, mode})
		}
	}
	var written []string
	for _, c := range changes {
		if err := render.WriteAtomic(c.name, c.data, c.mode); err != nil {
			return written, err
		}
		written = append(written, c.name)
	}
	return written, nil
}

func applyEdits(src []byte, edits []TextEdit) ([]byte, error) {
	edits = append([]TextEdit(nil), edits...)
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Offset != edits[j].Offset {
			return edits[i].Offset > edits[j].Offset
		}
		return edits[i].End > edits[j].End
	})
	out := append([]byte(nil), src...)
	limit := len(src) + 1
	for _, e := range edits {
		if e.Offset < 0 || e.End < e.Offset || e.End > len(src) {
			return nil, fmt.Errorf("edit [%d,%d) outside the file's %d bytes", e.Offset, e.End, len(src))
		}
		if e.End > limit {
			continue // overlaps an edit already applied
		}
		out = append(out[:e.Offset:e.Offset], append([]byte(e.NewText), out[e.End:]...)...)
		limit = e.Offset
	}
	return out, nil
}
