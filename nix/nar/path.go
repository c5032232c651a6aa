package nar

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"
)

// HashPath returns the hash of the NAR serialisation of path, as
// `nix hash path --type ALGO PATH` computes it. Like Nix it does not follow a
// symlink named by path itself, unless path ends in a slash.
func HashPath(path string, algo nixhash.Algorithm) (*nixhash.Hash, error) {
	h, _, err := HashPathModTime(path, algo)
	return h, err
}

// HashPathModTime is HashPath that also returns the newest mtime in the tree
// (of files, directories and symlinks alike, to the second): what Nix's path
// fetcher records as lastModified.
func HashPathModTime(path string, algo nixhash.Algorithm) (*nixhash.Hash, time.Time, error) {
	hw := newHashWriter(algo)
	defer hw.finish()
	mtime, err := writePath(hw, path)
	if err != nil {
		return nil, time.Time{}, err
	}
	h, err := hw.sum()
	return h, time.Unix(mtime, 0), err
}

// WritePath writes the NAR serialisation of path to w.
func WritePath(w io.Writer, path string) error {
	_, err := writePath(w, path)
	return err
}

func writePath(w io.Writer, path string) (mtime int64, err error) {
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		// "link/" names the directory the link points to, as in Nix.
		path += "."
	}
	e := &encoder{w: w}
	e.str(narMagic)
	if err := writePathNode(e, path, &mtime); err != nil {
		return 0, err
	}
	return mtime, e.err
}

// writePathNode writes the node at path and raises *mtime to its mtime and
// its descendants'.
//
// It is sequential on purpose: hashing a tree is mostly small system calls
// (lstat, open, read, close), and spreading them over goroutines was measured
// to cost more CPU in scheduling than it saved in wall time on a busy
// machine. Hashing runs on its own goroutine instead (see hashWriter).
func writePathNode(e *encoder, path string, mtime *int64) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if t := fi.ModTime().Unix(); t > *mtime {
		*mtime = t
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		exec := mode&0o100 != 0
		if fi.Size() > streamMin {
			return streamFile(e, path, fi.Size(), exec)
		}
		buf, err := readFileInto(path, getBuf(fi.Size()))
		if err != nil {
			return err
		}
		e.regularBytes(exec, buf)
		putBuf(buf)
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		e.symlink(target)
	case mode.IsDir():
		return writeDir(e, path, mtime)
	default:
		return fmt.Errorf("file '%s' %w", path, ErrUnsupported)
	}
	return e.err
}

// writeDir writes the directory at path. Its small regular files, which the
// directory listing already says are regular, are opened relative to the
// directory (see readRegularAt); everything else goes through writePathNode.
func writeDir(e *encoder, path string, mtime *int64) error {
	dir, err := os.Open(path)
	if err != nil {
		return err
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) }) // bytewise
	dirfd := -1
	e.start("directory")
	for _, ent := range entries {
		e.startEntry(ent.Name())
		done := false
		if ent.Type().IsRegular() {
			if dirfd < 0 {
				dirfd = int(dir.Fd())
			}
			buf, exec, t, ok, err := readRegularAt(dirfd, ent.Name(), streamMin)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if ok {
				e.regularBytes(exec, buf)
				putBuf(buf)
				*mtime = max(*mtime, t)
				done = true
			}
		}
		if !done {
			if err := writePathNode(e, filepath.Join(path, ent.Name()), mtime); err != nil {
				return err
			}
		}
		e.end()
	}
	e.end()
	return e.err
}

// streamMin is the size above which a file is streamed, not read whole.
const streamMin = 1 << 20

func streamFile(e *encoder, path string, size int64, exec bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	e.regular(exec, size, f)
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: file changed size while being read", path)
	}
	return e.err
}

// Buffers for file contents are reused: allocating fresh memory for every
// file costs page faults and garbage collection, more than reading it.
var bufPools = [...]struct {
	size int
	pool sync.Pool
}{{size: 16 << 10}, {size: 128 << 10}, {size: streamMin}}

// getBuf returns a buffer of length n.
func getBuf(n int64) []byte {
	for i := range bufPools {
		p := &bufPools[i]
		if n <= int64(p.size) {
			if b, ok := p.pool.Get().(*[]byte); ok {
				return (*b)[:n]
			}
			return make([]byte, n, p.size)
		}
	}
	return make([]byte, n)
}

// putBuf gives a buffer from getBuf back.
func putBuf(b []byte) {
	for i := range bufPools {
		p := &bufPools[i]
		if cap(b) == p.size {
			b = b[:0]
			p.pool.Put(&b)
			return
		}
	}
}
