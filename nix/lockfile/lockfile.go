// Package lockfile reads and writes flake.lock files the way Nix 2.8 does:
// it reads versions 5 to 7 and writes version 7 byte for byte as Nix would,
// so a lock flakectl writes never shows up as a diff when Nix next looks at
// it.
//
// The model is Nix's own: a graph of nodes reached from the root, where an
// input is either an edge to a node or a "follows" path of input names from
// the root. Node keys are not part of the model: like Nix, Write names
// nodes afresh, depth first from the root over inputs in sorted order, each
// node after the input name that first reaches it, "_2", "_3"… on a clash.
package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/system1/devbox/nix/flakeref"
)

// LockFile is a parsed flake.lock.
type LockFile struct {
	// Version is the version read (5, 6 or 7); Marshal always writes 7.
	Version int
	// Root is the root flake's node: it has inputs but no locked or
	// original attributes.
	Root *Node
}

// Node is one locked flake (or non-flake source) in the lock graph.
type Node struct {
	// Key is the node's key in the file it was read from. Informational
	// only: Marshal names nodes by Nix's rule, not by Key.
	Key string
	// Inputs maps input names to their targets; nil or empty when none.
	Inputs map[string]Input
	// Locked and Original are the `locked` and `original` attribute sets
	// ("type" included). Both are nil on the root node and only there.
	Locked, Original flakeref.Attrs
	// Flake is false for inputs declared with `flake = false`.
	Flake bool
}

// Input is where one input of a node points: a locked node, or (when Node
// is nil) a follows path of input names starting at the root flake; an
// empty path means the root itself.
type Input struct {
	Node    *Node
	Follows []string
}

// IsFollows reports whether the input is a follows path.
func (in Input) IsFollows() bool { return in.Node == nil }

// LockedRef returns the node's `locked` attributes as a flake reference.
func (n *Node) LockedRef() (flakeref.Ref, error) { return flakeref.FromOrdered(n.Locked) }

// OriginalRef returns the node's `original` attributes as a flake reference.
func (n *Node) OriginalRef() (flakeref.Ref, error) { return flakeref.FromOrdered(n.Original) }

// New returns an empty lock file: a root with no inputs, as Nix writes for
// a flake without inputs.
func New() *LockFile { return &LockFile{Version: 7, Root: &Node{Key: "root", Flake: true}} }

// Error is a malformed lock file: what is wrong, and where.
type Error struct {
	File string // the file name, if known
	Msg  string
}

func (e *Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("invalid lock file %s: %s", e.File, e.Msg)
	}
	return "invalid lock file: " + e.Msg
}

// ReadFile reads and validates a flake.lock file.
func ReadFile(path string) (*LockFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := Read(data)
	var le *Error
	if errors.As(err, &le) {
		le.File = path
	}
	return l, err
}

// maxDepth bounds recursion over the lock graph and follows chains, so a
// hostile file cannot exhaust the stack.
const maxDepth = 1000

// Read parses a flake.lock of version 5, 6 or 7 and validates it: the root
// exists, every input reachable from it names an existing node, there are
// no cycles of node references, every reachable node has locked and
// original attributes of string, integer and boolean values, and every
// follows path leads to an existing input.
func Read(data []byte) (*LockFile, error) {
	if !utf8.Valid(data) {
		return nil, &Error{Msg: "not valid UTF-8 (Nix rejects it too); restore the file from version control"}
	}
	var top map[string]json.RawMessage
	if err := unmarshal(data, &top); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("not a JSON object: %v", err)}
	}
	var version json.Number
	if raw, ok := top["version"]; !ok {
		return nil, &Error{Msg: `missing "version" (want 5, 6 or 7)`}
	} else {
		var v any
		if err := unmarshal(raw, &v); err != nil {
			return nil, &Error{Msg: fmt.Sprintf(`"version": %v`, err)}
		}
		n, isNumber := v.(json.Number)
		if !isNumber {
			return nil, &Error{Msg: fmt.Sprintf(`"version" is %s, want a number 5, 6 or 7`, compact(raw))}
		}
		version = n
	}
	l := &LockFile{}
	switch version {
	case "5", "6", "7":
		l.Version = int(version[0] - '0')
	default:
		return nil, &Error{Msg: fmt.Sprintf("unsupported version %s (flakectl reads versions 5 to 7; newer files need a newer tool)", version)}
	}
	var rootKey string
	if raw, ok := top["root"]; !ok {
		return nil, &Error{Msg: `missing "root" (want the key of the root node, normally "root")`}
	} else if err := unmarshal(raw, &rootKey); err != nil {
		return nil, &Error{Msg: fmt.Sprintf(`"root" is %s, want a string`, compact(raw))}
	}
	var rawNodes map[string]json.RawMessage
	if raw, ok := top["nodes"]; !ok {
		return nil, &Error{Msg: `missing "nodes"`}
	} else if err := unmarshal(raw, &rawNodes); err != nil || rawNodes == nil {
		return nil, &Error{Msg: `"nodes" is not a JSON object`}
	}
	r := reader{raw: rawNodes, nodes: map[string]*Node{}, state: map[string]int{}}
	if _, ok := rawNodes[rootKey]; !ok {
		return nil, &Error{Msg: fmt.Sprintf("root node %q is not in \"nodes\"", rootKey)}
	}
	root, err := r.node(rootKey, true, 0)
	if err != nil {
		return nil, err
	}
	l.Root = root
	if err := l.checkFollows(); err != nil {
		return nil, err
	}
	return l, nil
}

