package nar

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"
)

// Limits bound what ReadTarball accepts, so a hostile or broken archive
// cannot exhaust memory or time. A zero field means its default.
type Limits struct {
	// MaxBytes bounds the total size of the regular files in the tree,
	// counting every hard link: it bounds both memory and hashing time.
	MaxBytes int64
	// MaxEntries bounds the number of archive entries.
	MaxEntries int
}

// Defaults: well above any source repository flakes fetch (a nixpkgs
// tarball unpacks to about 400 MB in 50,000 entries).
const (
	DefaultMaxBytes   = 2 << 30
	DefaultMaxEntries = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// nameMax is the longest path component a Linux file system takes; Nix
// unpacks to disk, so a longer one fails there.
const nameMax = 255

// Tree is a tarball's single top-level entry, held in memory. Tar entries
// come in archive order but a NAR needs sorted order, so the whole tree is
// read before anything is hashed; file contents are held once (hard links
// share them).
type Tree struct {
	// Name is the top-level entry's name in the archive. It does not count
	// in the NAR hash.
	Name string
	// ModTime is the mtime recorded for the top-level entry: what Nix
	// reports as lastModified for a tarball (git archive and GitHub stamp
	// every entry with the commit's committer date). It is zero when the
	// archive has no entry of its own for the top-level directory.
	ModTime time.Time
	// Comment is the comment of the archive's global pax header, where git
	// archive records the commit id; empty if none.
	Comment string

	root *node
}

type nodeKind uint8

const (
	kindDir nodeKind = iota
	kindFile
	kindSymlink
)

type node struct {
	kind       nodeKind
	executable bool
	data       []byte
	target     string
	children   map[string]*node
	modTime    time.Time
}

// HashTarball returns the sha256 NAR hash of the single top-level entry of
// the tar stream r (gzip, bzip2 or uncompressed; detected from its bytes).
func HashTarball(r io.Reader, lim Limits) (*nixhash.Hash, error) {
	t, err := ReadTarball(r, lim)
	if err != nil {
		return nil, err
	}
	return t.Hash(nixhash.SHA256)
}

// ReadTarball reads the tar stream r (gzip, bzip2 or uncompressed) into
// memory the way Nix unpacks a tarball input, refusing what is unsafe:
//   - absolute paths and paths with a ".." component;
//   - an entry whose path passes through a symlink (unpacking it would write
//     wherever the link points), and a hard link to a path that is not an
//     earlier file or symlink of the archive, or that passes through one;
//   - devices, fifos and anything else that is not a file, directory,
//     symlink or hard link;
//   - more or fewer than one top-level entry;
//   - more than lim allows.
//
// A symlink's own target is data, not a path we follow: it is kept verbatim
// whatever it points at (absolute, "..", dangling), as Nix keeps it.
// As when Nix unpacks, a later entry replaces an earlier one with the same
// path, a directory entry for an existing directory keeps its contents,
// missing parent directories are created, and "." components are dropped.
// One difference with Nix 2.8 is deliberate: Nix unpacks "/a" as "a", we
// refuse absolute paths. Names over 255 bytes fail with Nix too, on its disk.
//
// The tree is held in memory, so peak memory is about the unpacked size of
// the files (measured: 101 MB for 98 MB unpacked); lim.MaxBytes bounds it.
func ReadTarball(r io.Reader, lim Limits) (*Tree, error) {
	lim = lim.withDefaults()
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(dr)
	top := &node{kind: kindDir, children: map[string]*node{}}
	var (
		total   int64
		entries int
		comment string
	)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tarball: %v", err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			// git archive's pax_global_header: metadata, not a file.
			comment = hdr.PAXRecords["comment"]
			continue
		}
		if entries++; entries > lim.MaxEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.MaxEntries)
		}
		parts, err := splitName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if len(parts) == 0 {
			// "./": the directory the archive unpacks into.
			if hdr.Typeflag != tar.TypeDir {
				return nil, fmt.Errorf("%w: entry %q is not a directory", ErrUnsafe, short(hdr.Name))
			}
			continue
		}
		parent, err := top.mkdirs(hdr.Name, parts[:len(parts)-1])
		if err != nil {
			return nil, err
		}
		name := parts[len(parts)-1]
		old := parent.children[name]
		var n *node
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
			if hdr.Size < 0 || hdr.Size > lim.MaxBytes-total {
				return nil, fmt.Errorf("%w: files larger than %d bytes in total", ErrTooLarge, lim.MaxBytes)
			}
			total += hdr.Size
			data := make([]byte, hdr.Size)
			if _, err := io.ReadFull(tr, data); err != nil {
				return nil, fmt.Errorf("reading tarball: %q: %v", short(hdr.Name), err)
			}
			n = &node{kind: kindFile, executable: hdr.Mode&0o100 != 0, data: data}
		case tar.TypeDir:
			if old != nil && old.kind == kindDir {
				old.modTime = hdr.ModTime
				continue
			}
			n = &node{kind: kindDir, children: map[string]*node{}}
		case tar.TypeSymlink:
			if hdr.Linkname == "" {
				return nil, fmt.Errorf("reading tarball: symlink %q has an empty target", short(hdr.Name))
			}
			n = &node{kind: kindSymlink, target: hdr.Linkname}
		case tar.TypeLink:
			target, err := top.lookupLink(hdr)
			if err != nil {
				return nil, err
			}
			if int64(len(target.data)) > lim.MaxBytes-total {
				return nil, fmt.Errorf("%w: files larger than %d bytes in total", ErrTooLarge, lim.MaxBytes)
			}
			total += int64(len(target.data))
			copied := *target
			n = &copied
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return nil, fmt.Errorf("%w: %q is a device file or fifo", ErrUnsafe, short(hdr.Name))
		default:
			return nil, fmt.Errorf("%w: %q has unsupported tar entry type %q", ErrUnsafe, short(hdr.Name), hdr.Typeflag)
		}
		if old != nil && old.kind == kindDir && len(old.children) > 0 && n.kind != kindDir {
			return nil, fmt.Errorf("%w: %q replaces a non-empty directory", ErrUnsafe, short(hdr.Name))
		}
		n.modTime = hdr.ModTime
		parent.children[name] = n
	}
	// Read to the end so that gzip checks its checksum and length: a
	// truncated download must not pass for a complete one.
	if _, err := io.Copy(io.Discard, io.LimitReader(dr, lim.MaxBytes)); err != nil {
		return nil, fmt.Errorf("reading tarball: %v", err)
	}
	if len(top.children) != 1 {
		return nil, fmt.Errorf("contains %d top-level entries, want exactly one", len(top.children))
	}
	t := &Tree{Comment: comment}
	for name, n := range top.children {
		t.Name, t.root, t.ModTime = name, n, n.modTime
	}
	return t, nil
}

