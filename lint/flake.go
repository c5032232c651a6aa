package lint

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/system1/devbox/nix/lockfile"
	"github.com/system1/devbox/nix/syntax"
)

// SourceFile is one file of a flake as lint read it.
type SourceFile struct {
	Name    string // slash path in the tree's FS
	Display string // the name shown to the user
	Exists  bool
	Src     []byte
	ReadErr error // set when the file exists but could not be read
	Tracked bool  // tracked by git (always true outside git or when unknown)
	lines   []int
}

// position converts a byte offset, counting lines as Nix does (LF, CR LF
// and a lone CR each end one) and columns in bytes.
func (f *SourceFile) position(off int) Position {
	if f.lines == nil {
		f.lines = []int{0}
		for i := 0; i < len(f.Src); i++ {
			switch f.Src[i] {
			case '\n':
				f.lines = append(f.lines, i+1)
			case '\r':
				if i+1 < len(f.Src) && f.Src[i+1] == '\n' {
					i++
				}
				f.lines = append(f.lines, i+1)
			}
		}
	}
	if off < 0 {
		off = 0
	}
	if off > len(f.Src) {
		off = len(f.Src)
	}
	lo, hi := 0, len(f.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if f.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return Position{Line: lo + 1, Column: off - f.lines[lo] + 1, Offset: off}
}

// Flake is one flake directory and what lint knows of it.
type Flake struct {
	Dir      string // slash path in the tree's FS
	Display  string // the directory as shown to the user
	Required bool   // a configured (or the repository's root) flake directory
	InGit    bool   // inside a git repository whose index was read
	Config   *Config

	Nix, Lock *SourceFile

	// Syntax is the parsed flake.nix; nil when it is missing or unreadable.
	Syntax    *syntax.File
	Expr      syntax.Expr
	SyntaxErr error
	// Inputs are the inputs flake.nix declares; nil when they cannot be
	// known without evaluating (then DeclErr says why).
	Inputs  *Declared
	DeclErr string
	// LockFile is the parsed flake.lock; nil when missing or invalid.
	LockFile *lockfile.LockFile
	LockErr  error

	fsys fs.FS
}

func (w *walker) flake(r *repo, dir string, required bool) *Flake {
	f := &Flake{
		Dir:      dir,
		Display:  w.display(dir),
		Required: required,
		InGit:    r.tracked != nil,
		Config:   r.config,
		fsys:     w.tree.FS,
	}
	for _, name := range []string{"flake.nix", "flake.lock"} {
		p := path.Join(dir, name)
		sf := &SourceFile{Name: p, Display: w.display(p), Tracked: true}
		if r.tracked != nil {
			rel := p
			if r.root != "." {
				rel = p[len(r.root)+1:]
			}
			sf.Tracked = r.tracked[rel]
		}
		if name == "flake.nix" {
			f.Nix = sf
		} else {
			f.Lock = sf
		}
	}
	return f
}

// readFile reads a flake file, refusing what is not a regular file or is
// too large to be a flake.
func (f *Flake) readFile(sf *SourceFile) {
	file, err := f.fsys.Open(sf.Name)
	if errors.Is(err, fs.ErrNotExist) {
		// A dangling symlink exists but cannot be read.
		if _, lerr := fs.ReadLink(f.fsys, sf.Name); lerr == nil {
			sf.Exists = true
			sf.ReadErr = errors.New("a symbolic link to a file that does not exist")
		}
		return
	}
	sf.Exists = true
	if err != nil {
		sf.ReadErr = unwrapPathError(err)
		return
	}
	defer file.Close()
	st, err := file.Stat()
	switch {
	case err != nil:
		sf.ReadErr = unwrapPathError(err)
		return
	case !st.Mode().IsRegular():
		sf.ReadErr = errors.New("not a regular file")
		return
	case st.Size() > maxFileSize:
		sf.ReadErr = fmt.Errorf("larger than %d MiB", maxFileSize>>20)
		return
	}
	// Read one byte past the limit, in case the file grew since Stat.
	data, err := io.ReadAll(io.LimitReader(file, maxFileSize+1))
	switch {
	case err != nil:
		sf.ReadErr = unwrapPathError(err)
	case len(data) > maxFileSize:
		sf.ReadErr = fmt.Errorf("larger than %d MiB", maxFileSize>>20)
	default:
		sf.Src = data
	}
}

func (f *Flake) load() {
	f.readFile(f.Nix)
	f.readFile(f.Lock)
	if f.Nix.Exists && f.Nix.ReadErr == nil {
		f.Syntax, f.Expr, f.SyntaxErr = syntax.ParseFile(f.Nix.Display, f.Nix.Src)
		if f.SyntaxErr == nil {
			f.Inputs, f.DeclErr = declaredInputs(f.Expr, f.Nix.Src)
		}
	}
	if f.Lock.Exists && f.Lock.ReadErr == nil {
		f.LockFile, f.LockErr = lockfile.Read(f.Lock.Src)
	}
}
