package lint

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
	"github.com/system1/devbox/nix/syntax"
	"github.com/system1/devbox/render"
)

// Rules are every rule, in the order they run and are documented.
var Rules = []*Rule{
	MissingFlake, MissingLock, Syntax, Untracked, LockDrift, LockInvalid,
	DevboxInput, DevboxShell, Stale, NixpkgsBranch, DuplicateInput,
}

// RuleByName returns the rule called name, or nil.
func RuleByName(name string) *Rule {
	for _, r := range Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

var MissingFlake = &Rule{
	Name:     "missing-flake",
	Severity: SeverityError,
	Doc: `A repository, or a directory listed under flakes:, has no flake.nix. The flakes: list is in .flakectl.yaml. ` +
		`Without one there is no development environment to enter. A repository that has ` +
		`flake.nix files only in subdirectories is fine unless its root is listed. ` +
		`The fix writes the flake.nix that 'flakectl init' writes.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Nix.Exists || !f.Required {
			return
		}
		plan := render.DefaultProject()
		plan.DevboxURL = p.Config.DevboxURL
		d := p.Reportf(f.Nix, -1, -1, "%s has no flake.nix", f.Display)
		if src, err := render.Project(plan); err == nil {
			d.Fixes = []SuggestedFix{{Message: "write the flake.nix of flakectl init", Edits: []TextEdit{{File: f.Nix.Display, NewText: string(src)}}}}
		}
	},
}

var MissingLock = &Rule{
	Name:     "missing-lock",
	Severity: SeverityError,
	Doc: `flake.nix has no flake.lock beside it. Every 'nix develop' then resolves the inputs ` +
		`afresh, so two developers (or CI) can get different tools. Run 'nix flake lock' and ` +
		`commit flake.lock.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Nix.Exists && !f.Lock.Exists {
			p.Reportf(f.Nix, -1, -1, "flake.nix has no flake.lock (run nix flake lock and commit it)")
		}
	},
}

var Syntax = &Rule{
	Name:     "syntax",
	Severity: SeverityError,
	Doc: `flake.nix cannot be read or does not parse. The position is where Nix reports the ` +
		`first error. Lint never evaluates the file, so this rule only finds syntax errors.`,
	Run: func(p *Pass) {
		f := p.Flake
		if !f.Nix.Exists {
			return
		}
		if f.Nix.ReadErr != nil {
			p.Reportf(f.Nix, -1, -1, "cannot read flake.nix: %v", f.Nix.ReadErr)
			return
		}
		if f.SyntaxErr == nil {
			return
		}
		var msg string
		pos := Position{Line: 1, Column: 1}
		if list, ok := f.SyntaxErr.(syntax.ErrorList); ok && len(list) > 0 {
			msg = list[0].Msg
			pos.Line, pos.Column = list[0].Pos.Line, list[0].Pos.Column
			if len(list) > 1 {
				msg += fmt.Sprintf(" (and %d more errors)", len(list)-1)
			}
		} else {
			msg = f.SyntaxErr.Error()
		}
		if bytes.IndexByte(f.Nix.Src, 0) >= 0 {
			msg = "flake.nix is not text (it holds a NUL byte, where Nix stops reading): " + msg
		}
		p.Report(Diagnostic{File: f.Nix.Display, Start: pos, End: pos, Message: msg})
	},
}

var Untracked = &Rule{
	Name:     "untracked",
	Severity: SeverityError,
	Doc: `flake.nix or flake.lock is not tracked by git. The file is in a git repository but not tracked: Nix copies ` +
		`only tracked files of a git repository, so it does not see the file at all. Run ` +
		`'git add' (or 'git add --intent-to-add') on it.`,
	Run: func(p *Pass) {
		f := p.Flake
		if !f.InGit {
			return
		}
		for _, sf := range []*SourceFile{f.Nix, f.Lock} {
			if sf.Exists && !sf.Tracked {
				base := sf.Name[strings.LastIndex(sf.Name, "/")+1:]
				p.Reportf(sf, -1, -1, "%s is not tracked by git, so Nix ignores it (git add --intent-to-add %s)", base, sf.Display)
			}
		}
	},
}

