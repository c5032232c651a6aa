package syntax

// Inspect walks the tree depth-first, calling f for each node (expressions,
// bindings, string parts); if f returns false, the node's children are
// skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	names := func(path []AttrName) {
		for _, a := range path {
			switch {
			case a.Ident != nil:
				Inspect(a.Ident, f)
			case a.String != nil:
				Inspect(a.String, f)
			case a.Interp != nil:
				Inspect(a.Interp, f)
			}
		}
	}
	binds := func(bs []Binding) {
		for _, b := range bs {
			Inspect(b, f)
		}
	}
	parts := func(ps []StrPart) {
		for _, p := range ps {
			Inspect(p, f)
		}
	}
	switch n := n.(type) {
	case *String:
		parts(n.Parts)
	case *Path:
		parts(n.Parts)
	case *Interp:
		Inspect(n.X, f)
	case *Paren:
		Inspect(n.X, f)
	case *AttrSet:
		binds(n.Bindings)
	case *LegacyLet:
		binds(n.Bindings)
	case *Let:
		binds(n.Bindings)
		Inspect(n.Body, f)
	case *AttrDef:
		names(n.Path)
		Inspect(n.Value, f)
	case *Inherit:
		if n.From != nil {
			Inspect(n.From, f)
		}
		names(n.Names)
	case *List:
		for _, e := range n.Elems {
			Inspect(e, f)
		}
	case *Lambda:
		if n.Param != nil {
			Inspect(n.Param, f)
		}
		if n.Formals != nil {
			for _, fm := range n.Formals.List {
				Inspect(fm.Name, f)
				if fm.Default != nil {
					Inspect(fm.Default, f)
				}
			}
		}
		Inspect(n.Body, f)
	case *Apply:
		Inspect(n.Fn, f)
		Inspect(n.Arg, f)
	case *Select:
		Inspect(n.X, f)
		names(n.Path)
		if n.Default != nil {
			Inspect(n.Default, f)
		}
	case *HasAttr:
		Inspect(n.X, f)
		names(n.Path)
	case *Unary:
		Inspect(n.X, f)
	case *Binary:
		Inspect(n.X, f)
		Inspect(n.Y, f)
	case *If:
		Inspect(n.Cond, f)
		Inspect(n.Then, f)
		Inspect(n.Else, f)
	case *Assert:
		Inspect(n.Cond, f)
		Inspect(n.Body, f)
	case *With:
		Inspect(n.Env, f)
		Inspect(n.Body, f)
	}
}
