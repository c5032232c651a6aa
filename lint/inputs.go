package lint

import (
	"fmt"
	"strings"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/syntax"
	"github.com/system1/devbox/render"
)

// Declared is what a flake.nix says about its inputs, read from the syntax
// tree alone: the literal `inputs` attributes and the outputs function's
// formal arguments (which Nix 2.8 adds as indirect inputs).
type Declared struct {
	Inputs  map[string]*InputDecl
	Order   []string        // input names in source order
	Outputs *syntax.AttrDef // the outputs binding, nil if none
}

// InputDecl is one declared input, or an override of an input's input.
type InputDecl struct {
	Name string
	// Ref is the declared reference; its zero value when the input only
	// follows another.
	Ref    flakeref.Ref
	HasRef bool
	RefErr error
	// URL is the url string literal, when the reference is written as one.
	URL *syntax.String
	// Follows is the follows path, from the root flake.
	Follows    []string
	HasFollows bool
	FollowsAt  *syntax.String
	NotFlake   bool
	Implicit   bool // from the outputs function's formals
	// Inputs are overrides of this input's own inputs.
	Inputs map[string]*InputDecl

	NameStart, NameEnd int // where the input is first named
	attrs              map[string]any
	url                string
	hasURL             bool
	// last is the last binding that declares this input, and prefix the
	// attribute path of the set it is in: where a fix adds a line.
	last   *syntax.AttrDef
	prefix []string
}

// FixSite returns where to add a binding for path (a full attribute path
// starting with "inputs") next to this input's declaration: the offset just
// after the last binding and the text to insert there.
func (d *InputDecl) FixSite(src []byte, path []string, value string) (int, string, bool) {
	if d.last == nil || len(path) < len(d.prefix) {
		return 0, "", false
	}
	for i, p := range d.prefix {
		if path[i] != p {
			return 0, "", false
		}
	}
	// After the whole line, so a trailing comment stays where it is.
	at := int(d.last.End())
	for at < len(src) && src[at] != '\n' && src[at] != '\r' {
		at++
	}
	indent := lineIndent(src, int(d.last.Pos()))
	return at, "\n" + indent + render.AttrPath(path[len(d.prefix):]...) + " = " + value + ";", true
}