// decompress detects gzip and bzip2 from their magic bytes; anything else is
// read as an uncompressed tar.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading tarball: %v", err)
		}
		return zr, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}),
		bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, errors.New("reading tarball: xz and zstd compression are not supported yet")
	}
	return br, nil
}

// short keeps a name in an error message to a readable length: pax names
// can be long.
func short(name string) string {
	const max = 100
	if len(name) <= max {
		return name
	}
	return name[:max] + "…"
}

// splitName turns an archive path into its components, dropping empty and
// "." ones, and refuses paths that could land outside the tree.
func splitName(name string) ([]string, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: entry with an empty name", ErrUnsafe)
	}
	if strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("%w: %q is an absolute path", ErrUnsafe, short(name))
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, fmt.Errorf("%w: %q contains a NUL byte", ErrUnsafe, short(name))
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch {
		case p == "" || p == ".":
			continue
		case p == "..":
			return nil, fmt.Errorf("%w: %q contains '..'", ErrUnsafe, short(name))
		case len(p) > nameMax:
			return nil, fmt.Errorf("%w: %q has a component longer than %d bytes", ErrUnsafe, short(name), nameMax)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// mkdirs returns the directory at parts below d, creating missing ones.
func (d *node) mkdirs(entry string, parts []string) (*node, error) {
	for _, p := range parts {
		child := d.children[p]
		switch {
		case child == nil:
			child = &node{kind: kindDir, children: map[string]*node{}}
			d.children[p] = child
		case child.kind == kindSymlink:
			return nil, fmt.Errorf("%w: %q passes through a symlink", ErrUnsafe, short(entry))
		case child.kind != kindDir:
			return nil, fmt.Errorf("%w: %q passes through a file", ErrUnsafe, short(entry))
		}
		d = child
	}
	return d, nil
}

// lookupLink finds the earlier file or symlink a hard link entry names.
func (d *node) lookupLink(hdr *tar.Header) (*node, error) {
	if hdr.Linkname == "" {
		return nil, fmt.Errorf("%w: hard link %q has an empty target", ErrUnsafe, short(hdr.Name))
	}
	parts, err := splitName(hdr.Linkname)
	if err != nil {
		return nil, fmt.Errorf("%w (the target of hard link %q)", err, short(hdr.Name))
	}
	for i, p := range parts {
		child := d.children[p]
		switch {
		case child == nil:
			return nil, fmt.Errorf("%w: hard link %q: target %q is not in the archive before it", ErrUnsafe, short(hdr.Name), short(hdr.Linkname))
		case i < len(parts)-1 && child.kind != kindDir:
			return nil, fmt.Errorf("%w: hard link %q: target %q passes through a symlink or file", ErrUnsafe, short(hdr.Name), short(hdr.Linkname))
		case i == len(parts)-1 && child.kind == kindDir:
			return nil, fmt.Errorf("%w: hard link %q: target %q is a directory", ErrUnsafe, short(hdr.Name), short(hdr.Linkname))
		}
		d = child
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: hard link %q: target %q is a directory", ErrUnsafe, short(hdr.Name), short(hdr.Linkname))
	}
	return d, nil
}

// Hash returns the hash of the tree's NAR serialisation.
func (t *Tree) Hash(algo nixhash.Algorithm) (*nixhash.Hash, error) {
	hw := newHashWriter(algo)
	defer hw.finish()
	if err := t.WriteNAR(hw); err != nil {
		return nil, err
	}
	return hw.sum()
}

// WriteNAR writes the tree's NAR serialisation to w.
func (t *Tree) WriteNAR(w io.Writer) error {
	e := &encoder{w: w}
	e.str(narMagic)
	t.root.write(e)
	return e.err
}

func (n *node) write(e *encoder) {
	switch n.kind {
	case kindFile:
		e.regularBytes(n.executable, n.data)
	case kindSymlink:
		e.symlink(n.target)
	case kindDir:
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		sort.Strings(names) // bytewise, as NAR requires
		e.start("directory")
		for _, name := range names {
			e.startEntry(name)
			n.children[name].write(e)
			e.end()
		}
		e.end()
	}
}
