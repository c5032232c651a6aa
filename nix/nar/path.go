package nar

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nix-community/go-nix/pkg/nixhash"
)

// HashPath returns the hash of the NAR serialisation of path, as
// `nix hash path --type ALGO PATH` computes it. Like Nix it does not follow a
// symlink named by path itself, unless path ends in a slash.
func HashPath(path string, algo nixhash.Algorithm) (*nixhash.Hash, error) {
	hw := newHashWriter(algo)
	if err := WritePath(hw, path); err != nil {
		return nil, err
	}
	return hw.sum()
}

// WritePath writes the NAR serialisation of path to w.
func WritePath(w io.Writer, path string) error {
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		// "link/" names the directory the link points to, as in Nix.
		path += "."
	}
	e := &encoder{w: w}
	e.str(narMagic)
	if err := writePathNode(e, path); err != nil {
		return err
	}
	return e.err
}

func writePathNode(e *encoder, path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
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
			if err := writePathNode(e, filepath.Join(path, ent.Name())); err != nil {
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