// jsonError says what encoding/json found wrong in words about the file,
// not about Go types.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		what := "the value"
		if te.Field != "" {
			what = fmt.Sprintf("%q", te.Field)
		}
		want := "another kind of value"
		switch te.Type.Kind() {
		case reflect.Map, reflect.Struct:
			want = "an object"
		case reflect.Bool:
			want = "true or false"
		case reflect.String:
			want = "a string"
		}
		return fmt.Errorf("%s is a JSON %s, want %s", what, te.Value, want)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%v (at byte %d)", err, se.Offset)
	}
	return err
}

// compact renders a JSON value for an error message: on one line, and cut
// short if long.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "invalid JSON"
	}
	if b.Len() > 60 {
		return string(bytes.ToValidUTF8(b.Bytes()[:57], nil)) + "..."
	}
	return b.String()
}

func unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

type reader struct {
	raw   map[string]json.RawMessage
	nodes map[string]*Node
	state map[string]int // 1 = being read (on the current path), 2 = done
}

type rawNode struct {
	Inputs   map[string]json.RawMessage `json:"inputs"`
	Locked   map[string]any             `json:"locked"`
	Original map[string]any             `json:"original"`
	Info     map[string]any             `json:"info"` // version 5 kept narHash and lastModified here
	Flake    *bool                      `json:"flake"`
}

func (r *reader) node(key string, isRoot bool, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, &Error{Msg: fmt.Sprintf("inputs nested more than %d deep", maxDepth)}
	}
	var rn rawNode
	if err := unmarshal(r.raw[key], &rn); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("node %q: %v", key, err)}
	}
	n := &Node{Key: key, Flake: rn.Flake == nil || *rn.Flake}
	r.nodes[key] = n
	r.state[key] = 1
	if !isRoot {
		var err error
		if n.Locked, err = attrs(key, "locked", rn.Locked); err != nil {
			return nil, err
		}
		for name, v := range rn.Info {
			nv, err := flakeref.NormalizeValue(v)
			if err != nil {
				return nil, &Error{Msg: fmt.Sprintf("node %q: info attribute %q: %v", key, name, err)}
			}
			n.Locked = n.Locked.Set(name, nv)
		}
		if n.Original, err = attrs(key, "original", rn.Original); err != nil {
			return nil, err
		}
		if err := checkImmutable(fmt.Sprintf("node %q", key), n.Locked); err != nil {
			return nil, err
		}
		// Like Nix, check the references of the types it knows: their
		// attribute names and kinds, revs and hashes.
		for _, ref := range []struct {
			field string
			attrs flakeref.Attrs
		}{{"locked", n.Locked}, {"original", n.Original}} {
			if t, _ := ref.attrs.Get("type"); flakeref.KnownType(t.(string)) {
				if _, err := flakeref.FromOrdered(ref.attrs); err != nil {
					var fe *flakeref.Error
					if errors.As(err, &fe) {
						err = errors.New(fe.Msg)
					}
					return nil, &Error{Msg: fmt.Sprintf("node %q %s: %v", key, ref.field, err)}
				}
			}
		}
	}
	if len(rn.Inputs) > 0 {
		n.Inputs = make(map[string]Input, len(rn.Inputs))
	}
	for name, raw := range rn.Inputs {
		var target any
		if err := unmarshal(raw, &target); err != nil {
			return nil, &Error{Msg: fmt.Sprintf("node %q input %q: %v", key, name, err)}
		}
		switch t := target.(type) {
		case string:
			switch r.state[t] {
			case 1:
				return nil, &Error{Msg: fmt.Sprintf("node %q input %q points back to node %q: a cycle (use a follows path instead)", key, name, t)}
			case 2:
				n.Inputs[name] = Input{Node: r.nodes[t]}
				continue
			}
			if _, ok := r.raw[t]; !ok {
				return nil, &Error{Msg: fmt.Sprintf("node %q input %q names node %q, which does not exist", key, name, t)}
			}
			child, err := r.node(t, false, depth+1)
			if err != nil {
				return nil, err
			}
			n.Inputs[name] = Input{Node: child}
		case []any:
			path := make([]string, len(t))
			for i, elem := range t {
				s, ok := elem.(string)
				if !ok {
					return nil, &Error{Msg: fmt.Sprintf("node %q input %q: follows path element %v is not a string", key, name, elem)}
				}
				path[i] = s
			}
			n.Inputs[name] = Input{Follows: path}
		default:
			return nil, &Error{Msg: fmt.Sprintf("node %q input %q is %s, want a node key or a follows path", key, name, compact(raw))}
		}
	}
	r.state[key] = 2
	return n, nil
}

