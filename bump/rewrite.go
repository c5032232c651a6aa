package bump

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/syntax"
)

// rewriteRef returns src with the reference of the url string literal lit
// moved from its ref to newRef, changing nothing else in the file: the
// ref stays where it was written (a path segment, github:o/r/v1.2.0, or a
// query parameter, ?ref=v1.2.0), and every other byte is kept.
func rewriteRef(src []byte, lit *syntax.String, old flakeref.Ref, newRef string) ([]byte, error) {
	if lit == nil || lit.Indented || len(lit.Parts) != 1 {
		return nil, fmt.Errorf("the url is not a plain string literal; change its ref to %s by hand", newRef)
	}
	start, end := int(lit.Open)+1, int(lit.Close)-1
	if start > end || end > len(src) {
		return nil, fmt.Errorf("the url's position is outside flake.nix")
	}
	raw := string(src[start:end])
	if l, ok := lit.Parts[0].(*syntax.Lit); !ok || l.Value != raw {
		return nil, fmt.Errorf("the url has escapes or interpolation; change its ref to %s by hand", newRef)
	}
	updated, err := replaceRef(raw, old.Ref(), newRef)
	if err != nil {
		return nil, err
	}
	// The new url must say exactly what the old one said, with the new ref.
	got, err := flakeref.Parse(updated)
	if err != nil || !got.Equal(old.With("ref", newRef)) {
		return nil, fmt.Errorf("cannot move the ref of %q to %s without changing more (got %q); change it by hand", raw, newRef, updated)
	}
	out := make([]byte, 0, len(src)+len(newRef))
	out = append(out, src[:start]...)
	out = append(out, updated...)
	out = append(out, src[end:]...)
	return out, nil
}

// replaceRef replaces oldRef in a github:/gitlab:/sourcehut: url, where it
// was written: the third path segment or the ref query parameter.
func replaceRef(raw, oldRef, newRef string) (string, error) {
	if strings.ContainsAny(newRef, "?&#% ") {
		return "", fmt.Errorf("ref %q cannot be written into a url as it is", newRef)
	}
	base, query, hasQuery := strings.Cut(raw, "?")
	scheme, path, ok := strings.Cut(base, ":")
	if !ok {
		return "", fmt.Errorf("%q is not a url", raw)
	}
	segs := strings.Split(path, "/")
	if len(segs) == 3 && unescape(segs[2]) == oldRef {
		segs[2] = newRef
		out := scheme + ":" + strings.Join(segs, "/")
		if hasQuery {
			out += "?" + query
		}
		return out, nil
	}
	if hasQuery {
		params := strings.Split(query, "&")
		for i, p := range params {
			k, v, _ := strings.Cut(p, "=")
			if k == "ref" && unescape(v) == oldRef {
				params[i] = "ref=" + newRef
				return base + "?" + strings.Join(params, "&"), nil
			}
		}
	}
	return "", fmt.Errorf("cannot find ref %s in %q", oldRef, raw)
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
