package syntax

import (
	"fmt"
	"strconv"
)

// Limits that keep any input from exhausting the stack or running long.
const (
	maxErrors = 10
	maxDepth  = 10000 // parser recursion levels; about 3,300 nested parentheses
)

// ParseFile parses one Nix expression. It returns the syntax tree, possibly
// partial, and an ErrorList when the source has errors. The first error is
// the one Nix itself reports, at the same line and column.
func ParseFile(filename string, src []byte) (*File, Expr, error) {
	p := newParser(filename, src)
	x := p.parseTop()
	return p.file, x, p.errors.Err()
}

// ParseExpr parses src as an anonymous expression.
func ParseExpr(src string) (Expr, error) {
	_, x, err := ParseFile("", []byte(src))
	return x, err
}

type parser struct {
	file    *File
	lex     *lexer
	errors  ErrorList
	tok     tok   // current token
	ahead   []tok // tokens peeked past tok
	prevEnd Pos   // end of the token before tok
	depth   int
	// syntaxErrs counts syntax errors; checks that need a whole construct
	// are skipped once part of it failed to parse.
	syntaxErrs int
	recoveries int
	aborting   bool // an abort is unwinding: recovery points let it pass
}

// bailout unwinds to the nearest recovery point after a syntax error.
type bailout struct{}

func newParser(filename string, src []byte) *parser {
	p := &parser{file: newFile(filename, src)}
	p.lex = newLexer(src, func(pos Pos, msg string) { p.addError(pos, msg) })
	p.tok = p.lex.next()
	return p
}

func (p *parser) addError(pos Pos, msg string) {
	position := p.file.Position(pos)
	if n := len(p.errors); n > 0 && p.errors[n-1].Pos.Line == position.Line {
		return // at most one error a line
	}
	p.errors = append(p.errors, &Error{Pos: position, Msg: msg})
	if len(p.errors) >= maxErrors {
		p.abort()
	}
}

func (p *parser) abort() {
	p.aborting = true
	panic(abort{})
}

// abort unwinds straight to the top: too many errors, too deep, or end of
// input reached while recovering (nothing after it could be recovered).
type abort struct{}

// syntaxError reports an unexpected token and unwinds.
func (p *parser) syntaxError(expecting string) {
	msg := "syntax error, unexpected " + p.tok.describe()
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	p.syntaxErrs++
	p.addError(p.tok.pos, msg)
	panic(bailout{})
}

func (p *parser) next() {
	p.prevEnd = p.tok.end
	if len(p.ahead) > 0 {
		p.tok = p.ahead[0]
		p.ahead = p.ahead[1:]
		return
	}
	p.tok = p.lex.next()
}

// peek returns the token n places after the current one (n >= 1).
func (p *parser) peek(n int) tok {
	for len(p.ahead) < n {
		p.ahead = append(p.ahead, p.lex.next())
	}
	return p.ahead[n-1]
}

func (p *parser) expect(k token, what string) tok {
	t := p.tok
	if t.kind != k {
		p.syntaxError(what)
	}
	p.next()
	return t
}

func (p *parser) parseTop() (x Expr) {
	defer func() {
		if r := recover(); r != nil {
			switch r.(type) {
			case bailout, abort:
				if x == nil {
					x = &BadExpr{From: 0, To: Pos(len(p.file.Src))}
				}
			default:
				panic(r)
			}
		}
	}()
	x = p.parseExpr()
	if p.tok.kind != tEOF {
		p.syntaxError("end of file")
	}
	return x
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.syntaxErrs++
		p.addError(p.tok.pos, fmt.Sprintf("expression nested too deeply (more than %d levels)", maxDepth))
		p.abort()
	}
}

func (p *parser) leave() { p.depth-- }

