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

// hashWriter hashes NAR bytes on its own goroutine, so that producing them
// (system calls, decompression) and hashing overlap. The bytes travel in
// large blocks: the encoder makes many small writes, handing each over would
// cost more than hashing it, and the hash is fastest on large blocks.
type hashWriter struct {
	h    hash.Hash
	algo nixhash.Algorithm
	buf  []byte      // the block being filled
	full chan []byte // blocks to hash, closed by finish
	free chan []byte // hashed blocks, to fill again
	done chan struct{}
	shut bool
}

const (
	hashBlock  = 512 << 10
	hashBlocks = 4
)

func newHashWriter(algo nixhash.Algorithm) *hashWriter {
	hw := &hashWriter{
		h:    algo.Func().New(),
		algo: algo,
		full: make(chan []byte, hashBlocks),
		free: make(chan []byte, hashBlocks),
		done: make(chan struct{}),
		buf:  make([]byte, 0, hashBlock),
	}
	for range hashBlocks - 1 {
		hw.free <- make([]byte, 0, hashBlock)
	}
	go func() {
		defer close(hw.done)
		for b := range hw.full {
			hw.h.Write(b)
			hw.free <- b[:0]
		}
	}()
	return hw
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(hw.buf[len(hw.buf):cap(hw.buf)], p)
		hw.buf, p = hw.buf[:len(hw.buf)+k], p[k:]
		if len(hw.buf) == cap(hw.buf) {
			hw.full <- hw.buf
			hw.buf = <-hw.free
		}
	}
	return n, nil
}

// WriteString spares io.WriteString a conversion for every NAR token.
func (hw *hashWriter) WriteString(s string) (int, error) {
	n := len(s)
	for len(s) > 0 {
		k := copy(hw.buf[len(hw.buf):cap(hw.buf)], s)
		hw.buf, s = hw.buf[:len(hw.buf)+k], s[k:]
		if len(hw.buf) == cap(hw.buf) {
			hw.full <- hw.buf
			hw.buf = <-hw.free
		}
	}
	return n, nil
}

// finish waits for everything written to be hashed and stops the hashing
// goroutine; calling it again does nothing.
func (hw *hashWriter) finish() {
	if hw.shut {
		return
	}
	hw.shut = true
	if len(hw.buf) > 0 {
		hw.full <- hw.buf
	}
	close(hw.full)
	<-hw.done
}

func (hw *hashWriter) sum() (*nixhash.Hash, error) {
	hw.finish()
	return nixhash.NewHash(hw.algo, hw.h.Sum(nil))
}

// narMagic starts every NAR.
const narMagic = "nix-archive-1"
