package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	udiff "github.com/aymanbagabas/go-udiff"
)

// Write writes each file under dir when its bytes differ from what is there,
// and returns the paths it wrote. A file is written to a temporary file in the
// same directory and renamed into place, so a reader never sees half a file.
// mode applies to new files; an existing file keeps its mode.
func Write(dir string, files []File, mode fs.FileMode) (written []string, err error) {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(p)
		if err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, fmt.Errorf("reading %s: %v", p, unwrapPath(err))
		}
		m := mode
		if st, err := os.Stat(p); err == nil {
			m = st.Mode().Perm()
		}
		if err := WriteAtomic(p, f.Data, m); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

// WriteAtomic writes data to path through a temporary file and a rename.
func WriteAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %v", dir, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %v", path, unwrapPath(werr))
	}
	return nil
}

// Diff returns a unified diff from each file under dir to its rendered bytes,
// empty when all are up to date. A missing file diffs as empty.
func Diff(dir string, files []File) (string, error) {
	var out bytes.Buffer
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("reading %s: %v", p, unwrapPath(err))
		}
		if bytes.Equal(old, f.Data) {
			continue
		}
		out.WriteString(udiff.Unified(p, p+" (rendered)", string(old), string(f.Data)))
	}
	return out.String(), nil
}

// unwrapPath drops the *PathError's own copy of the path, which the caller's
// message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