// parseExpr parses expr_function: lambdas, assert, with, let, and below.
func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	switch p.tok.kind {
	case tID:
		switch p.peek(1).kind {
		case tColon:
			id := p.ident()
			p.next()
			return &Lambda{Start: id.NamePos, Param: id, Body: p.parseExpr()}
		case tAt:
			id := p.ident()
			p.next()
			if p.tok.kind != tLBrace {
				p.syntaxError("'{'")
			}
			f := p.parseFormals()
			p.expect(tColon, "':'")
			lam := &Lambda{Start: id.NamePos, Param: id, Formals: f, AtLeft: true}
			p.checkFormals(lam)
			lam.Body = p.parseExpr()
			return lam
		}
	case tLBrace:
		if p.formalsAhead() {
			start := p.tok.pos
			f := p.parseFormals()
			lam := &Lambda{Start: start, Formals: f}
			if p.tok.kind == tAt {
				p.next()
				if p.tok.kind != tID {
					p.syntaxError("identifier")
				}
				lam.Param = p.ident()
			}
			p.expect(tColon, "':'")
			p.checkFormals(lam)
			lam.Body = p.parseExpr()
			return lam
		}
	case tAssert:
		pos := p.tok.pos
		p.next()
		cond := p.parseExpr()
		p.expect(tSemi, "';'")
		return &Assert{AssertPos: pos, Cond: cond, Body: p.parseExpr()}
	case tWith:
		pos := p.tok.pos
		p.next()
		env := p.parseExpr()
		p.expect(tSemi, "';'")
		return &With{WithPos: pos, Env: env, Body: p.parseExpr()}
	case tLet:
		if p.peek(1).kind != tLBrace {
			pos := p.tok.pos
			p.next()
			errsBefore := p.syntaxErrs
			binds, merged := p.parseBindings(tIn)
			p.expect(tIn, "'in'")
			let := &Let{LetPos: pos, Bindings: binds, merged: merged}
			let.Body = p.parseExpr()
			if p.syntaxErrs == errsBefore {
				for _, b := range binds {
					if d, ok := b.(*AttrDef); ok {
						if _, static := d.Path[0].Static(); !static {
							p.addError(pos, "dynamic attributes not allowed in let")
							break
						}
					}
				}
			}
			return let
		}
	}
	return p.parseIf()
}

// formalsAhead decides, at '{', whether a lambda's formals follow rather than
// an attribute set, looking as far ahead as Nix's GLR parser does.
func (p *parser) formalsAhead() bool {
	t1 := p.peek(1)
	switch t1.kind {
	case tEllipsis:
		return true
	case tRBrace:
		k := p.peek(2).kind
		return k == tColon || k == tAt
	case tID:
		switch p.peek(2).kind {
		case tComma, tQuestion, tRBrace:
			return true
		}
	}
	return false
}

func (p *parser) ident() *Ident {
	id := &Ident{NamePos: p.tok.pos, Name: p.tok.val}
	p.next()
	return id
}

// parseFormals parses { a, b ? 1, ... } starting at '{'.
func (p *parser) parseFormals() *Formals {
	f := &Formals{Lbrace: p.tok.pos}
	p.next()
	for {
		switch p.tok.kind {
		case tRBrace:
			f.Rbrace = p.tok.pos
			p.next()
			return f
		case tEllipsis:
			f.Ellipsis = true
			p.next()
			f.Rbrace = p.expect(tRBrace, "'}'").pos
			return f
		case tID:
			formal := &Formal{Name: p.ident()}
			if p.tok.kind == tQuestion {
				p.next()
				formal.Default = p.parseExpr()
			}
			f.List = append(f.List, formal)
			switch p.tok.kind {
			case tComma:
				p.next()
			case tRBrace:
			default:
				p.syntaxError("',' or '}'")
			}
		default:
			p.syntaxError("identifier, '...' or '}'")
		}
	}
}

// checkFormals reports duplicate formal arguments as Nix does: the
// duplicate that comes second, then an @-name that repeats a formal.
func (p *parser) checkFormals(lam *Lambda) {
	seen := make(map[string]bool, len(lam.Formals.List))
	for _, f := range lam.Formals.List {
		if seen[f.Name.Name] {
			p.addError(f.Name.NamePos, fmt.Sprintf("duplicate formal function argument '%s'", f.Name.Name))
			return
		}
		seen[f.Name.Name] = true
	}
	if lam.Param != nil && seen[lam.Param.Name] {
		p.addError(lam.Start, fmt.Sprintf("duplicate formal function argument '%s'", lam.Param.Name))
	}
}

func (p *parser) parseIf() Expr {
	if p.tok.kind != tIf {
		return p.parseOp(precImpl)
	}
	pos := p.tok.pos
	p.next()
	cond := p.parseExpr()
	p.expect(tThen, "'then'")
	then := p.parseExpr()
	p.expect(tElse, "'else'")
	return &If{IfPos: pos, Cond: cond, Then: then, Else: p.parseExpr()}
}

