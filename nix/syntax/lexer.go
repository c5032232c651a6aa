package syntax

import (
	"math"
	"strconv"
	"strings"
)

// The lexer reproduces Nix's flex scanner (src/libexpr/lexer.l): the same
// start-condition stack, longest-match rule choice with ties going to the
// earlier rule, and the same error positions. Nix's own parser and printer
// are the oracle for every decision here (see lexer_test.go and the corpus).

type lexState uint8

const (
	stInitial lexState = iota // bottom of the stack; '}' does not pop it
	stDefault
	stString
	stIndString
	stInPath
	stInPathSlash
)

type lexer struct {
	src   []byte
	off   int
	stack []lexState
	// lastStart is where the last lexeme (token, whitespace or comment)
	// began. Nix reports errors at end of input there.
	lastStart int
	errh      func(pos Pos, msg string)

	// Memos that keep lexing linear: a run of path characters or URI scheme
	// characters is scanned once, however many tokens start inside it, and
	// an unterminated /* is looked for once.
	pathRunFrom, pathRunTo     int
	schemeRunFrom, schemeRunTo int
	noCommentEndFrom           int

	names map[string]string // identifiers seen, so each is allocated once
}

// intern returns b as a string, allocating each distinct name once.
func (l *lexer) intern(b []byte) string {
	if s, ok := l.names[string(b)]; ok {
		return s
	}
	if l.names == nil {
		l.names = make(map[string]string, 64)
	}
	s := string(b)
	l.names[s] = s
	return s
}

// keyword returns the keyword token for word, or 0.
func keyword(word []byte) token {
	if len(word) < 2 || len(word) > 7 {
		return 0
	}
	switch string(word) {
	case "if":
		return tIf
	case "then":
		return tThen
	case "else":
		return tElse
	case "assert":
		return tAssert
	case "with":
		return tWith
	case "let":
		return tLet
	case "in":
		return tIn
	case "rec":
		return tRec
	case "inherit":
		return tInherit
	case "or":
		return tOrKw
	}
	return 0
}

func newLexer(src []byte, errh func(Pos, string)) *lexer {
	return &lexer{src: src, stack: []lexState{stInitial}, errh: errh,
		pathRunFrom: -1, schemeRunFrom: -1, noCommentEndFrom: len(src) + 1}
}

func (l *lexer) state() lexState { return l.stack[len(l.stack)-1] }
func (l *lexer) push(s lexState) { l.stack = append(l.stack, s) }
func (l *lexer) pop() {
	if len(l.stack) > 1 {
		l.stack = l.stack[:len(l.stack)-1]
	}
}

// eofPos is the position Nix gives to the end of input.
func (l *lexer) eofPos() Pos { return Pos(l.lastStart) }

func isPathChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '+'
}

func isIDStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isIDChar(c byte) bool {
	return isIDStart(c) || c >= '0' && c <= '9' || c == '\'' || c == '-'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isURIChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	switch c {
	case '%', '/', '?', ':', '@', '&', '=', '+', '$', ',', '-', '_', '.', '!', '~', '*', '\'':
		return true
	}
	return false
}

func (l *lexer) at(i int) int {
	if i < len(l.src) {
		return int(l.src[i])
	}
	return -1
}

// The match* functions return the length of the longest match of one flex
// rule at offset i, or 0.

// ID: [a-zA-Z\_][a-zA-Z0-9\_\'\-]*
func (l *lexer) matchID(i int) int {
	if i >= len(l.src) || !isIDStart(l.src[i]) {
		return 0
	}
	j := i + 1
	for j < len(l.src) && isIDChar(l.src[j]) {
		j++
	}
	return j - i
}

// INT: [0-9]+
func (l *lexer) matchInt(i int) int {
	j := i
	for j < len(l.src) && isDigit(l.src[j]) {
		j++
	}
	return j - i
}

