package syntax

import "strconv"

// token is a lexical token kind. Single-character tokens that have no name
// in Nix's grammar are tChar, with the byte in tok.ch.
type token int

const (
	tEOF token = iota
	tChar
	tID
	tInt
	tFloat
	tPath     // relative or absolute path, or the first segment of an interpolated one
	tHPath    // ~/path
	tSPath    // <nixpkgs/path>
	tURI      // http://…, x:y
	tStr      // a literal piece of a string or interpolated path
	tIndStr   // a literal piece of an indented string
	tPathEnd  // end of a path (zero width)
	tIf       // if
	tThen     // then
	tElse     // else
	tAssert   // assert
	tWith     // with
	tLet      // let
	tIn       // in
	tRec      // rec
	tInherit  // inherit
	tOrKw     // or
	tEllipsis // ...
	tEq       // ==
	tNeq      // !=
	tLeq      // <=
	tGeq      // >=
	tAnd      // &&
	tOr       // ||
	tImpl     // ->
	tUpdate   // //
	tConcat   // ++
	tDollarCurly
	tLBrace
	tRBrace
	tQuote    // "
	tIndOpen  // ''
	tIndClose // ''
	tLParen   // (
	tRParen   // )
	tLBrack   // [
	tRBrack   // ]
	tSemi     // ;
	tColon    // :
	tDot      // .
	tComma    // ,
	tAt       // @
	tQuestion // ?
	tAssign   // =
	tLess     // <
	tGreater  // >
	tPlus     // +
	tMinus    // -
	tStar     // *
	tSlash    // /
	tNot      // !
)

var keywords = map[string]token{
	"if": tIf, "then": tThen, "else": tElse, "assert": tAssert, "with": tWith,
	"let": tLet, "in": tIn, "rec": tRec, "inherit": tInherit, "or": tOrKw,
}

var punct = [256]token{
	'(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack, ';': tSemi,
	':': tColon, '.': tDot, ',': tComma, '@': tAt, '?': tQuestion,
	'=': tAssign, '<': tLess, '>': tGreater, '+': tPlus, '-': tMinus,
	'*': tStar, '/': tSlash, '!': tNot,
}

// describe names a token for an error message.
func (t tok) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tChar:
		if t.ch >= 0x20 && t.ch < 0x7f {
			return "'" + string(rune(t.ch)) + "'"
		}
		return "byte " + strconv.QuoteRune(rune(t.ch))
	case tID:
		return "identifier '" + t.val + "'"
	case tInt:
		return "integer " + t.val
	case tFloat:
		return "float " + t.val
	case tPath, tHPath:
		return "path " + t.val
	case tSPath:
		return "search path " + t.val
	case tURI:
		return "URI " + t.val
	case tStr, tIndStr:
		return "string"
	case tPathEnd:
		return "end of path"
	case tDollarCurly:
		return "'${'"
	case tLBrace:
		return "'{'"
	case tRBrace:
		return "'}'"
	case tQuote:
		return "'\"'"
	case tIndOpen, tIndClose:
		return "''"
	}
	for s, k := range keywords {
		if k == t.kind {
			return "'" + s + "'"
		}
	}
	switch t.kind {
	case tEllipsis:
		return "'...'"
	case tEq:
		return "'=='"
	case tNeq:
		return "'!='"
	case tLeq:
		return "'<='"
	case tGeq:
		return "'>='"
	case tAnd:
		return "'&&'"
	case tOr:
		return "'||'"
	case tImpl:
		return "'->'"
	case tUpdate:
		return "'//'"
	case tConcat:
		return "'++'"
	}
	for c, k := range punct {
		if k == t.kind && k != 0 {
			return "'" + string(rune(c)) + "'"
		}
	}
	return "token"
}

// tok is one lexed token.
type tok struct {
	kind     token
	pos, end Pos
	val      string // identifier, number text, path text, or a string piece's value
	ch       byte   // for tChar
	raw      bool   // tIndStr: literal text that takes part in indentation stripping
}