// Operator precedences, lowest first, as in Nix's parser.y.
const (
	precImpl = iota + 1
	precOr
	precAnd
	precEq
	precCmp
	precUpdate
	precNot
	precAdd
	precMul
	precConcat
	precHasAttr
	precNegate
)

type assoc int

const (
	left assoc = iota
	right
	nonassoc
)

func binaryOp(k token) (prec int, a assoc) {
	switch k {
	case tImpl:
		return precImpl, right
	case tOr:
		return precOr, left
	case tAnd:
		return precAnd, left
	case tEq, tNeq:
		return precEq, nonassoc
	case tLess, tGreater, tLeq, tGeq:
		return precCmp, nonassoc
	case tUpdate:
		return precUpdate, right
	case tPlus, tMinus:
		return precAdd, left
	case tStar, tSlash:
		return precMul, left
	case tConcat:
		return precConcat, right
	case tQuestion:
		// %nonassoc in Nix's grammar, but its right side is an attribute
		// path, so a ? b ? c never conflicts: it is (a ? b) ? c.
		return precHasAttr, left
	}
	return 0, left
}

// parseOp parses expr_op with operators of precedence at least minPrec.
func (p *parser) parseOp(minPrec int) Expr {
	p.enter()
	defer p.leave()
	x := p.parsePrefix()
	lastPrec := 0
	for {
		prec, a := binaryOp(p.tok.kind)
		if prec == 0 || prec < minPrec {
			return x
		}
		if a == nonassoc && prec == lastPrec {
			p.syntaxError("")
		}
		op := p.tok
		p.next()
		if op.kind == tQuestion {
			x = &HasAttr{X: x, Path: p.parseAttrPath()}
		} else {
			next := prec + 1
			if a == right {
				next = prec
			}
			x = &Binary{X: x, OpPos: op.pos, Op: op.kind, Y: p.parseOp(next)}
		}
		lastPrec = prec
	}
}

func (p *parser) parsePrefix() Expr {
	switch p.tok.kind {
	case tNot:
		pos := p.tok.pos
		p.next()
		return &Unary{OpPos: pos, Op: tNot, X: p.parseOp(precNot + 1)}
	case tMinus:
		pos := p.tok.pos
		p.next()
		return &Unary{OpPos: pos, Op: tMinus, X: p.parseOp(precNegate + 1)}
	}
	return p.parseApp()
}

// startsSimple reports whether k can begin an expr_simple, i.e. an argument.
func (p *parser) startsSimple(k token) bool {
	switch k {
	case tID, tInt, tFloat, tQuote, tIndOpen, tPath, tHPath, tSPath, tURI,
		tLParen, tLBrace, tLBrack, tRec:
		return true
	case tLet:
		return p.peek(1).kind == tLBrace
	}
	return false
}

func (p *parser) parseApp() Expr {
	x := p.parseSelect()
	for p.startsSimple(p.tok.kind) {
		x = &Apply{Fn: x, Arg: p.parseSelect()}
	}
	return x
}

func (p *parser) parseSelect() Expr {
	p.enter()
	defer p.leave()
	x := p.parseSimple()
	switch p.tok.kind {
	case tDot:
		p.next()
		sel := &Select{X: x, Path: p.parseAttrPath(), OrPos: NoPos}
		if p.tok.kind == tOrKw {
			sel.OrPos = p.tok.pos
			p.next()
			sel.Default = p.parseSelect()
		}
		return sel
	case tOrKw:
		// Legacy: "f or" applies f to a variable named or.
		or := &Ident{NamePos: p.tok.pos, Name: "or"}
		p.next()
		return &Apply{Fn: x, Arg: or, Or: true}
	}
	return x
}

func (p *parser) parseAttrPath() []AttrName {
	var path []AttrName
	for {
		path = append(path, p.parseAttrName("attribute name"))
		if p.tok.kind != tDot {
			return path
		}
		p.next()
	}
}

