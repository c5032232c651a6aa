package bump

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
)

// lockUpdates is the list of changes between two locks in the words Nix
// 2.8 prints them while it rewrites a lock file (LockFile::diff): every
// locked node reachable from the root, at the first input path that
// reaches it (input paths compared name by name), Added, Removed or
// Updated; follows edges are not listed.
func lockUpdates(old, new *lockfile.LockFile) string {
	oldFlat, newFlat := flatten(old), flatten(new)
	var b strings.Builder
	i, j := 0, 0
	for i < len(oldFlat) || j < len(newFlat) {
		switch {
		case j < len(newFlat) && (i == len(oldFlat) || lessPath(newFlat[j].path, oldFlat[i].path)):
			fmt.Fprintf(&b, "• Added input '%s':\n    '%s'%s\n", strings.Join(newFlat[j].path, "/"), refString(newFlat[j].node), dateSuffix(newFlat[j].node))
			j++
		case i < len(oldFlat) && (j == len(newFlat) || lessPath(oldFlat[i].path, newFlat[j].path)):
			fmt.Fprintf(&b, "• Removed input '%s'\n", strings.Join(oldFlat[i].path, "/"))
			i++
		default:
			if !oldFlat[i].node.Locked.Equal(newFlat[j].node.Locked) {
				fmt.Fprintf(&b, "• Updated input '%s':\n    '%s'%s\n  → '%s'%s\n", strings.Join(oldFlat[i].path, "/"),
					refString(oldFlat[i].node), dateSuffix(oldFlat[i].node), refString(newFlat[j].node), dateSuffix(newFlat[j].node))
			}
			i++
			j++
		}
	}
	return b.String()
}

type flatNode struct {
	path []string
	node *lockfile.Node
}

// flatten lists the nodes reachable from the root, depth first over input
// names in order, each at the first path that reaches it, sorted by path.
func flatten(l *lockfile.LockFile) []flatNode {
	var out []flatNode
	done := map[*lockfile.Node]bool{}
	var walk func(n *lockfile.Node, prefix []string)
	walk = func(n *lockfile.Node, prefix []string) {
		if done[n] {
			return
		}
		done[n] = true
		for _, name := range slices.Sorted(maps.Keys(n.Inputs)) {
			in := n.Inputs[name]
			if in.IsFollows() {
				continue
			}
			p := append(append([]string(nil), prefix...), name)
			out = append(out, flatNode{p, in.Node})
			walk(in.Node, p)
		}
	}
	walk(l.Root, nil)
	// Nix keeps the first path per node in a map ordered by path.
	seen := map[string]bool{}
	var uniq []flatNode
	for _, f := range out {
		k := strings.Join(f.path, "\x00")
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, f)
		}
	}
	sort.SliceStable(uniq, func(a, b int) bool { return lessPath(uniq[a].path, uniq[b].path) })
	return uniq
}

func lessPath(a, b []string) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

func refString(n *lockfile.Node) string {
	ref, err := flakeref.FromOrdered(n.Locked)
	if err != nil {
		return "?"
	}
	return ref.String()
}

func dateSuffix(n *lockfile.Node) string {
	ref, err := flakeref.FromOrdered(n.Locked)
	if err != nil {
		return ""
	}
	if lm, ok := ref.LastModified(); ok {
		return " (" + time.Unix(lm, 0).UTC().Format("2006-01-02") + ")"
	}
	return ""
}

// change is what one flake's update says in messages.
type change struct {
	path    string // flake.nix path
	input   string
	from    Version
	to      Version
	updates string // lockUpdates
}

func describeVersion(v Version) string {
	return fmt.Sprintf("%s, %s", v.Short(), v.Date.UTC().Format("2006-01-02"))
}

// title is the commit subject and pull request title.
func (b *bumper) title(changes []change) string {
	to := changes[0].to
	for _, c := range changes[1:] {
		if c.to.Rev != to.Rev {
			return fmt.Sprintf("Update %s in %d flakes", b.opts.Input, len(changes))
		}
	}
	name := to.Ref
	if name == "" {
		name = to.Short()
	}
	return fmt.Sprintf("Update %s to %s", b.opts.Input, name)
}

// trailer marks bump's commits: a branch whose commits all carry it holds
// nothing anyone else wrote.
func (b *bumper) trailer() string { return "Flakectl-Bump: " + b.opts.Input }

func (b *bumper) commitMessage(changes []change) string {
	var m strings.Builder
	m.WriteString(b.title(changes))
	m.WriteString("\n\n")
	for _, c := range changes {
		if len(changes) > 1 {
			fmt.Fprintf(&m, "%s:\n", c.path)
		}
		m.WriteString("Flake lock file updates:\n\n")
		m.WriteString(c.updates)
		m.WriteString("\n")
	}
	m.WriteString(b.trailer())
	m.WriteString("\n")
	return m.String()
}

// notes is what changed in the source between two versions: the release
// notes of the new tag, or the commit subjects.
type notes struct {
	compareURL string
	release    string // release notes (markdown), or ""
	subjects   []string
	more       int
}

const maxSubjects = 30

func (b *bumper) pullBody(changes []change, n map[string]*notes) string {
	var m strings.Builder
	src := b.src.String()
	for _, c := range changes {
		if len(changes) > 1 {
			fmt.Fprintf(&m, "### `%s`\n\n", c.path)
		}
		fmt.Fprintf(&m, "Updates the `%s` input (`%s`) from **%s** to **%s**.\n\n", c.input, src, describeVersion(c.from), describeVersion(c.to))
		if nn := n[c.from.Rev+"..."+c.to.Rev]; nn != nil {
			if nn.compareURL != "" {
				fmt.Fprintf(&m, "Compare: %s\n\n", nn.compareURL)
			}
			switch {
			case nn.release != "":
				fmt.Fprintf(&m, "<details><summary>Release notes of %s</summary>\n\n%s\n\n</details>\n\n", c.to.Ref, strings.TrimSpace(nn.release))
			case len(nn.subjects) > 0:
				fmt.Fprintf(&m, "<details><summary>Commits in %s</summary>\n\n", b.source.name())
				for _, s := range nn.subjects {
					fmt.Fprintf(&m, "- %s\n", s)
				}
				if nn.more > 0 {
					fmt.Fprintf(&m, "- … and %d more\n", nn.more)
				}
				m.WriteString("\n</details>\n\n")
			}
		}
		m.WriteString("```\nFlake lock file updates:\n\n")
		m.WriteString(c.updates)
		m.WriteString("```\n\n")
	}
	fmt.Fprintf(&m, "---\nOpened by `flakectl bump`, which computes the lock as `nix flake lock --update-input %s` does. "+
		"It updates this branch on its next run; once anyone else pushes to the branch, it leaves the branch alone.\n", changes[0].input)
	return m.String()
}
