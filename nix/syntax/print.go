package syntax

import (
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// PrintConfig is what printing needs beyond the tree: Nix prints paths
// absolute, resolved against the directory of the file (or the current
// directory for stdin) and the home directory.
type PrintConfig struct {
	BaseDir string // absolute directory that relative paths resolve against
	Home    string // home directory for ~/ paths
}

// Fprint writes x the way current Nix's nix-instantiate --parse prints it,
// without a trailing newline.
func Fprint(w io.Writer, x Expr, cfg PrintConfig) error {
	pr := &printer{cfg: cfg}
	pr.expr(x)
	_, err := io.WriteString(w, pr.b.String())
	return err
}

// Sprint returns x printed as Fprint does.
func Sprint(x Expr, cfg PrintConfig) string {
	pr := &printer{cfg: cfg}
	return pr.sprint(x)
}

type printer struct {
	cfg PrintConfig
	b   strings.Builder
}

func (pr *printer) sprint(x Expr) string {
	sub := &printer{cfg: pr.cfg}
	sub.expr(x)
	return sub.b.String()
}

func (pr *printer) str(s string) { pr.b.WriteString(s) }

func (pr *printer) expr(x Expr) {
	switch x := x.(type) {
	case *Ident:
		pr.str(printIdentifier(x.Name))
	case *Int:
		pr.str(strconv.FormatInt(x.Value, 10))
	case *Float:
		pr.str(formatFloat(x.Value))
	case *String:
		parts := x.Parts
		if x.Indented {
			parts = stripIndentation(parts)
		}
		pr.concat(parts, nil)
	case *Path:
		pr.path(x)
	case *SearchPath:
		pr.str(`(__findFile __nixPath `)
		pr.str(printLiteralString(x.Lit[1 : len(x.Lit)-1]))
		pr.str(")")
	case *URI:
		pr.str(printLiteralString(x.Lit))
	case *Paren:
		pr.expr(x.X)
	case *AttrSet:
		if x.Rec {
			pr.str("rec ")
		}
		pr.str("{ ")
		pr.bindings(setOf(x))
		pr.str("}")
	case *LegacyLet:
		m := x.merged
		if m == nil {
			m = setOf(&AttrSet{Bindings: x.Bindings})
		}
		pr.str("(rec { ")
		pr.bindings(m)
		pr.str("}).body")
	case *Let:
		m := x.merged
		if m == nil {
			m = setOf(&AttrSet{Bindings: x.Bindings})
		}
		pr.str("(let ")
		pr.bindings(m)
		pr.str("in ")
		pr.expr(x.Body)
		pr.str(")")
	case *List:
		pr.str("[ ")
		for _, e := range x.Elems {
			pr.str("(")
			pr.expr(e)
			pr.str(") ")
		}
		pr.str("]")
	case *Lambda:
		pr.lambda(x)
	case *Select:
		pr.str("(")
		pr.expr(x.X)
		pr.str(").")
		pr.str(showAttrPath(x.Path, pr))
		if x.Default != nil {
			pr.str(" or (")
			pr.expr(x.Default)
			pr.str(")")
		}
	case *HasAttr:
		pr.str("((")
		pr.expr(x.X)
		pr.str(") ? ")
		pr.str(showAttrPath(x.Path, pr))
		pr.str(")")
	case *Unary:
		if x.Op == tNot {
			pr.str("(! ")
			pr.expr(x.X)
			pr.str(")")
			return
		}
		pr.call(x)
	case *Binary:
		switch x.Op {
		case tMinus, tStar, tSlash, tLess, tGreater:
			pr.call(x)
		case tLeq: // a <= b is !(b < a)
			pr.str("(! (__lessThan ")
			pr.expr(x.Y)
			pr.str(" ")
			pr.expr(x.X)
			pr.str("))")
		case tGeq: // a >= b is !(a < b)
			pr.str("(! (__lessThan ")
			pr.expr(x.X)
			pr.str(" ")
			pr.expr(x.Y)
			pr.str("))")
		default:
			pr.str("(")
			pr.expr(x.X)
			pr.str(" " + binaryOpText[x.Op] + " ")
			pr.expr(x.Y)
			pr.str(")")
		}
	case *Apply:
		pr.call(x)
	case *If:
		pr.str("(if ")
		pr.expr(x.Cond)
		pr.str(" then ")
		pr.expr(x.Then)
		pr.str(" else ")
		pr.expr(x.Else)
		pr.str(")")
	case *Assert:
		pr.str("assert ")
		pr.expr(x.Cond)
		pr.str("; ")
		pr.expr(x.Body)
	case *With:
		pr.str("(with ")
		pr.expr(x.Env)
		pr.str("; ")
		pr.expr(x.Body)
		pr.str(")")
	case *BadExpr:
		pr.str("<bad expression>")
	}
}

var binaryOpText = map[token]string{
	tEq: "==", tNeq: "!=", tAnd: "&&", tOr: "||", tImpl: "->",
	tUpdate: "//", tConcat: "++", tPlus: "+",
}

// callParts returns the function and arguments of x when Nix represents x
// as a function call (ExprCall), and ok=false otherwise. Application onto a
// call appends to its arguments, as Nix's parser does: (f a) b is (f a b),
// and so is (a - b) c, which is (__sub a b c).
func callParts(x Expr) (fn Expr, args []Expr, ok bool) {
	switch x := unparen(x).(type) {
	case *Apply:
		if x.Or {
			return x.Fn, []Expr{x.Arg}, true
		}
		if fn, args, ok := callParts(x.Fn); ok {
			return fn, append(args, x.Arg), true
		}
		return x.Fn, []Expr{x.Arg}, true
	case *Unary:
		if x.Op == tMinus {
			return &Ident{Name: "__sub"}, []Expr{&Int{Lit: "0"}, x.X}, true
		}
	case *Binary:
		switch x.Op {
		case tMinus:
			return &Ident{Name: "__sub"}, []Expr{x.X, x.Y}, true
		case tStar:
			return &Ident{Name: "__mul"}, []Expr{x.X, x.Y}, true
		case tSlash:
			return &Ident{Name: "__div"}, []Expr{x.X, x.Y}, true
		case tLess:
			return &Ident{Name: "__lessThan"}, []Expr{x.X, x.Y}, true
		case tGreater:
			return &Ident{Name: "__lessThan"}, []Expr{x.Y, x.X}, true
		}
	case *SearchPath:
		name := &String{Parts: []StrPart{&Lit{Value: x.Lit[1 : len(x.Lit)-1]}}}
		return &Ident{Name: "__findFile"}, []Expr{&Ident{Name: "__nixPath"}, name}, true
	}
	return nil, nil, false
}

func (pr *printer) call(x Expr) {
	fn, args, _ := callParts(x)
	pr.str("(")
	pr.expr(fn)
	for _, a := range args {
		pr.str(" ")
		pr.expr(a)
	}
	pr.str(")")
}

// concat prints string parts as Nix does: "" when empty, a string when one
// literal, else (a + b + …). first, when set, is printed as the first part.
func (pr *printer) concat(parts []StrPart, first func()) {
	if first == nil {
		switch len(parts) {
		case 0:
			pr.str(`""`)
			return
		case 1:
			if l, ok := parts[0].(*Lit); ok {
				pr.str(printLiteralString(l.Value))
				return
			}
		}
	}
	pr.str("(")
	sep := false
	if first != nil {
		first()
		sep = true
	}
	for _, part := range parts {
		if sep {
			pr.str(" + ")
		}
		sep = true
		switch part := part.(type) {
		case *Lit:
			pr.str(printLiteralString(part.Value))
		case *Interp:
			pr.expr(part.X)
		}
	}
	pr.str(")")
}

func (pr *printer) path(x *Path) {
	first := x.Parts[0].(*Lit).Value
	var p string
	if x.Home {
		p = pr.cfg.Home + first[1:]
	} else {
		p = absPath(first, pr.cfg.BaseDir)
		if strings.HasSuffix(first, "/") && len(first) > 1 {
			p += "/"
		}
	}
	if len(x.Parts) == 1 {
		pr.str(p)
		return
	}
	pr.concat(x.Parts[1:], func() { pr.str(p) })
}

// absPath resolves p against base and canonicalises it the way Nix's
// absPath/canonPath do: no ".", "..", repeated or trailing slashes.
func absPath(p, base string) string {
	if !strings.HasPrefix(p, "/") {
		if base == "" {
			base = "/"
		}
		p = base + "/" + p
	}
	return path.Clean(p)
}

func (pr *printer) lambda(x *Lambda) {
	pr.str("(")
	if x.Formals != nil {
		pr.str("{ ")
		formals := append([]*Formal(nil), x.Formals.List...)
		sort.SliceStable(formals, func(i, j int) bool { return formals[i].Name.Name < formals[j].Name.Name })
		for i, f := range formals {
			if i > 0 {
				pr.str(", ")
			}
			pr.str(printIdentifier(f.Name.Name))
			if f.Default != nil {
				pr.str(" ? ")
				pr.expr(f.Default)
			}
		}
		if x.Formals.Ellipsis {
			if len(formals) > 0 {
				pr.str(", ")
			}
			pr.str("...")
		}
		pr.str(" }")
		if x.Param != nil {
			pr.str(" @ ")
		}
	}
	if x.Param != nil {
		pr.str(printIdentifier(x.Param.Name))
	}
	pr.str(": ")
	pr.expr(x.Body)
	pr.str(")")
}

// bindings prints a merged set's bindings in current Nix's order: plain
// inherits, then inherit (e) groups in source order, then attributes
// sorted by name, then dynamic attributes in source order.
func (pr *printer) bindings(m *mergedSet) {
	names := sortedNames(m)
	var inherits []string
	fromGroups := make(map[Expr][]string)
	for _, n := range names {
		d, _ := m.attrs.get(n)
		switch d.kind {
		case defInherited:
			inherits = append(inherits, n)
		case defInheritedFrom:
			fromGroups[d.from] = append(fromGroups[d.from], n)
		}
	}
	if len(inherits) > 0 {
		pr.str("inherit")
		for _, n := range inherits {
			pr.str(" " + printIdentifier(n))
		}
		pr.str("; ")
	}
	for _, from := range m.inheritFrom {
		group, ok := fromGroups[from]
		if !ok {
			continue
		}
		delete(fromGroups, from) // the same expression listed twice prints once
		pr.str("inherit (")
		pr.expr(from)
		pr.str(")")
		for _, n := range group {
			pr.str(" " + printIdentifier(n))
		}
		pr.str("; ")
	}
	for _, n := range names {
		d, _ := m.attrs.get(n)
		if d.kind != defPlain {
			continue
		}
		pr.str(printIdentifier(n))
		pr.str(" = ")
		pr.setOrExpr(d.set, d.rec, d.value)
		pr.str("; ")
	}
	for _, d := range m.dynamic {
		pr.str(`"${`)
		pr.expr(dynamicNameExpr(d.name))
		pr.str(`}" = `)
		pr.setOrExpr(d.set, d.rec, d.value)
		pr.str("; ")
	}
}

func (pr *printer) setOrExpr(set *mergedSet, rec bool, value Expr) {
	if set == nil {
		pr.expr(value)
		return
	}
	if rec {
		pr.str("rec ")
	}
	pr.str("{ ")
	pr.bindings(set)
	pr.str("}")
}

// reservedKeywords are printed quoted when they are attribute names.
var reservedKeywords = map[string]bool{
	"if": true, "then": true, "else": true, "assert": true, "with": true,
	"let": true, "in": true, "rec": true, "inherit": true,
}

// printIdentifier prints a name as Nix does: bare when it is a plain
// identifier, quoted otherwise.
func printIdentifier(s string) string {
	if s == "" {
		return `""`
	}
	if reservedKeywords[s] {
		return `"` + s + `"`
	}
	if !IsIdentifier(s) {
		return QuoteString(s)
	}
	return s
}

// IsIdentifier reports whether s has the shape of a Nix identifier,
// [a-zA-Z_][a-zA-Z0-9_'-]*, and is not a reserved keyword (if then else
// assert with let in rec inherit), so it can be written bare.
func IsIdentifier(s string) bool {
	if s == "" || !isIDStart(s[0]) || reservedKeywords[s] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return false
		}
	}
	return true
}

// printLiteralString is QuoteString; the name follows Nix's.
func printLiteralString(s string) string { return QuoteString(s) }

// QuoteString quotes s as a Nix string literal, as current Nix prints it:
// escapes for " \ newline CR tab, and \$ before {, so nothing in s can
// start an interpolation. It is the one quoting function of the project.
func QuoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteByte('\\')
			}
			b.WriteByte('$')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// formatFloat prints a float as C++'s ostream does by default (%g, six
// significant digits).
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}