// FLOAT: (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
func (l *lexer) matchFloat(i int) int {
	j := i
	switch {
	case l.at(j) >= '1' && l.at(j) <= '9':
		for isDigitAt(l, j) {
			j++
		}
		if l.at(j) != '.' {
			return 0
		}
		j++
		for isDigitAt(l, j) {
			j++
		}
	default:
		if l.at(j) == '0' {
			j++
		}
		if l.at(j) != '.' || !isDigitAt(l, j+1) {
			return 0
		}
		j++
		for isDigitAt(l, j) {
			j++
		}
	}
	if c := l.at(j); c == 'e' || c == 'E' {
		k := j + 1
		if c := l.at(k); c == '+' || c == '-' {
			k++
		}
		if isDigitAt(l, k) {
			for isDigitAt(l, k) {
				k++
			}
			j = k
		}
	}
	return j - i
}

func isDigitAt(l *lexer, i int) bool { return i < len(l.src) && isDigit(l.src[i]) }
func isPathCharAt(l *lexer, i int) bool {
	return i < len(l.src) && isPathChar(l.src[i])
}

// matchPathLike measures PATH_CHAR* (/ PATH_CHAR+)* at i and returns the
// length, the number of slash segments, and whether a '/' follows.
func (l *lexer) matchPathLike(i int) (n, segs int, slashAfter bool) {
	j := l.pathRunEnd(i)
	for l.at(j) == '/' && isPathCharAt(l, j+1) {
		j += 2
		for isPathCharAt(l, j) {
			j++
		}
		segs++
	}
	return j - i, segs, l.at(j) == '/'
}

// pathRunEnd returns the end of the run of path characters starting at i.
func (l *lexer) pathRunEnd(i int) int {
	if i >= l.pathRunFrom && i <= l.pathRunTo && l.pathRunFrom >= 0 {
		return l.pathRunTo
	}
	j := i
	for isPathCharAt(l, j) {
		j++
	}
	l.pathRunFrom, l.pathRunTo = i, j
	return j
}

// PATH: {PATH_CHAR}*(\/{PATH_CHAR}+)+\/?
func (l *lexer) matchPath(i int) int {
	n, segs, slash := l.matchPathLike(i)
	if segs == 0 {
		return 0
	}
	if slash {
		n++
	}
	return n
}

// {PATH_SEG}\$\{ where PATH_SEG is {PATH_CHAR}*\/ ; returns the length of
// the PATH_SEG part only (the ${ is scanned again afterwards).
func (l *lexer) matchPathSegDollar(i int) int {
	j := l.pathRunEnd(i)
	if l.at(j) == '/' && l.at(j+1) == '$' && l.at(j+2) == '{' {
		return j + 1 - i
	}
	return 0
}

// HPATH: \~(\/{PATH_CHAR}+)+\/?
func (l *lexer) matchHPath(i int) int {
	if l.at(i) != '~' {
		return 0
	}
	n, segs, slash := l.matchPathLike(i + 1)
	if segs == 0 || n == 0 || l.src[i+1] != '/' {
		return 0
	}
	if slash {
		n++
	}
	return n + 1
}

// SPATH: \<{PATH_CHAR}+(\/{PATH_CHAR}+)*\>
func (l *lexer) matchSPath(i int) int {
	if l.at(i) != '<' || !isPathCharAt(l, i+1) {
		return 0
	}
	n, _, _ := l.matchPathLike(i + 1)
	if l.at(i+1+n) != '>' {
		return 0
	}
	return n + 2
}

// URI: [a-zA-Z][a-zA-Z0-9\+\-\.]*\:[a-zA-Z0-9\%\/\?\:\@\&\=\+\$\,\-\_\.\!\~\*\']+
func (l *lexer) matchURI(i int) int {
	c := l.at(i)
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return 0
	}
	var j int
	if i >= l.schemeRunFrom && i <= l.schemeRunTo && l.schemeRunFrom >= 0 {
		j = l.schemeRunTo
	} else {
		j = i + 1
		for {
			c := l.at(j)
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
				j++
				continue
			}
			break
		}
		l.schemeRunFrom, l.schemeRunTo = i, j
	}
	if l.at(j) != ':' {
		return 0
	}
	j++
	k := j
	for k < len(l.src) && isURIChar(l.src[k]) {
		k++
	}
	if k == j {
		return 0
	}
	return k - i
}

