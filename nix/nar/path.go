package nar

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		e.regular(mode&0o100 != 0, fi.Size(), f)
		if e.err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%s: file changed size while being read", path)
		}
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		e.symlink(target)
	case mode.IsDir():
		entries, err := os.ReadDir(path) // sorted bytewise by name
		if err != nil {
			return err
		}
		e.start("directory")
		for _, ent := range entries {
			e.startEntry(ent.Name())
			if err := writePathNode(e, filepath.Join(path, ent.Name()), mtime); err != nil {
				return err
			}
			e.end()
		}
		e.end()
	default:
		return fmt.Errorf("file '%s' %w", path, ErrUnsupported)
	}
	return e.err
}
