package syntax

// The AST is source-shaped: it keeps parentheses, attribute paths as
// written, and inherit lists, each with start and end offsets, so tools can
// point at and rewrite exact spans. The printer applies Nix's desugaring
// (merging a.b = …; a.c = …;, sorting, operators as builtin calls).

// Node is any syntax tree node. End is the offset just past the node.
type Node interface {
	Pos() Pos
	End() Pos
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

type (
	// Ident is a variable reference, e.g. pkgs or __curPos.
	Ident struct {
		NamePos Pos
		Name    string
	}

	// Int is an integer literal.
	Int struct {
		ValuePos Pos
		Lit      string
		Value    int64
	}

	// Float is a floating-point literal.
	Float struct {
		ValuePos Pos
		Lit      string
		Value    float64
	}

	// String is a "…" or ''…'' string. Parts alternate freely between
	// literal pieces (*StrPart) and interpolations (*Interp).
	String struct {
		Open, Close Pos // Close is the offset just past the closing quote
		Indented    bool
		Parts       []StrPart
	}

	// Path is a path literal: ./a, /abs, a/b, ~/x, possibly interpolated
	// (./a/${x}/b). Parts[0] is the first literal segment as written.
	Path struct {
		Start, Stop Pos
		Home        bool // starts with ~/
		Parts       []StrPart
	}

	// SearchPath is <nixpkgs> or <nixpkgs/lib>.
	SearchPath struct {
		Start Pos
		Lit   string // with the angle brackets
	}

	// URI is an unquoted URI literal, e.g. https://example.org/x.
	URI struct {
		Start Pos
		Lit   string
	}

	// Paren is a parenthesised expression.
	Paren struct {
		Lparen, Rparen Pos
		X              Expr
	}

	// AttrSet is { … } or rec { … }.
	AttrSet struct {
		Rec            bool
		RecPos         Pos // position of rec, or NoPos
		Lbrace, Rbrace Pos
		Bindings       []Binding
		merged         *mergedSet
	}

	// LegacyLet is let { …; body = …; }, which means (rec { … }).body.
	LegacyLet struct {
		LetPos         Pos
		Lbrace, Rbrace Pos
		Bindings       []Binding
		merged         *mergedSet
	}

	// List is [ … ].
	List struct {
		Lbrack, Rbrack Pos
		Elems          []Expr
	}

	// Lambda is a function: x: body, { a, b ? 1, ... }: body, with an
	// optional @-pattern on either side.
	Lambda struct {
		Start   Pos
		Param   *Ident   // x in x: …, or the @ name; nil if none
		Formals *Formals // nil for a plain x: … lambda
		AtLeft  bool     // x @ { … }: rather than { … } @ x:
		Body    Expr
	}

	// Apply is function application f x. Or marks Nix's legacy
	// "f or" form, which applies f to a variable named or.
	Apply struct {
		Fn  Expr
		Arg Expr
		Or  bool
	}

	// Select is x.a.b or x.a.b or default.
	Select struct {
		X       Expr
		Path    []AttrName
		OrPos   Pos // NoPos if there is no default
		Default Expr
	}

	// HasAttr is x ? a.b.
	HasAttr struct {
		X    Expr
		Path []AttrName
	}

	// Unary is !x or -x.
	Unary struct {
		OpPos Pos
		Op    token // tNot or tMinus
		X     Expr
	}

	// Binary is x OP y for every binary operator.
	Binary struct {
		X     Expr
		OpPos Pos
		Op    token
		Y     Expr
	}

	// If is if c then a else b.
	If struct {
		IfPos      Pos
		Cond, Then Expr
		Else       Expr
	}

	// Assert is assert c; body.
	Assert struct {
		AssertPos Pos
		Cond      Expr
		Body      Expr
	}

	// With is with e; body.
	With struct {
		WithPos Pos
		Env     Expr
		Body    Expr
	}

	// Let is let bindings in body.
	Let struct {
		LetPos   Pos
		Bindings []Binding
		Body     Expr
		merged   *mergedSet
	}

	// BadExpr stands for an expression that could not be parsed.
	BadExpr struct {
		From, To Pos
	}
)

// StrPart is a piece of a string or path: literal text or an interpolation.
type StrPart interface {
	Node
	strPart()
}

// Lit is a literal piece. Value is the text after escapes are applied. In an
// indented string, Raw marks text that takes part in indentation stripping
// (escapes such as ”$ do not).
type Lit struct {
	Start, Stop Pos
	Value       string
	Raw         bool
}

// Interp is ${expr}.
type Interp struct {
	Start, Stop Pos // ${ and just past }
	X           Expr
}

// AttrName is one element of an attribute path: a name (Ident), a quoted
// string (String), or ${expr} (Interp).
type AttrName struct {
	Ident  *Ident
	String *String
	Interp *Interp
}

// Pos returns the start of the name.
func (a AttrName) Pos() Pos {
	switch {
	case a.Ident != nil:
		return a.Ident.Pos()
	case a.String != nil:
		return a.String.Pos()
	case a.Interp != nil:
		return a.Interp.Pos()
	}
	return NoPos
}

// End returns the end of the name.
func (a AttrName) End() Pos {
	switch {
	case a.Ident != nil:
		return a.Ident.End()
	case a.String != nil:
		return a.String.End()
	case a.Interp != nil:
		return a.Interp.End()
	}
	return NoPos
}

// Static returns the name when Nix treats it as static: an identifier, a
// string without interpolation, or ${…} around a string literal (so
// ${"a"} is static, "${"a"}" is not).
func (a AttrName) Static() (string, bool) {
	switch {
	case a.Ident != nil:
		return a.Ident.Name, true
	case a.String != nil:
		return a.String.StaticValue()
	case a.Interp != nil:
		switch x := unparen(a.Interp.X).(type) {
		case *String:
			return x.StaticValue()
		case *URI:
			return x.Lit, true
		}
	}
	return "", false
}

// Binding is one element of an attribute set or let: *AttrDef or *Inherit.
type Binding interface {
	Node
	binding()
}

// AttrDef is path = value;.
type AttrDef struct {
	Path  []AttrName
	Value Expr
	Semi  Pos
}

// Inherit is inherit a b; or inherit (from) a b;.
type Inherit struct {
	InheritPos Pos
	From       Expr // nil for a plain inherit
	Names      []AttrName
	Semi       Pos
	namesPos   Pos // where Nix reports errors about the names
}

// Formals is the { a, b ? 1, ... } pattern of a lambda.
type Formals struct {
	Lbrace, Rbrace Pos
	List           []*Formal
	Ellipsis       bool
}

// Formal is one formal argument, with an optional default.
type Formal struct {
	Name    *Ident
	Default Expr
}

func (x *Ident) Pos() Pos      { return x.NamePos }
func (x *Ident) End() Pos      { return x.NamePos + Pos(len(x.Name)) }
func (x *Int) Pos() Pos        { return x.ValuePos }
func (x *Int) End() Pos        { return x.ValuePos + Pos(len(x.Lit)) }
func (x *Float) Pos() Pos      { return x.ValuePos }
func (x *Float) End() Pos      { return x.ValuePos + Pos(len(x.Lit)) }
func (x *String) Pos() Pos     { return x.Open }
func (x *String) End() Pos     { return x.Close }
func (x *Path) Pos() Pos       { return x.Start }
func (x *Path) End() Pos       { return x.Stop }
func (x *SearchPath) Pos() Pos { return x.Start }
func (x *SearchPath) End() Pos { return x.Start + Pos(len(x.Lit)) }
func (x *URI) Pos() Pos        { return x.Start }
func (x *URI) End() Pos        { return x.Start + Pos(len(x.Lit)) }
func (x *Paren) Pos() Pos      { return x.Lparen }
func (x *Paren) End() Pos      { return x.Rparen + 1 }
func (x *AttrSet) Pos() Pos {
	if x.Rec {
		return x.RecPos
	}
	return x.Lbrace
}
func (x *AttrSet) End() Pos   { return x.Rbrace + 1 }
func (x *LegacyLet) Pos() Pos { return x.LetPos }
func (x *LegacyLet) End() Pos { return x.Rbrace + 1 }
func (x *List) Pos() Pos      { return x.Lbrack }
func (x *List) End() Pos      { return x.Rbrack + 1 }
func (x *Lambda) Pos() Pos    { return x.Start }
func (x *Lambda) End() Pos    { return x.Body.End() }
func (x *Apply) Pos() Pos     { return x.Fn.Pos() }
func (x *Apply) End() Pos     { return x.Arg.End() }
func (x *Select) Pos() Pos    { return x.X.Pos() }
func (x *Select) End() Pos {
	if x.Default != nil {
		return x.Default.End()
	}
	return x.Path[len(x.Path)-1].End()
}
func (x *HasAttr) Pos() Pos { return x.X.Pos() }
func (x *HasAttr) End() Pos { return x.Path[len(x.Path)-1].End() }
func (x *Unary) Pos() Pos   { return x.OpPos }
func (x *Unary) End() Pos   { return x.X.End() }
func (x *Binary) Pos() Pos  { return x.X.Pos() }
func (x *Binary) End() Pos  { return x.Y.End() }
func (x *If) Pos() Pos      { return x.IfPos }
func (x *If) End() Pos      { return x.Else.End() }
func (x *Assert) Pos() Pos  { return x.AssertPos }
func (x *Assert) End() Pos  { return x.Body.End() }
func (x *With) Pos() Pos    { return x.WithPos }
func (x *With) End() Pos    { return x.Body.End() }
func (x *Let) Pos() Pos     { return x.LetPos }
func (x *Let) End() Pos     { return x.Body.End() }
func (x *BadExpr) Pos() Pos { return x.From }
func (x *BadExpr) End() Pos { return x.To }

func (x *Lit) Pos() Pos    { return x.Start }
func (x *Lit) End() Pos    { return x.Stop }
func (x *Interp) Pos() Pos { return x.Start }
func (x *Interp) End() Pos { return x.Stop }

func (x *AttrDef) Pos() Pos { return x.Path[0].Pos() }
func (x *AttrDef) End() Pos { return x.Semi + 1 }
func (x *Inherit) Pos() Pos { return x.InheritPos }
func (x *Inherit) End() Pos { return x.Semi + 1 }

func (*Ident) exprNode()      {}
func (*Int) exprNode()        {}
func (*Float) exprNode()      {}
func (*String) exprNode()     {}
func (*Path) exprNode()       {}
func (*SearchPath) exprNode() {}
func (*URI) exprNode()        {}
func (*Paren) exprNode()      {}
func (*AttrSet) exprNode()    {}
func (*LegacyLet) exprNode()  {}
func (*List) exprNode()       {}
func (*Lambda) exprNode()     {}
func (*Apply) exprNode()      {}
func (*Select) exprNode()     {}
func (*HasAttr) exprNode()    {}
func (*Unary) exprNode()      {}
func (*Binary) exprNode()     {}
func (*If) exprNode()         {}
func (*Assert) exprNode()     {}
func (*With) exprNode()       {}
func (*Let) exprNode()        {}
func (*BadExpr) exprNode()    {}

func (*Lit) strPart()    {}
func (*Interp) strPart() {}

func (*AttrDef) binding() {}
func (*Inherit) binding() {}

// StaticValue returns the string's value when it has no interpolation. An
// indented string's value is after indentation stripping.
func (x *String) StaticValue() (string, bool) {
	parts := x.Parts
	if x.Indented {
		parts = stripIndentation(parts)
	}
	switch len(parts) {
	case 0:
		return "", true
	case 1:
		if l, ok := parts[0].(*Lit); ok {
			return l.Value, true
		}
	}
	return "", false
}