// next returns the next token.
func (l *lexer) next() tok {
	switch l.state() {
	case stString:
		return l.lexString()
	case stIndString:
		return l.lexIndString()
	case stInPath, stInPathSlash:
		return l.lexInPath()
	}
	return l.lexDefault()
}

func (l *lexer) emit(kind token, start, end int) tok {
	l.lastStart = start
	l.off = end
	return tok{kind: kind, pos: Pos(start), end: Pos(end)}
}

func (l *lexer) lexDefault() tok {
	src := l.src
	for {
		i := l.off
		if i >= len(src) {
			return tok{kind: tEOF, pos: l.eofPos(), end: Pos(len(src))}
		}
		c := src[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			j := i + 1
			for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\r' || src[j] == '\n') {
				j++
			}
			l.lastStart, l.off = i, j
			continue
		case '#':
			j := i + 1
			for j < len(src) && src[j] != '\r' && src[j] != '\n' {
				j++
			}
			l.lastStart, l.off = i, j
			continue
		case '/':
			if l.at(i+1) == '*' {
				if end := l.matchBlockComment(i); end > 0 {
					l.lastStart, l.off = i, end
					continue
				}
			}
		}
		if c == 0 {
			// Nix's scanner returns a NUL byte as token 0, which its
			// parser takes for the end of input.
			return tok{kind: tEOF, pos: Pos(i), end: Pos(i)}
		}
		return l.lexDefaultToken(i, c)
	}
}

// matchBlockComment matches \/\*([^*]|\*+[^*/])*\*+\/ at i and returns the
// end offset, or 0 when the comment is not terminated.
func (l *lexer) matchBlockComment(i int) int {
	if i >= l.noCommentEndFrom {
		return 0
	}
	src := l.src
	j := i + 2
	for j < len(src) {
		if src[j] != '*' {
			j++
			continue
		}
		for j < len(src) && src[j] == '*' {
			j++
		}
		if j < len(src) && src[j] == '/' {
			return j + 1
		}
	}
	l.noCommentEndFrom = i
	return 0
}

// candidate is one rule's match, in flex rule order.
type candidate struct {
	n    int
	kind token
}