var LockDrift = &Rule{
	Name:     "lock-drift",
	Severity: SeverityError,
	Doc: `flake.lock does not match the inputs flake.nix declares. 'nix flake lock' would ` +
		`change the lock. Like Nix, lint compares each declared url (or attribute form) with ` +
		`the lock's original reference, each follows with the lock's follows path, and the ` +
		`root flake's overrides of its inputs' inputs with the locked nodes; inputs the lock ` +
		`has but flake.nix does not declare would be dropped. Run 'nix flake lock'.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Inputs == nil || f.LockFile == nil {
			return
		}
		for _, d := range lockDrift(f.Inputs, f.LockFile) {
			if d.at != nil {
				p.Reportf(f.Nix, d.at.NameStart, d.at.NameEnd, "%s (run nix flake lock)", d.msg)
			} else {
				p.Reportf(f.Nix, -1, -1, "%s (run nix flake lock)", d.msg)
			}
		}
	},
}

var LockInvalid = &Rule{
	Name:     "lock-invalid",
	Severity: SeverityError,
	Doc: `flake.lock cannot be used. It is unreadable, not JSON, of an unsupported version, ` +
		`refers to node keys that do not exist, or has a locked node without a narHash (or, ` +
		`for git and archive sources, without a rev). Nix refuses such a lock or refetches ` +
		`what it cannot verify.`,
	Run: func(p *Pass) {
		f := p.Flake
		switch {
		case !f.Lock.Exists:
			return
		case f.Lock.ReadErr != nil:
			p.Reportf(f.Lock, -1, -1, "cannot read flake.lock: %v", f.Lock.ReadErr)
			return
		case f.LockErr != nil:
			msg := f.LockErr.Error()
			if le, ok := f.LockErr.(*lockfile.Error); ok {
				msg = le.Msg
			}
			p.Reportf(f.Lock, -1, -1, "%s", msg)
			return
		}
		for _, n := range reachable(f.LockFile) {
			ref, err := n.node.LockedRef()
			if err != nil {
				continue // a type Nix 2.8 does not know: it keeps such nodes as they are
			}
			at := bytes.Index(f.Lock.Src, []byte(fmt.Sprintf("%q: {", n.node.Key)))
			end := at + len(n.node.Key) + 2
			if at < 0 {
				at, end = -1, -1
			}
			if ref.NarHash() == "" && ref.Type != flakeref.TypeIndirect {
				p.Reportf(f.Lock, at, end, "locked input %s has no narHash", strings.Join(n.path, "/"))
			}
			switch ref.Type {
			case flakeref.TypeGitHub, flakeref.TypeGitLab, flakeref.TypeSourceHut, flakeref.TypeGit, flakeref.TypeMercurial:
				if ref.Rev() == "" {
					p.Reportf(f.Lock, at, end, "locked input %s has no rev", strings.Join(n.path, "/"))
				}
			case flakeref.TypeIndirect:
				p.Reportf(f.Lock, at, end, "locked input %s is indirect (%s): it pins nothing", strings.Join(n.path, "/"), ref)
			}
		}
	},
}

type pathNode struct {
	path []string
	node *lockfile.Node
}

// reachable lists the lock's nodes breadth first from the root, each with
// the shortest input path (bytewise first among equals) that reaches it.
func reachable(l *lockfile.LockFile) []pathNode {
	seen := map[*lockfile.Node]bool{l.Root: true}
	var out []pathNode
	queue := []pathNode{{nil, l.Root}}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		names := make([]string, 0, len(cur.node.Inputs))
		for name := range cur.node.Inputs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			in := cur.node.Inputs[name]
			if in.IsFollows() || seen[in.Node] {
				continue
			}
			seen[in.Node] = true
			pn := pathNode{append(slices.Clone(cur.path), name), in.Node}
			out = append(out, pn)
			queue = append(queue, pn)
		}
	}
	return out
}

var DevboxInput = &Rule{
	Name:     "devbox-input",
	Severity: SeverityError,
	Doc: `The devbox input is missing or points elsewhere. The flake has no devbox input, or it points somewhere other than the platform's ` +
		`base flake (devbox-url in .flakectl.yaml, by default ` + render.DefaultDevboxURL + `). ` +
		`A ref or rev pinning the base flake is fine. The fix rewrites the url.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Inputs == nil {
			return
		}
		in := f.Inputs.Inputs["devbox"]
		want := p.Config.devbox
		switch {
		case in == nil || in.Implicit:
			p.Reportf(f.Nix, -1, -1, "flake.nix has no devbox input (add inputs.devbox.url = %s;)", render.Quote(p.Config.DevboxURL))
		case in.HasFollows:
			p.Reportf(f.Nix, in.NameStart, in.NameEnd, "input devbox follows %q instead of pointing at %s", strings.Join(in.Follows, "/"), p.Config.DevboxURL)
		case in.HasRef && !sameSource(in.Ref, want):
			start, end := in.NameStart, in.NameEnd
			if in.URL != nil {
				start, end = int(in.URL.Pos()), int(in.URL.End())
			}
			d := p.Reportf(f.Nix, start, end, "input devbox is %s, not the base flake %s", in.Ref, p.Config.DevboxURL)
			if in.URL != nil {
				d.Fixes = []SuggestedFix{{Message: "point devbox at " + p.Config.DevboxURL, Edits: []TextEdit{{File: f.Nix.Display, Offset: start, End: end, NewText: render.Quote(p.Config.DevboxURL)}}}}
			}
		}
	},
}

// sameSource reports whether a and b are the same repository (and
// directory), whatever branch or revision they pin.
func sameSource(a, b flakeref.Ref) bool {
	strip := func(r flakeref.Ref) flakeref.Attrs {
		attrs := r.Ordered().Delete("ref").Delete("rev").Delete("narHash").Delete("lastModified")
		for i, at := range attrs {
			if s, ok := at.Value.(string); ok && (at.Name == "owner" || at.Name == "repo") {
				attrs = attrs.Set(attrs[i].Name, strings.ToLower(s))
			}
		}
		return attrs
	}
	return strip(a).Equal(strip(b))
}

var DevboxShell = &Rule{
	Name:     "devbox-shell",
	Severity: SeverityWarning,
	Doc: `No dev shell takes the devbox shell's tools. No dev shell in flake.nix has ` +
		`inputsFrom = [ devbox.devShells.${system}.default ]. Without it, 'nix develop' ` +
		`gives a shell without the base flake's packages.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Expr == nil || f.SyntaxErr != nil || f.Inputs == nil || f.Inputs.Inputs["devbox"] == nil {
			return
		}
		found := false
		syntax.Inspect(f.Expr, func(n syntax.Node) bool {
			def, ok := n.(*syntax.AttrDef)
			if found || !ok {
				return !found
			}
			if last, _ := def.Path[len(def.Path)-1].Static(); last != "inputsFrom" {
				return true
			}
			syntax.Inspect(def.Value, func(n syntax.Node) bool {
				if sel, ok := n.(*syntax.Select); ok && selectsDevboxShell(sel) {
					found = true
				}
				return !found
			})
			return !found
		})
		if found {
			return
		}
		start, end := -1, -1
		if o := f.Inputs.Outputs; o != nil {
			start, end = int(o.Path[0].Pos()), int(o.Path[0].End())
		}
		p.Reportf(f.Nix, start, end, "no dev shell has devbox.devShells.${system}.default in inputsFrom")
	},
}

// selectsDevboxShell reports whether sel reads devbox.devShells… (or
// inputs.devbox.devShells…).
func selectsDevboxShell(sel *syntax.Select) bool {
	var names []string
	var walk func(x syntax.Expr)
	walk = func(x syntax.Expr) {
		switch x := x.(type) {
		case *syntax.Ident:
			names = append(names, x.Name)
		case *syntax.Select:
			walk(x.X)
			for _, a := range x.Path {
				s, _ := a.Static()
				names = append(names, s)
			}
		case *syntax.Paren:
			walk(x.X)
		}
	}
	walk(sel)
	i := slices.Index(names, "devbox")
	return i >= 0 && slices.Contains(names[i:], "devShells")
}

var Stale = &Rule{
	Name:     "stale",
	Severity: SeverityWarning,
	Doc: `A locked input is older than its limit. By default it is 30 days for nixpkgs and devbox; ` +
		`stale-days in .flakectl.yaml sets the limit per input name. Age is the locked ` +
		`revision's lastModified. Run 'nix flake lock --update-input NAME'.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.LockFile == nil {
			return
		}
		names := make([]string, 0, len(p.Config.StaleDays))
		for name := range p.Config.StaleDays {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			limit := p.Config.StaleDays[name]
			in, ok := f.LockFile.Root.Inputs[name]
			if !ok || in.IsFollows() {
				continue
			}
			ref, err := in.Node.LockedRef()
			if err != nil {
				continue
			}
			last, ok := ref.LastModified()
			if !ok {
				continue
			}
			when := time.Unix(last, 0).UTC()
			age := int(p.Now.Sub(when).Hours() / 24)
			if age <= limit {
				continue
			}
			start, end := -1, -1
			if f.Inputs != nil && f.Inputs.Inputs[name] != nil {
				start, end = f.Inputs.Inputs[name].NameStart, f.Inputs.Inputs[name].NameEnd
			}
			p.Reportf(f.Nix, start, end, "input %s is locked to a revision from %s, %d days old (limit %d; run nix flake lock --update-input %s)",
				name, when.Format("2006-01-02"), age, limit, name)
		}
	},
}

