package lockfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/system1/devbox/nix/flakeref"
)

// Update describes one `nix flake lock --update-input PATH`: the input at
// Input now resolves to Locked, and (if it is a flake) carries its own lock
// file Lock.
type Update struct {
	// Input is the input path to update, e.g. {"devbox"}, or
	// {"devbox", "nixpkgs"} for an input of an input.
	Input []string
	// Locked is the new `locked` attribute set ("type" included), e.g. from
	// flakectl's prefetch or `nix flake metadata --json`'s "locked".
	Locked flakeref.Attrs
	// Original is the reference the flake declares for the input. Nil keeps
	// the original in the old lock; set it when the declaration changed.
	Original flakeref.Attrs
	// NotFlake marks a new top-level input declared with `flake = false`;
	// an input already in the old lock keeps its flag.
	NotFlake bool
	// Lock is the input's own flake.lock at the new revision; nil when the
	// input is not a flake or has no lock file (then it gets no inputs).
	Lock *LockFile
	// Follows are the overrides the root flake.nix declares for inputs of
	// inputs, such as `inputs.devbox.inputs.nixpkgs.follows = "nixpkgs"`.
	// Set FollowsKnown when this lists all of them (none is fine);
	// otherwise Relock infers them from the old lock (see Relock).
	Follows      []Follows
	FollowsKnown bool
}

// Follows is one `follows` override declared in the root flake.nix.
type Follows struct {
	Input  []string // where it is declared: {"devbox", "nixpkgs"}
	Target []string // what it follows, from the root flake: {"nixpkgs"}; empty = the root
}

// Relock returns the lock Nix 2.8 writes for `nix flake lock --update-input
// PATH` when the input at PATH now resolves to u.Locked, without fetching
// anything. Like Nix it:
//   - copies every other input from the old lock unchanged;
//   - gives the updated input the inputs its own lock file (u.Lock) has,
//     copying their nodes from that lock, with follows paths inside it
//     made absolute by prefixing PATH;
//   - applies the root flake's follows overrides on top, so a
//     `inputs.devbox.inputs.nixpkgs.follows = "nixpkgs"` keeps pointing at
//     the root's nixpkgs rather than the input's own;
//   - drops nodes nothing reaches any more (Marshal renames the rest).
//
// It assumes what Nix would otherwise check by fetching: the root flake.nix
// declares the same inputs the old lock records, and u.Lock is up to date
// with the input's flake.nix (the inputs it lists are the inputs the flake
// declares). When u.FollowsKnown is false, every follows edge the old lock
// has under PATH that u.Lock does not itself declare is taken to be an
// override; pass u.Follows with FollowsKnown when flake.nix is at hand,
// which also handles an override the root flake has just added or dropped.
// For an input of an input (a PATH of two or more names), overrides that
// the flakes in between declare are still taken from the old lock, with
// u.Follows applied on top.
//
// Not handled, because Nix would have to fetch: a url override on an input
// of the updated input (`inputs.devbox.inputs.nixpkgs.url = …`; Relock
// copies the input's own lock instead), an input of the updated flake that
// its lock does not list, and top-level inputs added to or removed from the
// root flake.nix other than PATH itself.
func (l *LockFile) Relock(u Update) (*LockFile, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if len(u.Input) == 0 {
		return nil, fmt.Errorf("no input to update (want an input name such as nixpkgs, or a path such as devbox/nixpkgs)")
	}
	for _, name := range u.Input {
		if name == "" {
			return nil, fmt.Errorf("input path %q has an empty element", strings.Join(u.Input, "/"))
		}
	}
	if err := checkAttrs("locked", u.Locked); err != nil {
		return nil, err
	}
	if u.Original != nil {
		if err := checkAttrs("original", u.Original); err != nil {
			return nil, err
		}
	}
	if u.Lock != nil {
		if err := u.Lock.Validate(); err != nil {
			return nil, fmt.Errorf("the lock file of input %q: %w", strings.Join(u.Input, "/"), err)
		}
	}
	old, err := l.oldTarget(u.Input)
	if err != nil {
		return nil, err
	}
	r := relocker{u: u, overrides: map[string][]string{}}
	if old != nil && (!u.FollowsKnown || len(u.Input) > 1) {
		// For an input of an input, the flakes in between may declare
		// overrides too, and only the old lock records them.
		r.inferOverrides(old, u.Input, nil)
	}
	if u.FollowsKnown {
		for _, f := range u.Follows {
			if len(f.Input) == 0 {
				return nil, fmt.Errorf("a follows override needs the input it is declared on")
			}
			r.overrides[key(f.Input)] = append([]string{}, f.Target...)
		}
	}
	decls := declsFromNode(l.Root, nil)
	if _, ok := decls[u.Input[0]]; !ok {
		// A top-level input the old lock does not have yet.
		if u.Original == nil {
			return nil, fmt.Errorf("input %q is new to the lock file; give its original reference", u.Input[0])
		}
		decls[u.Input[0]] = decl{original: u.Original, flake: !u.NotFlake}
	}
	root := &Node{Key: "root", Flake: true}
	if err := r.compute(decls, root, nil, l.Root, nil); err != nil {
		return nil, err
	}
	out := &LockFile{Version: 7, Root: root}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("updating input %q: %w", strings.Join(u.Input, "/"), err)
	}
	return out, nil
}

