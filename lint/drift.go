package lint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
)

// drift is one difference between flake.nix and flake.lock that makes
// `nix flake lock` rewrite the lock.
type drift struct {
	at  *InputDecl // the declaration to point at; nil for the whole file
	msg string
}

// lockDrift decides, as Nix 2.8's lock computation does, whether locking
// would change flake.lock. Nix reuses a locked input when its declared
// reference equals the lock's `original` and no override applies, copying
// the locked node's inputs as they are; any other declaration makes it
// fetch and write a new entry. Follows edges are compared as paths, and
// inputs the lock has that flake.nix no longer declares are dropped.
func lockDrift(d *Declared, l *lockfile.LockFile) []drift {
	var out []drift
	var gone []string
	for name := range l.Root.Inputs {
		if d.Inputs[name] == nil {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		out = append(out, drift{msg: fmt.Sprintf("flake.lock has input %s, which flake.nix does not declare", name)})
	}
	for _, name := range d.Order {
		in := d.Inputs[name]
		old, ok := l.Root.Inputs[name]
		switch {
		case in.RefErr != nil:
			out = append(out, drift{in, fmt.Sprintf("input %s: %v", name, in.RefErr)})
		case !ok && in.Implicit:
			out = append(out, drift{in, fmt.Sprintf("outputs takes argument %s, which Nix locks as input flake:%s, but flake.lock does not have it", name, name)})
		case !ok:
			out = append(out, drift{in, fmt.Sprintf("input %s is not in flake.lock", name)})
		case in.HasFollows:
			if !old.IsFollows() || !slices.Equal(old.Follows, in.Follows) {
				out = append(out, drift{in, fmt.Sprintf("input %s follows %q but flake.lock has %s", name, strings.Join(in.Follows, "/"), describeEdge(old))})
			}
		case old.IsFollows():
			out = append(out, drift{in, fmt.Sprintf("input %s is %s but flake.lock has %s", name, in.Ref, describeEdge(old))})
		case !old.Node.Original.Equal(in.Ref.Ordered()):
			out = append(out, drift{in, fmt.Sprintf("input %s is %s but flake.lock has %s", name, in.Ref, describeEdge(old))})
		default:
			out = append(out, childDrift(in, in, old.Node, []string{name})...)
		}
	}
	return out
}

// childDrift compares the inputs of a reused locked node with the root
// flake's overrides for them (decl.Inputs; decl may be nil).
func childDrift(top, decl *InputDecl, node *lockfile.Node, path []string) []drift {
	var out []drift
	names := make([]string, 0, len(node.Inputs))
	for name := range node.Inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		edge := node.Inputs[name]
		var ov *InputDecl
		if decl != nil && len(path) == 1 {
			// Nix 2.8 applies the root flake's overrides to the inputs of
			// its inputs only; deeper ones (inputs.a.inputs.b.inputs.c)
			// are ignored.
			ov = decl.Inputs[name]
		}
		at := top
		if ov != nil {
			at = ov
		}
		p := strings.Join(append(slices.Clone(path), name), "/")
		switch {
		case ov != nil && ov.RefErr != nil:
			out = append(out, drift{ov, fmt.Sprintf("input %s: %v", p, ov.RefErr)})
		case ov != nil && ov.HasFollows:
			if !edge.IsFollows() || !slices.Equal(edge.Follows, ov.Follows) {
				out = append(out, drift{at, fmt.Sprintf("input %s follows %q but flake.lock has %s", p, strings.Join(ov.Follows, "/"), describeEdge(edge))})
			}
		case ov != nil && ov.HasRef:
			if edge.IsFollows() || !lockedSatisfies(edge.Node.Locked, ov.Ref) {
				out = append(out, drift{at, fmt.Sprintf("input %s is overridden to %s but flake.lock has %s", p, ov.Ref, describeEdge(edge))})
			} else {
				out = append(out, childDrift(top, ov, edge.Node, append(slices.Clone(path), name))...)
			}
		case edge.IsFollows() && len(path) == 1:
			// A follows inside the input's own subtree comes from the
			// input's flake.nix; one pointing elsewhere was an override
			// of the root flake, which flake.nix no longer makes.
			if len(edge.Follows) == 0 || edge.Follows[0] != path[0] {
				out = append(out, drift{at, fmt.Sprintf("flake.lock makes input %s follow %q, which flake.nix no longer declares", p, strings.Join(edge.Follows, "/"))})
			}
		case edge.IsFollows():
		default:
			out = append(out, childDrift(top, ov, edge.Node, append(slices.Clone(path), name))...)
		}
	}
	return out
}

// lockedSatisfies reports whether a locked node is what fetching the
// override ref would give. Nix 2.8 always refetches an overridden input of
// an input and keeps the input's own reference as `original`, so only the
// `locked` attributes record the override: each attribute of ref but the
// branch must be there. An indirect ref resolves through the registry,
// which lint does not read: it is taken to agree.
func lockedSatisfies(locked flakeref.Attrs, ref flakeref.Ref) bool {
	if ref.Type == flakeref.TypeIndirect {
		return true
	}
	for _, a := range ref.Ordered() {
		if a.Name == "ref" {
			continue
		}
		if v, ok := locked.Get(a.Name); !ok || v != a.Value {
			return false
		}
	}
	return true
}

func describeEdge(in lockfile.Input) string {
	if in.IsFollows() {
		return fmt.Sprintf("follows %q", strings.Join(in.Follows, "/"))
	}
	ref, err := flakeref.FromOrdered(in.Node.Original)
	if err != nil {
		return "an unreadable original"
	}
	return ref.String()
}
