package syntax

import (
	"fmt"
	"sort"
)

// Pos is a byte offset into a source file. It is cheap to store on every
// node; File.Position turns it into a line and column only when needed.
type Pos int

// NoPos is the zero value: no position.
const NoPos Pos = -1

// IsValid reports whether p is a position.
func (p Pos) IsValid() bool { return p >= 0 }

// Position is a human-readable location. Line and Column are 1-based and
// count bytes, as Nix does; a lone CR and a CR LF pair each end a line.
type Position struct {
	Filename string
	Line     int
	Column   int
}

func (p Position) String() string {
	if p.Filename == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// File is a parsed source file: its name, its bytes and its line starts.
type File struct {
	Name  string
	Src   []byte
	lines []int // byte offset of the start of each line
}

func newFile(name string, src []byte) *File {
	f := &File{Name: name, Src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			f.lines = append(f.lines, i+1)
		case '\n':
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// Position converts an offset into a line and column.
func (f *File) Position(p Pos) Position {
	if !p.IsValid() {
		return Position{Filename: f.Name}
	}
	off := int(p)
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return Position{Filename: f.Name, Line: i + 1, Column: off - f.lines[i] + 1}
}
