package flakeref

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// The URL grammar Nix 2.8 accepts (libutil/url-parts.hh), as one anchored
// regular expression. It is looser than RFC 3986 in places (spaces and '"'
// in queries, empty path segments) and stricter in others (no raw non-ASCII);
// matching it exactly is what makes "is this a URL?" agree with Nix.
// It is compiled on first use: most flakectl runs never parse a URL, and
// every run pays for package initialisation.
var uriRegex = sync.OnceValue(func() *regexp.Regexp {
	const (
		pct        = `(?:%[0-9a-fA-F][0-9a-fA-F])`
		scheme     = `(?:[a-z][a-z0-9+.-]*)`
		ipv6       = `(?:\[[0-9a-fA-F:]+\])`
		unreserved = `(?:[a-zA-Z0-9._~-])`
		subdelims  = `(?:[!$&'"()*+,;=])`
		hostname   = `(?:(?:` + unreserved + `|` + pct + `|` + subdelims + `)*)`
		host       = `(?:` + ipv6 + `|` + hostname + `)`
		user       = `(?:(?:` + unreserved + `|` + pct + `|` + subdelims + `|:)*)`
		authority  = `(?:` + user + `@)?` + host + `(?::[0-9]+)?`
		pchar      = `(?:` + unreserved + `|` + pct + `|` + subdelims + `|[:@])`
		query      = `(?:` + pchar + `|[/? "])*`
		segment    = `(?:` + pchar + `*)`
		absPath    = `(?:(?:/` + segment + `)*/?)`
		path       = `(?:` + segment + `(?:/` + segment + `)*/?)`
	)
	return regexp.MustCompile(`^((` + scheme + `):(?:(?://(` + authority + `)(` + absPath + `))|(/?` + path + `)))` +
		`(?:\?(` + query + `))?(?:#(` + query + `))?$`)
})

// parsedURL mirrors Nix's ParsedURL: the path stays percent-encoded as
// written, the query is decoded into a map (first occurrence of a name wins,
// like std::map::emplace), and printing re-encodes the query.
type parsedURL struct {
	scheme       string
	hasAuthority bool
	authority    string
	path         string
	query        map[string]string
	fragment     string
}

// parseURL parses s the way Nix 2.8's parseURL does. ok is false when s is
// not a URL at all (Nix then tries to read it as a path).
func parseURL(s string) (u parsedURL, ok bool, err error) {
	m := uriRegex().FindStringSubmatchIndex(s)
	if m == nil {
		return u, false, nil
	}
	group := func(i int) (string, bool) {
		if m[2*i] < 0 {
			return "", false
		}
		return s[m[2*i]:m[2*i+1]], true
	}
	u.scheme, _ = group(2)
	u.authority, u.hasAuthority = group(3)
	if p, ok := group(4); ok {
		u.path = p
	} else {
		u.path, _ = group(5)
	}
	rawQuery, _ := group(6)
	rawFragment, _ := group(7)
	isFile := strings.Contains(u.scheme, "file")
	if u.hasAuthority && u.authority != "" && isFile {
		return u, true, fmt.Errorf("a file URL cannot have a host (%q); write %s:///absolute/path", u.authority, u.scheme)
	}
	if isFile && u.path == "" {
		u.path = "/"
	}
	u.query = decodeQuery(rawQuery)
	u.fragment = percentDecode(rawFragment)
	return u, true, nil
}

// decodeQuery splits on '&', keeps only name=value pairs, and keeps the
// first value of a repeated name, as Nix 2.8 does.
func decodeQuery(q string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(q, "&") {
		name, value, found := strings.Cut(part, "=")
		if !found || part == "" {
			continue
		}
		name, value = percentDecode(name), percentDecode(value)
		if _, dup := out[name]; !dup {
			out[name] = value
		}
	}
	return out
}

// percentDecode decodes %XX escapes. Its input has passed uriRegex, so every
// '%' starts a valid escape; a stray one is kept as written.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// percentEncode escapes s the way Nix 2.8 prints query parts: letters,
// digits and -._~!$&'()*+,;=:@ stay; everything else becomes %xx in
// lower-case hex. Nix formats the byte as a signed char, so a byte >= 0x80
// prints as %ffffffXX; we reproduce that because Nix's output is the target.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0:
			b.WriteByte(c)
		case c >= 0x80:
			fmt.Fprintf(&b, "%%ffffff%02x", c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

func encodeQuery(q map[string]string) string {
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = percentEncode(n) + "=" + percentEncode(q[n])
	}
	return strings.Join(parts, "&")
}

func (u parsedURL) String() string {
	var b strings.Builder
	b.WriteString(u.scheme)
	b.WriteByte(':')
	if u.hasAuthority {
		b.WriteString("//")
		b.WriteString(u.authority)
	}
	b.WriteString(u.path)
	if len(u.query) > 0 {
		b.WriteByte('?')
		b.WriteString(encodeQuery(u.query))
	}
	if u.fragment != "" {
		b.WriteByte('#')
		b.WriteString(percentEncode(u.fragment))
	}
	return b.String()
}

func (u parsedURL) withQuery() parsedURL {
	q := make(map[string]string, len(u.query))
	for k, v := range u.query {
		q[k] = v
	}
	u.query = q
	return u
}