// checkImmutable refuses a `locked` that pins nothing, as Nix does ("lock
// file contains mutable lock"): it needs a narHash or a rev.
func checkImmutable(where string, locked flakeref.Attrs) error {
	if _, ok := locked.Get("narHash"); ok {
		return nil
	}
	if _, ok := locked.Get("rev"); ok {
		return nil
	}
	return &Error{Msg: fmt.Sprintf("%s is locked to nothing (its locked attributes have neither narHash nor rev); run nix flake lock to lock it", where)}
}

func attrs(key, field string, m map[string]any) (flakeref.Attrs, error) {
	if m == nil {
		return nil, &Error{Msg: fmt.Sprintf("node %q has no %q attributes", key, field)}
	}
	a, err := flakeref.AttrsFromMap(m)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("node %q %s: %v", key, field, err)}
	}
	if t, _ := a.Get("type"); t == nil {
		return nil, &Error{Msg: fmt.Sprintf("node %q %s has no \"type\"", key, field)}
	} else if _, ok := t.(string); !ok {
		return nil, &Error{Msg: fmt.Sprintf("node %q %s \"type\" is not a string", key, field)}
	}
	return a, nil
}

// checkFollows resolves every follows path reachable from the root.
func (l *LockFile) checkFollows() error {
	r := l.newResolver()
	return l.walk(func(path []string, in Input) error {
		if in.IsFollows() {
			if _, err := r.resolve(in.Follows); err != nil {
				return &Error{Msg: fmt.Sprintf("input %q follows %q: %v", strings.Join(path, "/"), strings.Join(in.Follows, "/"), err)}
			}
		}
		return nil
	})
}

