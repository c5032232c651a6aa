package flakeref

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Attr is one attribute of a flake reference in attribute form. Value is a
// string, an int64 or a bool: the three kinds Nix's fetcher attributes hold.
type Attr struct {
	Name  string
	Value any
}

// Attrs is the attribute form of a flake reference, kept sorted by name
// bytewise with no duplicates: the order Nix's std::map gives the `original`
// and `locked` objects in flake.lock.
type Attrs []Attr

// Get returns the value of name.
func (a Attrs) Get(name string) (any, bool) {
	i := sort.Search(len(a), func(i int) bool { return a[i].Name >= name })
	if i < len(a) && a[i].Name == name {
		return a[i].Value, true
	}
	return nil, false
}

// Set returns a with name set to value, keeping the order. It never changes
// the receiver's backing array, so Attrs values can be shared safely.
func (a Attrs) Set(name string, value any) Attrs {
	i := sort.Search(len(a), func(i int) bool { return a[i].Name >= name })
	out := make(Attrs, 0, len(a)+1)
	out = append(out, a[:i]...)
	out = append(out, Attr{name, value})
	if i < len(a) && a[i].Name == name {
		i++
	}
	return append(out, a[i:]...)
}

// Delete returns a without name. Like Set, it leaves the receiver untouched.
func (a Attrs) Delete(name string) Attrs {
	out := make(Attrs, 0, len(a))
	for _, at := range a {
		if at.Name != name {
			out = append(out, at)
		}
	}
	return out
}

// Map returns the attributes as a map, the shape encoding/json produces.
func (a Attrs) Map() map[string]any {
	m := make(map[string]any, len(a))
	for _, at := range a {
		m[at.Name] = at.Value
	}
	return m
}

// Equal reports whether a and b hold the same attributes and values.
func (a Attrs) Equal(b Attrs) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// AttrsFromMap converts a map (as decoded from JSON, or built by hand) to
// sorted Attrs, normalising every number to int64. It rejects values Nix
// cannot hold in a fetcher attribute: nested objects, arrays, null,
// fractions and numbers outside 0..2^63-1.
func AttrsFromMap(m map[string]any) (Attrs, error) {
	out := make(Attrs, 0, len(m))
	for name, v := range m {
		nv, err := NormalizeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %v", name, err)
		}
		out = append(out, Attr{name, nv})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// NormalizeValue converts a Go value to the kind Attrs stores (string,
// int64, bool) or says why it cannot be a Nix fetcher attribute.
func NormalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case string, bool:
		return x, nil
	case int64:
		if x < 0 {
			return nil, fmt.Errorf("negative number %d (Nix stores unsigned integers)", x)
		}
		return x, nil
	case int:
		return NormalizeValue(int64(x))
	case int32:
		return NormalizeValue(int64(x))
	case uint:
		return NormalizeValue(uint64(x))
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("number %d is too large", x)
		}
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || x < 0 || x >= math.MaxInt64 {
			return nil, fmt.Errorf("number %v is not a non-negative integer", x)
		}
		return int64(x), nil
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("number %s is not a non-negative integer below 2^63", x)
		}
		return n, nil
	case nil:
		return nil, fmt.Errorf("null is not allowed (want a string, integer or boolean)")
	default:
		return nil, fmt.Errorf("a %s is not allowed (want a string, integer or boolean)", kindName(v))
	}
}

func kindName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "JSON object"
	case []any:
		return "JSON array"
	default:
		return fmt.Sprintf("%T", v)
	}
}