func (l *lexer) lexDefaultToken(i int, c byte) tok {
	src := l.src
	// Fixed strings first; they precede every pattern rule in lexer.l.
	two := func(a, b byte) bool { return c == a && l.at(i+1) == int(b) }
	best := candidate{}
	consider := func(n int, kind token) {
		if n > best.n {
			best = candidate{n, kind}
		}
	}
	switch {
	case c == '.' && l.at(i+1) == '.' && l.at(i+2) == '.':
		consider(3, tEllipsis)
	case two('=', '='):
		consider(2, tEq)
	case two('!', '='):
		consider(2, tNeq)
	case two('<', '='):
		consider(2, tLeq)
	case two('>', '='):
		consider(2, tGeq)
	case two('&', '&'):
		consider(2, tAnd)
	case two('|', '|'):
		consider(2, tOr)
	case two('-', '>'):
		consider(2, tImpl)
	case two('/', '/'):
		consider(2, tUpdate)
	case two('+', '+'):
		consider(2, tConcat)
	}
	if isIDStart(c) {
		consider(l.matchID(i), tID) // keywords are resolved below
	}
	if isDigit(c) {
		consider(l.matchInt(i), tInt)
	}
	if isDigit(c) || c == '.' {
		consider(l.matchFloat(i), tFloat)
	}
	switch c {
	case '$':
		if l.at(i+1) == '{' {
			consider(2, tDollarCurly)
		}
	case '}':
		consider(1, tRBrace)
	case '{':
		consider(1, tLBrace)
	case '"':
		consider(1, tQuote)
	case '\'':
		if l.at(i+1) == '\'' {
			n := 2
			j := i + 2
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j < len(src) && src[j] == '\n' {
				n = j + 1 - i
			}
			consider(n, tIndOpen)
		}
	}
	pathSegDollar := 0
	if isPathChar(c) || c == '/' {
		pathSegDollar = l.matchPathSegDollar(i)
		// The rule matched PATH_SEG plus "${"; compare on that length.
		if pathSegDollar > 0 {
			consider(pathSegDollar+2, tPath)
		}
		consider(l.matchPath(i), tPath)
	}
	if c == '~' {
		if l.at(i+1) == '/' && l.at(i+2) == '$' && l.at(i+3) == '{' {
			pathSegDollar = 2
			consider(4, tHPath)
		}
		consider(l.matchHPath(i), tHPath)
	}
	if c == '<' {
		consider(l.matchSPath(i), tSPath)
	}
	consider(l.matchURI(i), tURI)
	if best.n == 0 {
		// {ANY}: the byte itself.
		t := l.emit(tChar, i, i+1)
		if k := punct[c]; k != 0 {
			t.kind = k
		}
		t.ch = c
		return t
	}

	t := l.emit(best.kind, i, i+best.n)
	switch best.kind {
	case tID:
		word := src[i : i+best.n]
		if k := keyword(word); k != 0 {
			t.kind = k
		}
		t.val = l.intern(word)
	case tInt:
		t.val = string(src[i : i+best.n])
		if _, err := strconv.ParseInt(t.val, 10, 64); err != nil {
			l.errh(t.pos, "invalid integer '"+t.val+"'")
		}
	case tFloat:
		t.val = string(src[i : i+best.n])
		if _, ok := parseFloat(t.val); !ok {
			l.errh(t.pos, "invalid float '"+t.val+"'")
		}
	case tLBrace, tDollarCurly:
		l.push(stDefault)
	case tRBrace:
		if l.state() != stInitial {
			l.pop()
		}
	case tQuote:
		l.push(stString)
	case tIndOpen:
		l.push(stIndString)
	case tPath, tHPath:
		if pathSegDollar > 0 && best.n == pathSegDollar+2 {
			// Interpolated path: the token is only the first segment.
			t = l.emit(best.kind, i, i+pathSegDollar)
			t.val = string(src[i : i+pathSegDollar])
			l.push(stInPathSlash)
			break
		}
		t.val = string(src[i : i+best.n])
		if src[i+best.n-1] == '/' {
			l.push(stInPathSlash)
		} else {
			l.push(stInPath)
		}
	case tSPath, tURI:
		t.val = string(src[i : i+best.n])
	}
	return t
}

// parseFloat converts a FLOAT token like C's strtod, reporting false where
// strtod sets ERANGE (overflow, or underflow to zero or a subnormal).
func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return f, false
	}
	if f != 0 && math.Abs(f) < 2.2250738585072014e-308 {
		return f, false
	}
	if f == 0 {
		for _, c := range s {
			if c >= '1' && c <= '9' {
				return f, false
			}
			if c == 'e' || c == 'E' {
				break
			}
		}
	}
	return f, true
}

