package lint

import (
	"bytes"
	"regexp"
	"strings"
)

// ignorePattern is one line of a .gitignore file, compiled.
type ignorePattern struct {
	base    string // directory of the .gitignore, "" for the root
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// ignoreList is the stack of patterns in force in a directory: later
// patterns win, as in git.
type ignoreList []ignorePattern

// parseGitignore compiles the patterns of a .gitignore in directory base.
// Lines it cannot compile are skipped, as git skips them.
func parseGitignore(base string, data []byte) ignoreList {
	var list ignoreList
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSuffix(string(line), "\r")
		if s == "" || s[0] == '#' {
			continue
		}
		s = trimTrailingSpaces(s)
		p := ignorePattern{base: base}
		if s[0] == '!' {
			p.negate = true
			s = s[1:]
		} else if strings.HasPrefix(s, `\!`) || strings.HasPrefix(s, `\#`) {
			s = s[1:]
		}
		if strings.HasSuffix(s, "/") {
			p.dirOnly = true
			s = strings.TrimRight(s, "/")
		}
		if s == "" {
			continue
		}
		// A pattern with a slash before its end is anchored to base;
		// otherwise it matches a name at any depth.
		anchored := strings.Contains(s, "/")
		s = strings.TrimPrefix(s, "/")
		expr := globToRegexp(s)
		if anchored {
			expr = "^" + expr + "$"
		} else {
			expr = "^(?:.*/)?" + expr + "$"
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			continue
		}
		p.re = re
		list = append(list, p)
	}
	return list
}

func trimTrailingSpaces(s string) string {
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, `\ `) {
		s = s[:len(s)-1]
	}
	return s
}

// globToRegexp translates git's wildmatch syntax: * and ? stay within a path
// segment, ** spans segments, [...] is a class.
func globToRegexp(glob string) string {
	var b strings.Builder
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case c == '*' && strings.HasPrefix(glob[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case c == '*' && strings.HasPrefix(glob[i:], "**") && i+2 == len(glob):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(glob[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := glob[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case c == '\\' && i+1 < len(glob):
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// ignored reports whether name (slash path from the walk's root) is ignored.
func (l ignoreList) ignored(name string, isDir bool) bool {
	ignored := false
	for _, p := range l {
		if p.dirOnly && !isDir {
			continue
		}
		rel := name
		if p.base != "" {
			if !strings.HasPrefix(name, p.base+"/") {
				continue
			}
			rel = name[len(p.base)+1:]
		}
		if p.re.MatchString(rel) {
			ignored = !p.negate
		}
	}
	return ignored
}

// join returns the patterns of l followed by those of more, without
// sharing l's backing array with sibling directories.
func (l ignoreList) join(more ignoreList) ignoreList {
	if len(more) == 0 {
		return l
	}
	out := make(ignoreList, 0, len(l)+len(more))
	return append(append(out, l...), more...)
}