// walk calls f for every input reachable from the root, by input path,
// visiting each node once.
func (l *LockFile) walk(f func(path []string, in Input) error) error {
	seen := map[*Node]bool{}
	var visit func(n *Node, prefix []string) error
	visit = func(n *Node, prefix []string) error {
		if seen[n] {
			return nil
		}
		seen[n] = true
		for _, name := range sortedNames(n.Inputs) {
			in := n.Inputs[name]
			path := append(append([]string(nil), prefix...), name)
			if err := f(path, in); err != nil {
				return err
			}
			if in.Node != nil {
				if err := visit(in.Node, path); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return visit(l.Root, nil)
}

// Resolve returns the node an input path leads to from the root, following
// follows paths on the way. The empty path is the root.
func (l *LockFile) Resolve(path []string) (*Node, error) {
	return l.newResolver().resolve(path)
}

// resolver resolves follows paths, remembering each target it has resolved
// so that follows pointing through follows cost linear time, and noticing a
// follows path that needs itself.
type resolver struct {
	l       *LockFile
	done    map[string]*Node
	pending map[string]bool
}

func (l *LockFile) newResolver() *resolver {
	return &resolver{l: l, done: map[string]*Node{}, pending: map[string]bool{}}
}

func (r *resolver) resolve(path []string) (*Node, error) {
	k := strings.Join(path, "\x00")
	if n, ok := r.done[k]; ok {
		return n, nil
	}
	if r.pending[k] || len(r.pending) > maxDepth {
		return nil, fmt.Errorf("a cycle of follows through %q", strings.Join(path, "/"))
	}
	r.pending[k] = true
	defer delete(r.pending, k)
	n := r.l.Root
	for i, name := range path {
		in, ok := n.Inputs[name]
		if !ok {
			return nil, fmt.Errorf("input %q does not exist", strings.Join(path[:i+1], "/"))
		}
		if in.Node != nil {
			n = in.Node
			continue
		}
		next, err := r.resolve(in.Follows)
		if err != nil {
			return nil, err
		}
		n = next
	}
	r.done[k] = n
	return n, nil
}

func sortedNames(m map[string]Input) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Validate checks a lock file built or changed in memory: no nil nodes, no
// cycles of node references, locked and original present on every node but
// the root, and every follows path resolving.
func (l *LockFile) Validate() error {
	if l == nil || l.Root == nil {
		return &Error{Msg: "no root node"}
	}
	onPath, done := map[*Node]bool{}, map[*Node]bool{}
	var visit func(n *Node, where string, depth int) error
	visit = func(n *Node, where string, depth int) error {
		if done[n] {
			return nil
		}
		if depth > maxDepth {
			return &Error{Msg: fmt.Sprintf("inputs nested more than %d deep", maxDepth)}
		}
		if onPath[n] {
			return &Error{Msg: fmt.Sprintf("input %q leads back to one of its ancestors: a cycle (use a follows path instead)", where)}
		}
		if n != l.Root && (n.Locked == nil || n.Original == nil) {
			return &Error{Msg: fmt.Sprintf("input %q has no locked or original attributes", where)}
		}
		if n != l.Root {
			if err := checkImmutable(fmt.Sprintf("input %q", where), n.Locked); err != nil {
				return err
			}
		}
		onPath[n] = true
		defer func() { delete(onPath, n); done[n] = true }()
		for _, name := range sortedNames(n.Inputs) {
			in := n.Inputs[name]
			if in.Node == nil {
				continue
			}
			if in.Node == l.Root {
				return &Error{Msg: fmt.Sprintf("input %q points at the root node (use the follows path [] instead)", joinPath(where, name))}
			}
			if err := visit(in.Node, joinPath(where, name), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(l.Root, "", 0); err != nil {
		return err
	}
	return l.checkFollows()
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

// Marshal returns the lock as Nix 2.8 writes it: version 7, nodes named by
// Nix's rule, nlohmann's dump(2) layout and a trailing newline. Nodes not
// reachable from the root are dropped, as Nix drops them.
func (l *LockFile) Marshal() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	nodes := map[string]*jsonValue{}
	keyOf := map[*Node]string{}
	used := map[string]bool{}
	var dump func(key string, n *Node) string
	dump = func(key string, n *Node) string {
		if k, ok := keyOf[n]; ok {
			return k
		}
		if used[key] {
			for i := 2; ; i++ {
				if k := fmt.Sprintf("%s_%d", key, i); !used[k] {
					key = k
					break
				}
			}
		}
		used[key] = true
		keyOf[n] = key
		obj := object{}
		if len(n.Inputs) > 0 {
			inputs := object{}
			for _, name := range sortedNames(n.Inputs) {
				in := n.Inputs[name]
				if in.Node != nil {
					inputs[name] = &jsonValue{str: dump(name, in.Node), kind: kString}
				} else {
					arr := make([]*jsonValue, len(in.Follows))
					for i, s := range in.Follows {
						arr[i] = &jsonValue{str: s, kind: kString}
					}
					inputs[name] = &jsonValue{arr: arr, kind: kArray}
				}
			}
			obj["inputs"] = &jsonValue{obj: inputs, kind: kObject}
		}
		if n != l.Root {
			obj["original"] = attrsValue(n.Original)
			obj["locked"] = attrsValue(n.Locked)
			if !n.Flake {
				obj["flake"] = &jsonValue{kind: kBool}
			}
		}
		nodes[key] = &jsonValue{obj: obj, kind: kObject}
		return key
	}
	rootKey := dump("root", l.Root)
	top := &jsonValue{kind: kObject, obj: object{
		"version": {kind: kInt, num: 7},
		"root":    {kind: kString, str: rootKey},
		"nodes":   {kind: kObject, obj: nodes},
	}}
	var b bytes.Buffer
	top.dump(&b, 0)
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func attrsValue(a flakeref.Attrs) *jsonValue {
	obj := object{}
	for _, at := range a {
		switch v := at.Value.(type) {
		case string:
			obj[at.Name] = &jsonValue{kind: kString, str: v}
		case int64:
			obj[at.Name] = &jsonValue{kind: kInt, num: v}
		case bool:
			obj[at.Name] = &jsonValue{kind: kBool, b: v}
		}
	}
	return &jsonValue{kind: kObject, obj: obj}
}

// WriteFile writes the lock to path the way Nix does, but only when the
// bytes change, and atomically (a temporary file renamed into place), so a
// failure never leaves a half-written lock.
func (l *LockFile) WriteFile(path string) error {
	data, err := l.Marshal()
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".flake.lock.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