func (p *parser) parseAttrName(what string) AttrName {
	switch p.tok.kind {
	case tID, tOrKw:
		return AttrName{Ident: p.ident()}
	case tQuote:
		return AttrName{String: p.parseString()}
	case tDollarCurly:
		return AttrName{Interp: p.parseInterp()}
	}
	p.syntaxError(what)
	return AttrName{}
}

func (p *parser) parseInterp() *Interp {
	in := &Interp{Start: p.tok.pos}
	p.next()
	in.X = p.parseExpr()
	in.Stop = p.expect(tRBrace, "'}'").end
	return in
}

func (p *parser) parseString() *String {
	s := &String{Open: p.tok.pos}
	p.next()
	for {
		switch p.tok.kind {
		case tStr:
			s.Parts = append(s.Parts, &Lit{Start: p.tok.pos, Stop: p.tok.end, Value: p.tok.val})
			p.next()
			// Nix's grammar has no two string pieces in a row; the lexer
			// makes them only for a stray $ or \ at end of input.
			if p.tok.kind == tStr {
				p.syntaxError("'\"'")
			}
		case tDollarCurly:
			s.Parts = append(s.Parts, p.parseInterp())
		case tQuote:
			s.Close = p.tok.end
			p.next()
			return s
		default:
			p.syntaxError("'\"'")
		}
	}
}

func (p *parser) parseIndString() *String {
	s := &String{Open: p.tok.pos, Indented: true}
	p.next()
	for {
		switch p.tok.kind {
		case tIndStr:
			s.Parts = append(s.Parts, &Lit{Start: p.tok.pos, Stop: p.tok.end, Value: p.tok.val, Raw: p.tok.raw})
			p.next()
		case tDollarCurly:
			s.Parts = append(s.Parts, p.parseInterp())
		case tIndClose:
			s.Close = p.tok.end
			p.next()
			return s
		default:
			p.syntaxError("''")
		}
	}
}

func (p *parser) parseSimple() Expr {
	t := p.tok
	switch t.kind {
	case tID:
		return p.ident()
	case tInt:
		p.next()
		v, _ := strconv.ParseInt(t.val, 10, 64) // overflow was reported by the lexer
		return &Int{ValuePos: t.pos, Lit: t.val, Value: v}
	case tFloat:
		p.next()
		v, _ := parseFloat(t.val)
		return &Float{ValuePos: t.pos, Lit: t.val, Value: v}
	case tQuote:
		return p.parseString()
	case tIndOpen:
		return p.parseIndString()
	case tPath, tHPath:
		path := &Path{Start: t.pos, Home: t.kind == tHPath}
		path.Parts = append(path.Parts, &Lit{Start: t.pos, Stop: t.end, Value: t.val})
		p.next()
		for {
			switch p.tok.kind {
			case tStr:
				path.Parts = append(path.Parts, &Lit{Start: p.tok.pos, Stop: p.tok.end, Value: p.tok.val})
				p.next()
				// In Nix's grammar the pieces after the first segment
				// start with an interpolation: a piece, then ${.
				if len(path.Parts) == 2 && p.tok.kind != tDollarCurly {
					p.syntaxError("'${'")
				}
			case tDollarCurly:
				path.Parts = append(path.Parts, p.parseInterp())
			case tPathEnd:
				path.Stop = p.prevEnd
				p.next()
				return path
			default:
				p.syntaxError("end of path")
			}
		}
	case tSPath:
		p.next()
		return &SearchPath{Start: t.pos, Lit: t.val}
	case tURI:
		p.next()
		return &URI{Start: t.pos, Lit: t.val}
	case tLParen:
		p.next()
		x := p.parseExpr()
		r := p.expect(tRParen, "')'")
		return &Paren{Lparen: t.pos, Rparen: r.pos, X: x}
	case tLet:
		p.next()
		l := &LegacyLet{LetPos: t.pos, Lbrace: p.expect(tLBrace, "'{'").pos}
		l.Bindings, l.merged = p.parseBindings(tRBrace)
		l.Rbrace = p.expect(tRBrace, "'}'").pos
		return l
	case tRec:
		p.next()
		s := &AttrSet{Rec: true, RecPos: t.pos, Lbrace: p.expect(tLBrace, "'{'").pos}
		s.Bindings, s.merged = p.parseBindings(tRBrace)
		s.Rbrace = p.expect(tRBrace, "'}'").pos
		return s
	case tLBrace:
		p.next()
		s := &AttrSet{RecPos: NoPos, Lbrace: t.pos}
		s.Bindings, s.merged = p.parseBindings(tRBrace)
		s.Rbrace = p.expect(tRBrace, "'}'").pos
		return s
	case tLBrack:
		p.next()
		l := &List{Lbrack: t.pos}
		for p.tok.kind != tRBrack {
			if !p.startsSimple(p.tok.kind) {
				p.syntaxError("']'")
			}
			l.Elems = append(l.Elems, p.recoverExpr(p.parseSelect, tRBrack))
		}
		l.Rbrack = p.tok.pos
		p.next()
		return l
	}
	p.syntaxError("expression")
	return nil
}

