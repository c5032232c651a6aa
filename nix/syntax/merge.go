package syntax

import (
	"fmt"
	"sort"
	"strings"
)

// mergedSet is the attribute set Nix builds from a list of bindings: paths
// like a.b = 1; a.c = 2; merged into nested sets, explicit sets merged
// with later paths into them. Nix reports duplicate attributes while it
// builds this, and prints it; both use this one implementation.
type mergedSet struct {
	attrs       attrTable
	dynamic     []*dynamicDef
	inheritFrom []Expr // the e of each inherit (e) …, in order of appearance
}

type defKind uint8

const (
	defPlain defKind = iota
	defInherited
	defInheritedFrom
)

type mergedDef struct {
	pos     Pos
	kind    defKind
	value   Expr       // the value as written (nil for an implicit nested set)
	set     *mergedSet // when the value is an attribute set, its merged form
	rec     bool       // the set is a rec { } literal
	from    Expr       // for defInheritedFrom
	literal *AttrSet
}

type dynamicDef struct {
	name  AttrName
	value Expr
	set   *mergedSet
	rec   bool
	pos   Pos
}

func newMergedSet() *mergedSet { return &mergedSet{} }

// attrTable maps names to definitions. Most sets are small, so it is a
// slice searched linearly until it grows past smallTable entries.
type attrTable struct {
	names []string
	defs  []*mergedDef
	index map[string]int
}

const smallTable = 16

func (t *attrTable) get(name string) (*mergedDef, bool) {
	if t.index != nil {
		i, ok := t.index[name]
		if !ok {
			return nil, false
		}
		return t.defs[i], true
	}
	for i, n := range t.names {
		if n == name {
			return t.defs[i], true
		}
	}
	return nil, false
}

// set adds a name that is not in the table yet.
func (t *attrTable) set(name string, d *mergedDef) {
	t.names = append(t.names, name)
	t.defs = append(t.defs, d)
	if t.index != nil {
		t.index[name] = len(t.names) - 1
	} else if len(t.names) > smallTable {
		t.index = make(map[string]int, 2*len(t.names))
		for i, n := range t.names {
			t.index[n] = i
		}
	}
}

func (t *attrTable) len() int { return len(t.names) }

// dupError is Nix's "attribute 'x' already defined at …" error.
type dupError struct {
	pos  Pos    // where the error is reported
	prev Pos    // the position given in the message
	name string // as Nix shows it
}

func (e *dupError) msg(f *File) string {
	p := f.Position(e.prev)
	return fmt.Sprintf("attribute '%s' already defined at %d:%d", e.name, p.Line, p.Column)
}

func unparen(x Expr) Expr {
	for {
		p, ok := x.(*Paren)
		if !ok {
			return x
		}
		x = p.X
	}
}

// attrSetLiteral returns x as an attribute set literal (through parens).
func attrSetLiteral(x Expr) *AttrSet {
	s, _ := unparen(x).(*AttrSet)
	return s
}

// setOf returns the merged form of a literal attribute set, built once. The
// parser stores it on the node; for trees built by hand it is built here.
func setOf(s *AttrSet) *mergedSet {
	if s.merged == nil {
		m := newMergedSet()
		for _, b := range s.Bindings {
			_ = m.add(b) // a tree built by hand may repeat names; the first wins
		}
		s.merged = m
	}
	return s.merged
}

// add adds one binding, as Nix's parser does when it reduces it.
func (m *mergedSet) add(b Binding) *dupError {
	switch b := b.(type) {
	case *AttrDef:
		return m.addPath(b.Path, b.Value, b.Path[0].Pos())
	case *Inherit:
		pos := b.namesPos
		if !pos.IsValid() && len(b.Names) > 0 {
			pos = b.Names[0].Pos()
		}
		if b.From != nil {
			m.inheritFrom = append(m.inheritFrom, b.From)
		}
		for _, n := range b.Names {
			name, ok := n.Static()
			if !ok {
				continue // reported by the parser
			}
			if j, ok := m.attrs.get(name); ok {
				return &dupError{pos: pos, prev: j.pos, name: printIdentifier(name)}
			}
			d := &mergedDef{pos: pos, kind: defInherited}
			if b.From != nil {
				d.kind, d.from = defInheritedFrom, b.From
			}
			m.attrs.set(name, d)
		}
	}
	return nil
}

func (m *mergedSet) addPath(path []AttrName, value Expr, pos Pos) *dupError {
	dup := func(prev Pos) *dupError {
		return &dupError{pos: pos, prev: prev, name: showAttrPath(path, nil)}
	}
	for _, a := range path[:len(path)-1] {
		name, static := a.Static()
		if !static {
			nested := newMergedSet()
			m.dynamic = append(m.dynamic, &dynamicDef{name: a, set: nested, pos: pos})
			m = nested
			continue
		}
		j, ok := m.attrs.get(name)
		if !ok {
			nested := newMergedSet()
			m.attrs.set(name, &mergedDef{pos: pos, set: nested})
			m = nested
			continue
		}
		if j.kind != defPlain || j.set == nil {
			return dup(j.pos)
		}
		m = j.set
	}
	last := path[len(path)-1]
	lit := attrSetLiteral(value)
	name, static := last.Static()
	if !static {
		d := &dynamicDef{name: last, value: value, pos: pos}
		if lit != nil {
			d.set, d.rec = setOf(lit), lit.Rec
		}
		m.dynamic = append(m.dynamic, d)
		return nil
	}
	j, ok := m.attrs.get(name)
	if !ok {
		d := &mergedDef{pos: pos, value: value}
		if lit != nil {
			d.set, d.rec, d.literal = setOf(lit), lit.Rec, lit
		}
		m.attrs.set(name, d)
		return nil
	}
	if lit == nil || j.kind != defPlain || j.set == nil {
		return dup(j.pos)
	}
	// Both are attribute sets: merge the new one into the existing one.
	ae := setOf(lit)
	for _, n := range sortedNames(ae) {
		ad, _ := ae.attrs.get(n)
		if j2, ok := j.set.attrs.get(n); ok {
			return &dupError{pos: j2.pos, prev: ad.pos, name: printIdentifier(n)}
		}
		j.set.attrs.set(n, ad)
	}
	j.set.dynamic = append(j.set.dynamic, ae.dynamic...)
	j.set.inheritFrom = append(j.set.inheritFrom, ae.inheritFrom...)
	return nil
}

func sortedNames(m *mergedSet) []string {
	names := append([]string(nil), m.attrs.names...)
	sort.Strings(names)
	return names
}

// showAttrPath prints an attribute path as Nix does in messages and in
// its printer: names via printIdentifier, dynamic ones as "${…}".
func showAttrPath(path []AttrName, pr *printer) string {
	var b strings.Builder
	for i, a := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if name, ok := a.Static(); ok {
			b.WriteString(printIdentifier(name))
			continue
		}
		if pr == nil {
			pr = &printer{}
		}
		b.WriteString(`"${`)
		b.WriteString(pr.sprint(dynamicNameExpr(a)))
		b.WriteString(`}"`)
	}
	return b.String()
}

// dynamicNameExpr is the expression of a dynamic attribute name.
func dynamicNameExpr(a AttrName) Expr {
	if a.Interp != nil {
		return a.Interp.X
	}
	return a.String
}