// lexString scans inside "…".
func (l *lexer) lexString() tok {
	src := l.src
	i := l.off
	if i >= len(src) {
		return tok{kind: tEOF, pos: l.eofPos(), end: Pos(len(src))}
	}
	if src[i] == '$' && l.at(i+1) == '{' {
		l.push(stDefault)
		return l.emit(tDollarCurly, i, i+2)
	}
	if src[i] == '"' {
		l.pop()
		return l.emit(tQuote, i, i+1)
	}
	j := i
scan:
	for j < len(src) {
		switch src[j] {
		case '"':
			break scan
		case '\\':
			if j+1 >= len(src) {
				break scan
			}
			j += 2
		case '$':
			n := l.at(j + 1)
			switch {
			case n == '\\':
				if j+2 >= len(src) {
					break scan
				}
				j += 3
			case n == '"':
				j++ // the $/\" rule: a trailing $ before the closing quote
				break scan
			case n == -1 || n == '{':
				break scan
			default:
				j += 2
			}
		default:
			j++
		}
	}
	if j == i {
		// "$", "\" or "$\" at end of input: Nix returns it as a string piece
		// and lets the parser fail.
		j = len(src)
	}
	t := l.emit(tStr, i, j)
	t.val = unescapeStr(src[i:j])
	// Nix keeps a string piece as a C string: a NUL byte ends its value.
	if k := strings.IndexByte(t.val, 0); k >= 0 {
		t.val = t.val[:k]
	}
	return t
}

// unescapeStr applies Nix's escapes (\n \r \t, \c is c) and turns CR and CR
// LF into LF.
func unescapeStr(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			i++
			if i >= len(s) {
				// Unreachable from the lexer; keep the backslash.
				out = append(out, '\\')
				break
			}
			switch s[i] {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			default:
				out = append(out, s[i])
			}
		case '\r':
			out = append(out, '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// lexIndString scans inside ”…”.
func (l *lexer) lexIndString() tok {
	src := l.src
	i := l.off
	if i >= len(src) {
		return tok{kind: tEOF, pos: l.eofPos(), end: Pos(len(src))}
	}
	c := src[i]
	piece := func(n int, val string) tok {
		t := l.emit(tIndStr, i, i+n)
		t.val = val
		return t
	}
	switch c {
	case '\'':
		if l.at(i+1) == '\'' {
			switch l.at(i + 2) {
			case '$':
				return piece(3, "$")
			case '\'':
				return piece(3, "''")
			case '\\':
				if i+3 < len(src) {
					return piece(4, unescapeStr(src[i+2:i+4]))
				}
			}
			l.pop()
			return l.emit(tIndClose, i, i+2)
		}
		if l.at(i+1) == '$' || l.at(i+1) == -1 {
			return piece(1, "'")
		}
	case '$':
		switch l.at(i + 1) {
		case '{':
			l.push(stDefault)
			return l.emit(tDollarCurly, i, i+2)
		case '\'', -1:
			return piece(1, "$")
		}
	}
	// ([^\$\']|\$[^\{\']|\'[^\'\$])+
	j := i
	for j < len(src) {
		switch src[j] {
		case '$':
			n := l.at(j + 1)
			if n == -1 || n == '{' || n == '\'' {
				goto done
			}
			j += 2
		case '\'':
			n := l.at(j + 1)
			if n == -1 || n == '\'' || n == '$' {
				goto done
			}
			j += 2
		default:
			j++
		}
	}
done:
	t := piece(j-i, string(src[i:j]))
	t.raw = true
	return t
}

// lexInPath scans the rest of a path after its first token.
func (l *lexer) lexInPath() tok {
	src := l.src
	i := l.off
	if i < len(src) && src[i] == '$' && l.at(i+1) == '{' {
		l.pop()
		l.push(stInPath)
		l.push(stDefault)
		return l.emit(tDollarCurly, i, i+2)
	}
	// {PATH}|{PATH_SEG}|{PATH_CHAR}+
	n, _, slash := l.matchPathLike(i)
	if slash {
		n++
	}
	if n > 0 {
		l.pop()
		if src[i+n-1] == '/' {
			l.push(stInPathSlash)
		} else {
			l.push(stInPath)
		}
		t := l.emit(tStr, i, i+n)
		t.val = string(src[i : i+n])
		return t
	}
	if l.state() == stInPathSlash {
		pos := l.eofPos()
		if i < len(src) {
			pos = Pos(i)
		}
		l.errh(pos, "path has a trailing slash")
	}
	l.pop()
	// Nix gives the end of a path the location of the token before it.
	return tok{kind: tPathEnd, pos: Pos(l.lastStart), end: Pos(i)}
}