// recoverExpr runs parse; after a syntax error inside it, it skips to the
// next sync token at the same nesting level and returns a BadExpr, so one
// mistake does not hide the rest of the file.
func (p *parser) recoverExpr(parse func() Expr, closer token) (x Expr) {
	start := p.tok.pos
	depth := p.depth
	defer func() {
		if p.aborting {
			return // not calling recover lets the abort unwind in one pass
		}
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			p.recovered(depth)
			p.skipTo(closer)
			x = &BadExpr{From: start, To: p.tok.pos}
		}
	}()
	return parse()
}

// recovered resets the depth after a bailout and bounds the number of
// recoveries, so unwinding through deeply nested input stays linear.
func (p *parser) recovered(depth int) {
	p.depth = depth
	p.recoveries++
	if p.recoveries > 2*maxErrors {
		p.abort()
	}
}

// skipTo advances to the next ';' (consumed) or closer (not consumed) that
// is not nested in brackets, or to end of file.
func (p *parser) skipTo(closer token) {
	level := 0
	for {
		switch p.tok.kind {
		case tEOF:
			p.abort()
		case tLBrace, tDollarCurly, tLParen, tLBrack:
			level++
		case tRBrace, tRParen, tRBrack:
			if level == 0 {
				if p.tok.kind == closer {
					return
				}
				panic(bailout{})
			}
			level--
		case tSemi:
			if level == 0 && closer != tRBrack {
				p.next()
				return
			}
		case tIn:
			if level == 0 && closer == tIn {
				return
			}
		}
		p.next()
	}
}

// parseBindings parses bindings up to (not including) closer, checking for
// duplicate attributes as each binding completes, as Nix does.
func (p *parser) parseBindings(closer token) ([]Binding, *mergedSet) {
	var binds []Binding
	m := newMergedSet()
	for p.tok.kind != closer {
		var b Binding
		func() {
			depth := p.depth
			defer func() {
				if p.aborting {
					return
				}
				if r := recover(); r != nil {
					if _, ok := r.(bailout); !ok {
						panic(r)
					}
					p.recovered(depth)
					p.skipTo(closer)
				}
			}()
			b = p.parseBinding()
		}()
		if b == nil {
			continue
		}
		binds = append(binds, b)
		if err := m.add(b); err != nil {
			p.addError(err.pos, err.msg(p.file))
		}
	}
	return binds, m
}

func (p *parser) parseBinding() Binding {
	switch p.tok.kind {
	case tInherit:
		in := &Inherit{InheritPos: p.tok.pos}
		// Nix places an inherit's names, for its error messages, just
		// after the token before them: 'inherit' or ')'.
		in.namesPos = p.tok.end
		p.next()
		if p.tok.kind == tLParen {
			p.next()
			in.From = p.parseExpr()
			in.namesPos = p.expect(tRParen, "')'").end
		}
		for p.tok.kind != tSemi {
			name := p.parseAttrName("attribute name or ';'")
			if _, ok := name.Static(); !ok {
				p.addError(name.Pos(), "dynamic attributes not allowed in inherit")
			}
			in.Names = append(in.Names, name)
		}
		in.Semi = p.tok.pos
		p.next()
		return in
	case tID, tOrKw, tQuote, tDollarCurly:
		d := &AttrDef{Path: p.parseAttrPath()}
		p.expect(tAssign, "'='")
		d.Value = p.parseExpr()
		d.Semi = p.expect(tSemi, "';'").pos
		return d
	}
	p.syntaxError("attribute name, 'inherit' or '}'")
	return nil
}