func checkAttrs(field string, a flakeref.Attrs) error {
	t, ok := a.Get("type")
	if s, isStr := t.(string); !ok || !isStr || s == "" {
		return fmt.Errorf("the new %s attributes have no \"type\" (want e.g. type=github)", field)
	}
	for _, at := range a {
		if _, err := flakeref.NormalizeValue(at.Value); err != nil {
			return fmt.Errorf("the new %s attribute %q: %v", field, at.Name, err)
		}
	}
	if flakeref.KnownType(t.(string)) {
		if _, err := flakeref.FromOrdered(a); err != nil {
			return fmt.Errorf("the new %s attributes: %w", field, err)
		}
	}
	return nil
}

// oldTarget finds the node at the update path in the old lock, checking
// that every step above it exists (Nix would warn and do nothing
// otherwise) and that the path itself is not a follows.
func (l *LockFile) oldTarget(path []string) (*Node, error) {
	n := l.Root
	for i, name := range path {
		in, ok := n.Inputs[name]
		last := i == len(path)-1
		switch {
		case !ok && last && i == 0:
			return nil, nil // a new top-level input
		case !ok:
			return nil, fmt.Errorf("input %q is not in the lock file (run nix flake lock first, or check the name)", strings.Join(path[:i+1], "/"))
		case in.IsFollows():
			return nil, fmt.Errorf("input %q follows %q; update that input instead", strings.Join(path[:i+1], "/"), strings.Join(in.Follows, "/"))
		}
		n = in.Node
	}
	return n, nil
}

// inferOverrides records every follows edge under the old node at prefix
// that the input's new lock does not declare the same way.
func (r *relocker) inferOverrides(n *Node, prefix, rel []string) {
	for _, name := range sortedNames(n.Inputs) {
		in := n.Inputs[name]
		relPath := append(slices.Clone(rel), name)
		if in.IsFollows() {
			if !r.lockDeclares(relPath, in.Follows) {
				r.overrides[key(append(slices.Clone(prefix), relPath...))] = in.Follows
			}
			continue
		}
		if len(relPath) < maxDepth {
			r.inferOverrides(in.Node, prefix, relPath)
		}
	}
}

// lockDeclares reports whether the updated input's own lock has a follows
// at rel that, made absolute, is target.
func (r *relocker) lockDeclares(rel, target []string) bool {
	if r.u.Lock == nil {
		return false
	}
	n := r.u.Lock.Root
	for i, name := range rel {
		in, ok := n.Inputs[name]
		if !ok {
			return false
		}
		if i == len(rel)-1 {
			return in.IsFollows() && slices.Equal(append(slices.Clone(r.u.Input), in.Follows...), target)
		}
		if in.IsFollows() {
			return false
		}
		n = in.Node
	}
	return false
}

func key(path []string) string { return strings.Join(path, "\x00") }

type relocker struct {
	u         Update
	overrides map[string][]string // input path -> follows target
}

// decl is an input as a flake declares it: a reference (original and
// flakeness), or a follows path already made absolute.
type decl struct {
	original  flakeref.Attrs
	flake     bool
	follows   []string
	isFollows bool
}

// declsFromNode reconstructs the declarations a locked node was computed
// from, the way Nix's "fake inputs" do: a node's original reference, or a
// follows path prefixed with the path of the lock it comes from.
func declsFromNode(n *Node, lockRoot []string) map[string]decl {
	out := map[string]decl{}
	for name, in := range n.Inputs {
		if in.IsFollows() {
			out[name] = decl{follows: append(slices.Clone(lockRoot), in.Follows...), isFollows: true}
		} else {
			out[name] = decl{original: in.Node.Original, flake: in.Node.Flake}
		}
	}
	return out
}

// compute mirrors Nix's computeLocks: it fills node's inputs from decls,
// reusing oldNode's entries (from the old lock, or from the updated input's
// own lock) where the declaration is unchanged.
func (r *relocker) compute(decls map[string]decl, node *Node, prefix []string, oldNode *Node, lockRoot []string) error {
	if len(prefix) > maxDepth {
		return fmt.Errorf("inputs nested more than %d deep", maxDepth)
	}
	for _, name := range sortedDecls(decls) {
		d := decls[name]
		path := append(slices.Clone(prefix), name)
		if target, ok := r.overrides[key(path)]; ok {
			d = decl{follows: target, isFollows: true}
		}
		if d.isFollows {
			node.setInput(name, Input{Follows: d.follows})
			continue
		}
		isUpdate := slices.Equal(path, r.u.Input)
		var oldLock *Node
		if oldNode != nil && !isUpdate {
			if in, ok := oldNode.Inputs[name]; ok && !in.IsFollows() {
				oldLock = in.Node
			}
		}
		if oldLock != nil && oldLock.Original.Equal(d.original) {
			child := &Node{Locked: oldLock.Locked, Original: oldLock.Original, Flake: oldLock.Flake}
			node.setInput(name, Input{Node: child})
			if err := r.compute(declsFromNode(oldLock, lockRoot), child, path, oldLock, lockRoot); err != nil {
				return err
			}
			continue
		}
		if !isUpdate {
			return fmt.Errorf("input %q is not locked in the lock file it comes from, so updating %q would need a fetch; lock it with nix flake lock first",
				strings.Join(path, "/"), strings.Join(r.u.Input, "/"))
		}
		original := r.u.Original
		if original == nil {
			original = d.original
		}
		flake := d.flake
		child := &Node{Locked: r.u.Locked, Original: original, Flake: flake}
		node.setInput(name, Input{Node: child})
		if flake && r.u.Lock != nil {
			if err := r.compute(declsFromNode(r.u.Lock.Root, path), child, path, r.u.Lock.Root, path); err != nil {
				return err
			}
		}
	}
	return nil
}

func (n *Node) setInput(name string, in Input) {
	if n.Inputs == nil {
		n.Inputs = map[string]Input{}
	}
	n.Inputs[name] = in
}

func sortedDecls(m map[string]decl) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
