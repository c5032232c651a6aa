package render

import (
	"fmt"
	"strings"

	"github.com/system1/devbox/nix/syntax"
)

// Quote returns s as a Nix double-quoted string literal. It is the only way a
// value from a plan reaches rendered Nix text: every other function here that
// prints a value goes through it.
//
// It escapes \ and ", writes newline, carriage return and tab as \n, \r, \t
// (Nix would otherwise read a literal CR or CRLF as a newline), and escapes the
// $ of every ${ so no value can start an interpolation. Nix strings cannot hold
// a NUL byte; callers reject such values first (see CheckString).
func Quote(s string) string { return syntax.QuoteString(s) }

// AttrName returns s as one element of a Nix attribute path: bare when it is a
// plain identifier, quoted with Quote otherwise (keywords included).
func AttrName(s string) string {
	if IsIdentifier(s) {
		return s
	}
	return Quote(s)
}

// AttrPath joins names into a Nix attribute path, each element through AttrName.
func AttrPath(names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = AttrName(n)
	}
	return strings.Join(parts, ".")
}

// IsIdentifier reports whether s is a plain Nix identifier
// ([a-zA-Z_][a-zA-Z0-9_'-]*) that is not a keyword, so it needs no quotes.
// "or" may be a bare name in a binding but not after a dot in every Nix
// version, so rendering quotes it too.
func IsIdentifier(s string) bool {
	return s != "or" && syntax.IsIdentifier(s)
}

func isIdentifierShape(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if letter || i > 0 && (c >= '0' && c <= '9' || c == '\'' || c == '-') {
			continue
		}
		return false
	}
	return true
}

// ParseAttrPath splits a dotted attribute path such as python3Packages.requests
// into its names. Every name must have the shape of a Nix identifier: that is
// what users type on the command line and in platform.yaml, and it keeps
// names with dots or spaces from being mistaken for paths.
func ParseAttrPath(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("empty attribute path")
	}
	names := strings.Split(s, ".")
	for _, n := range names {
		if !isIdentifierShape(n) {
			if n == "" {
				return nil, fmt.Errorf("%s is not a Nix attribute path (empty name)", Quote(s))
			}
			return nil, fmt.Errorf("%s is not a Nix attribute path (%s is not a name: use letters, digits, _, ' and -, not starting with a digit)", Quote(s), Quote(n))
		}
	}
	return names, nil
}

// CheckString reports values that no Nix string can hold.
func CheckString(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte, which Nix strings cannot hold")
	}
	return nil
}
