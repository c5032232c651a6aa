package lint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// readGitIndex returns the paths in a git index file (.git/index), versions 2
// to 4: the files git tracks, including those added with --intent-to-add,
// which Nix sees too. Reading the index directly saves starting git once per
// repository, which matters when linting thousands of them.
func readGitIndex(data []byte) (map[string]bool, error) {
	if len(data) < 12 || string(data[:4]) != "DIRC" {
		return nil, errors.New("not a git index")
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("git index version %d", version)
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	paths := make(map[string]bool, n)
	off := 12
	prev := ""
	for i := 0; i < n; i++ {
		const fixed = 62 // stat data, mode, sizes, object id, flags
		if off+fixed > len(data) {
			return nil, errors.New("git index truncated")
		}
		start := off
		flags := binary.BigEndian.Uint16(data[off+60 : off+62])
		off += fixed
		if flags&0x4000 != 0 { // extended flags
			if version < 3 {
				return nil, errors.New("git index: extended flags in version 2")
			}
			if off+2 > len(data) {
				return nil, errors.New("git index truncated")
			}
			if binary.BigEndian.Uint16(data[off:off+2])&0x4000 != 0 {
				// A sparse directory entry: the files under it are
				// tracked but not listed. Let git list them.
				return nil, errors.New("sparse git index")
			}
			off += 2
		}
		var name string
		if version == 4 {
			strip, k := binary.Uvarint(data[off:])
			if k <= 0 || int(strip) > len(prev) {
				return nil, errors.New("git index: bad path prefix")
			}
			off += k
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, errors.New("git index truncated")
			}
			name = prev[:len(prev)-int(strip)] + string(data[off:off+end])
			off += end + 1
		} else {
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, errors.New("git index truncated")
			}
			name = string(data[off : off+end])
			// Entries are padded with 1-8 NULs to a multiple of 8 bytes.
			entryLen := off + end - start
			off = start + (entryLen+8)&^7
		}
		paths[name] = true // any merge stage: the file is tracked
		prev = name
	}
	return paths, nil
}