var NixpkgsBranch = &Rule{
	Name:     "nixpkgs-branch",
	Severity: SeverityWarning,
	Doc: `nixpkgs follows an unsupported branch. A nixpkgs input follows a branch outside the supported list (supported-branches in ` +
		`.flakectl.yaml; by default nixos-unstable, nixpkgs-unstable and the current and ` +
		`previous nixos-YY.MM release; their -small variants too), or no branch at all. ` +
		`Old releases stop getting security fixes.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.Inputs == nil {
			return
		}
		branches := p.Config.Branches(p.Now)
		for _, name := range f.Inputs.Order {
			in := f.Inputs.Inputs[name]
			if !in.HasRef || !isNixpkgs(in.Ref) || in.Ref.Rev() != "" {
				continue
			}
			start, end := in.NameStart, in.NameEnd
			if in.URL != nil {
				start, end = int(in.URL.Pos()), int(in.URL.End())
			}
			branch := in.Ref.Ref()
			switch {
			case branch == "":
				p.Reportf(f.Nix, start, end, "input %s follows nixpkgs' default branch; use one of %s", name, strings.Join(branches, ", "))
			case !slices.Contains(branches, strings.TrimSuffix(branch, "-small")):
				p.Reportf(f.Nix, start, end, "input %s follows nixpkgs branch %s, which is not supported; use one of %s", name, branch, strings.Join(branches, ", "))
			}
		}
	},
}

func isNixpkgs(r flakeref.Ref) bool {
	switch r.Type {
	case flakeref.TypeGitHub:
		return strings.EqualFold(r.Owner(), "NixOS") && strings.EqualFold(r.Repo(), "nixpkgs")
	}
	return false
}

var DuplicateInput = &Rule{
	Name:     "duplicate-input",
	Severity: SeverityWarning,
	Doc: `flake.lock holds several copies of one source. It has several nodes for the same source (two nixpkgs, say) because an ` +
		`input's input does not follow the root flake's input. Each copy is downloaded and ` +
		`evaluated separately. The message names the follows line to add; the fix adds it ` +
		`next to the input's declaration.`,
	Run: func(p *Pass) {
		f := p.Flake
		if f.LockFile == nil {
			return
		}
		groups := map[string][]pathNode{}
		var keys []string
		for _, n := range reachable(f.LockFile) {
			k := sourceKey(n.node)
			if k == "" {
				continue
			}
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], n)
		}
		for _, k := range keys {
			g := groups[k]
			if len(g) < 2 || len(g[0].path) != 1 {
				continue // no copy the root flake has as its own input
			}
			canon := g[0].path[0]
			what := k
			if ref, err := g[0].node.OriginalRef(); err == nil {
				what = ref.Without("ref").Without("rev").String()
			}
			for _, n := range g[1:] {
				var decl *InputDecl
				if f.Inputs != nil {
					decl = f.Inputs.Inputs[n.path[0]]
				}
				start, end := -1, -1
				if decl != nil {
					start, end = decl.NameStart, decl.NameEnd
				}
				if len(n.path) == 1 {
					p.Reportf(f.Nix, start, end, "flake.lock has %d copies of %s: inputs %s and %s are the same source (make %s follow %s)",
						len(g), what, n.path[0], canon, n.path[0], render.Quote(canon))
					continue
				}
				if len(n.path) > 2 {
					// Nix 2.8 ignores overrides deeper than an input's own
					// inputs, so no line in this flake.nix removes the copy.
					p.Reportf(f.Nix, start, end, "flake.lock has %d copies of %s: input %s is one, and Nix 2.8 cannot make it follow from this flake (overrides reach only an input's own inputs)",
						len(g), what, strings.Join(n.path, "/"))
					continue
				}
				full := []string{"inputs", n.path[0], "inputs", n.path[1], "follows"}
				line := render.AttrPath(full...) + " = " + render.Quote(canon) + ";"
				d := p.Reportf(f.Nix, start, end, "flake.lock has %d copies of %s: add %s", len(g), what, line)
				if decl != nil {
					if at, text, ok := decl.FixSite(f.Nix.Src, full, render.Quote(canon)); ok {
						d.Fixes = []SuggestedFix{{Message: "add " + line, Edits: []TextEdit{{File: f.Nix.Display, Offset: at, End: at, NewText: text}}}}
					}
				}
			}
		}
	},
}

// sourceKey names a node's source regardless of the revision locked:
// type, repository (case-folded for forges) and directory.
func sourceKey(n *lockfile.Node) string {
	ref, err := n.OriginalRef()
	if err != nil {
		return ""
	}
	attrs := ref.Ordered().Delete("ref").Delete("rev")
	if ref.Type == flakeref.TypeGitHub || ref.Type == flakeref.TypeGitLab || ref.Type == flakeref.TypeSourceHut {
		attrs = attrs.Set("owner", strings.ToLower(ref.Owner())).Set("repo", strings.ToLower(ref.Repo()))
	}
	r, err := flakeref.FromOrdered(attrs)
	if err != nil {
		return ""
	}
	return r.String()
}
