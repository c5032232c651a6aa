// Package nar computes what Nix computes for a source tree: the NAR
// serialisation of a directory or of a tarball's single top-level entry, its
// hash, and the store path Nix gives it.
//
// The rules are Nix's: directory entries are sorted bytewise; a regular file
// is executable iff its owner-exec bit is set; a symlink's target is kept
// verbatim and never followed; empty directories count; mtimes, owners and all
// other mode bits do not.
//
// Hashes are github.com/nix-community/go-nix nixhash values, so every Nix
// encoding (SRI, base16, Nix base32, base64) comes from one place.
package nar

import (
	"bufio"
	_ "crypto/md5" // nixhash algorithms Nix offers
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"errors"
	"hash"
	"io"

	"github.com/nix-community/go-nix/pkg/nixhash"
	"github.com/nix-community/go-nix/pkg/wire"
)

// ErrUnsafe is wrapped by every error that refuses an archive because
// unpacking it could write outside its tree or create something that is not a
// file, directory or symlink.
var ErrUnsafe = errors.New("unsafe archive")

// ErrTooLarge is wrapped by errors for archives over a Limits bound.
var ErrTooLarge = errors.New("archive too large")

// ErrUnsupported is wrapped by errors for files Nix cannot serialise either
// (devices, fifos, sockets): Nix says "has an unsupported type".
var ErrUnsupported = errors.New("has an unsupported type")

// encoder writes the NAR format. It exists because go-nix's nar.Writer
// rejects valid trees: it derives entry names with filepath.Rel, so a file
// whose name starts with ".." (e.g. "..foo") is taken for a step up and the
// write fails. The framing (length-prefixed, zero-padded strings) is go-nix's
// wire package.
//
// The first error sticks; later calls do nothing.
type encoder struct {
	w   io.Writer
	err error
	buf []byte // for copying file contents
}

func (e *encoder) str(s string) {
	if e.err == nil {
		e.err = wire.WriteString(e.w, s)
	}
}

func (e *encoder) strs(ss ...string) {
	for _, s := range ss {
		e.str(s)
	}
}

// start opens a node; every node is closed with end.
func (e *encoder) start(typ string) { e.strs("(", "type", typ) }

func (e *encoder) end() { e.str(")") }

func (e *encoder) startRegular(executable bool) {
	e.start("regular")
	if executable {
		e.strs("executable", "")
	}
	e.str("contents")
}

// regularBytes writes a whole regular-file node holding data.
func (e *encoder) regularBytes(executable bool, data []byte) {
	e.startRegular(executable)
	if e.err == nil {
		e.err = wire.WriteBytes(e.w, data)
	}
	e.end()
}

// regular writes a whole regular-file node whose size bytes come from r;
// fewer is an io.ErrUnexpectedEOF.
func (e *encoder) regular(executable bool, size int64, r io.Reader) {
	e.startRegular(executable)
	if e.err != nil {
		return
	}
	bw, err := wire.NewBytesWriter(e.w, uint64(size))
	if err != nil {
		e.err = err
		return
	}
	if e.buf == nil {
		e.buf = make([]byte, 256<<10)
	}
	n, err := io.CopyBuffer(bw, io.LimitReader(r, size), e.buf)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = bw.Close() // writes the padding
	}
	if err != nil {
		e.err = err
		return
	}
	e.end()
}

func (e *encoder) symlink(target string) {
	e.start("symlink")
	e.strs("target", target)
	e.end()
}

// startEntry opens a directory entry; the caller then writes its node and
// calls end for the entry. Names must arrive in bytewise order.
func (e *encoder) startEntry(name string) { e.strs("entry", "(", "name", name, "node") }

// hashWriter feeds NAR bytes to a hash through a buffer: the encoder makes
// many small writes and the hash is fastest on large blocks.
type hashWriter struct {
	*bufio.Writer
	h    hash.Hash
	algo nixhash.Algorithm
}

func newHashWriter(algo nixhash.Algorithm) *hashWriter {
	h := algo.Func().New()
	return &hashWriter{Writer: bufio.NewWriterSize(h, 256<<10), h: h, algo: algo}
}

func (hw *hashWriter) sum() (*nixhash.Hash, error) {
	if err := hw.Flush(); err != nil {
		return nil, err
	}
	return nixhash.NewHash(hw.algo, hw.h.Sum(nil))
}

// narMagic starts every NAR.
const narMagic = "nix-archive-1"