func lineIndent(src []byte, off int) string {
	start := off
	for start > 0 && src[start-1] != '\n' && src[start-1] != '\r' {
		start--
	}
	end := start
	for end < off && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// ReadDeclared parses a flake.nix and reads the inputs it declares, from the
// syntax tree alone; the error is one line (a parse error with its
// position, or why the inputs cannot be known without evaluating).
func ReadDeclared(filename string, src []byte) (*Declared, error) {
	_, x, err := syntax.ParseFile(filename, src)
	if err != nil {
		return nil, err
	}
	d, why := declaredInputs(x, src)
	if why != "" {
		return nil, fmt.Errorf("%s: %s", filename, why)
	}
	return d, nil
}

type declReader struct {
	d   *Declared
	err string
}

func (r *declReader) fail(format string, args ...any) {
	if r.err == "" {
		r.err = fmt.Sprintf(format, args...)
	}
}

// declaredInputs reads the inputs of a parsed flake.nix. The string result
// says why they cannot be known without evaluating, when they cannot.
func declaredInputs(x syntax.Expr, src []byte) (*Declared, string) {
	for {
		p, ok := x.(*syntax.Paren)
		if !ok {
			break
		}
		x = p.X
	}
	set, ok := x.(*syntax.AttrSet)
	if !ok {
		return nil, "flake.nix is not an attribute set literal"
	}
	r := &declReader{d: &Declared{Inputs: map[string]*InputDecl{}}}
	for _, b := range set.Bindings {
		def, ok := b.(*syntax.AttrDef)
		if !ok {
			in := b.(*syntax.Inherit)
			for _, n := range in.Names {
				if s, _ := n.Static(); s == "inputs" || s == "outputs" {
					r.fail("inputs are inherited, not written out")
				}
			}
			continue
		}
		first, ok := def.Path[0].Static()
		if !ok {
			r.fail("a top-level attribute name is computed")
			continue
		}
		switch first {
		case "inputs":
			r.inputsAttr(def.Path[1:], def.Value, def, nil)
		case "outputs":
			if len(def.Path) == 1 {
				r.d.Outputs = def
			}
		}
	}
	// Nix 2.8 adds each formal of the outputs function that names no
	// declared input as an indirect input of that name.
	if r.d.Outputs != nil {
		if lam, ok := r.d.Outputs.Value.(*syntax.Lambda); ok && lam.Formals != nil {
			for _, f := range lam.Formals.List {
				name := f.Name.Name
				if name == "self" || r.d.Inputs[name] != nil {
					continue
				}
				d := r.input(name, int(f.Name.Pos()), int(f.Name.End()))
				d.Implicit = true
			}
		}
	}
	if r.err != "" {
		return nil, r.err
	}
	for _, name := range r.d.Order {
		r.finish(r.d.Inputs[name])
	}
	if r.err != "" {
		return nil, r.err
	}
	return r.d, ""
}

func (r *declReader) input(name string, start, end int) *InputDecl {
	d := r.d.Inputs[name]
	if d == nil {
		d = &InputDecl{Name: name, NameStart: start, NameEnd: end}
		r.d.Inputs[name] = d
		r.d.Order = append(r.d.Order, name)
	}
	return d
}

// inputsAttr reads `inputs.PATH = value` where prefix is the attribute path
// of the set the binding def is in.
func (r *declReader) inputsAttr(path []syntax.AttrName, value syntax.Expr, def *syntax.AttrDef, prefix []string) {
	if len(path) == 0 {
		for _, sub := range r.bindings(value, "inputs") {
			r.inputsAttr(sub.Path, sub.Value, sub, append(prefix[:len(prefix):len(prefix)], "inputs"))
		}
		return
	}
	name, ok := path[0].Static()
	if !ok {
		r.fail("an input name is computed")
		return
	}
	d := r.input(name, int(path[0].Pos()), int(path[0].End()))
	d.last, d.prefix = def, prefix
	r.inputAttr(d, path[1:], value, def, prefix, 0)
}

// bindings returns the bindings of value, which must be a plain (not rec)
// attribute set literal without inherit; otherwise it fails, naming what.
func (r *declReader) bindings(value syntax.Expr, what string) []*syntax.AttrDef {
	set, ok := value.(*syntax.AttrSet)
	if !ok || set.Rec {
		r.fail("%s is not an attribute set literal", what)
		return nil
	}
	defs := make([]*syntax.AttrDef, 0, len(set.Bindings))
	for _, b := range set.Bindings {
		def, ok := b.(*syntax.AttrDef)
		if !ok {
			r.fail("%s has an inherit", what)
			return nil
		}
		defs = append(defs, def)
	}
	return defs
}

// inputAttr reads PATH = value inside the declaration of input d.
func (r *declReader) inputAttr(d *InputDecl, path []syntax.AttrName, value syntax.Expr, def *syntax.AttrDef, prefix []string, depth int) {
	if len(path) == 0 {
		for _, sub := range r.bindings(value, "input "+d.Name) {
			r.inputAttr(d, sub.Path, sub.Value, sub, prefix, depth)
		}
		return
	}
	key, ok := path[0].Static()
	if !ok {
		r.fail("an attribute name of input %s is computed", d.Name)
		return
	}
	if key == "inputs" {
		if len(path) == 1 {
			for _, sub := range r.bindings(value, "inputs of input "+d.Name) {
				r.inputAttr(d, append([]syntax.AttrName{path[0]}, sub.Path...), sub.Value, sub, prefix, depth)
			}
			return
		}
		sub, ok := path[1].Static()
		if !ok {
			r.fail("an input name under input %s is computed", d.Name)
			return
		}
		if d.Inputs == nil {
			d.Inputs = map[string]*InputDecl{}
		}
		o := d.Inputs[sub]
		if o == nil {
			o = &InputDecl{Name: d.Name + "/" + sub, NameStart: int(path[1].Pos()), NameEnd: int(path[1].End())}
			d.Inputs[sub] = o
		}
		r.inputAttr(o, path[2:], value, def, prefix, depth+1)
		return
	}
	if len(path) != 1 {
		r.fail("input %s: unexpected attribute %s", d.Name, key)
		return
	}
	switch key {
	case "url":
		s, ok := value.(*syntax.String)
		v := ""
		if ok {
			v, ok = s.StaticValue()
		}
		if !ok {
			r.fail("the url of input %s is not a string literal", d.Name)
			return
		}
		d.url, d.hasURL, d.URL = v, true, s
	case "follows":
		s, ok := value.(*syntax.String)
		v := ""
		if ok {
			v, ok = s.StaticValue()
		}
		if !ok {
			r.fail("the follows of input %s is not a string literal", d.Name)
			return
		}
		d.HasFollows, d.FollowsAt = true, s
		d.Follows = nil
		for _, p := range strings.Split(v, "/") {
			if p != "" {
				d.Follows = append(d.Follows, p)
			}
		}
	case "flake":
		id, ok := value.(*syntax.Ident)
		if !ok || (id.Name != "true" && id.Name != "false") {
			r.fail("flake of input %s is not true or false", d.Name)
			return
		}
		d.NotFlake = id.Name == "false"
	default:
		// The attribute form of a reference: type, owner, repo, ...
		var v any
		switch x := value.(type) {
		case *syntax.String:
			s, ok := x.StaticValue()
			if !ok {
				r.fail("attribute %s of input %s is not a literal", key, d.Name)
				return
			}
			v = s
		case *syntax.Int:
			v = x.Value
		case *syntax.Ident:
			if x.Name != "true" && x.Name != "false" {
				r.fail("attribute %s of input %s is not a literal", key, d.Name)
				return
			}
			v = x.Name == "true"
		default:
			r.fail("attribute %s of input %s is not a literal", key, d.Name)
			return
		}
		if d.attrs == nil {
			d.attrs = map[string]any{}
		}
		d.attrs[key] = v
	}
}

// finish turns the collected attributes into a reference, as Nix 2.8's
// parseFlakeInput does: the attribute form when "type" is given, else the
// url, else (for a top-level input that does not follow) flake:NAME.
func (r *declReader) finish(d *InputDecl) {
	switch {
	case d.attrs != nil && d.attrs["type"] != nil:
		m := map[string]any{}
		for k, v := range d.attrs {
			m[k] = v
		}
		if d.hasURL {
			m["url"] = d.url
		}
		d.Ref, d.RefErr = flakeref.FromAttrs(m)
		d.HasRef = d.RefErr == nil
	case d.attrs != nil:
		for k := range d.attrs {
			r.fail("input %s: unexpected attribute %s", d.Name, k)
			return
		}
	case d.hasURL:
		d.Ref, d.RefErr = flakeref.Parse(d.url)
		d.HasRef = d.RefErr == nil
	case !d.HasFollows:
		// Nix 2.8 reads an override without url (one that only sets
		// inputs of the input) the same way: as flake:NAME.
		name := d.Name[strings.LastIndex(d.Name, "/")+1:]
		d.Ref, d.RefErr = flakeref.Parse("flake:" + name)
		d.HasRef = d.RefErr == nil
	}
	for _, o := range d.Inputs {
		r.finish(o)
	}
}
