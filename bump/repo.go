package bump

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/nix-community/go-nix/pkg/nixhash"
	"golang.org/x/mod/semver"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/lint"
	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
)

// plan is what one repository needs: the files to write and what they say.
type plan struct {
	tree    string // SHA of the default branch's tree the plan was made from
	flakes  []FlakeResult
	changes []change
	files   []fileChange
}

type fileChange struct {
	path     string
	old, new []byte
}

// repo bumps one repository. Reading costs one request for a repository
// without flakes, and one more per distinct flake.lock otherwise.
func (b *bumper) repo(ctx context.Context, r githubapi.Repo) RepoResult {
	res := RepoResult{Repo: r.FullName()}
	fail := func(err error) RepoResult {
		res.Status, res.Reason = Error, oneLine(err)
		return res
	}
	st := &attempts{}
	for attempt := 0; ; attempt++ {
		p, err := b.plan(ctx, r)
		if err != nil {
			return fail(err)
		}
		res.Flakes = p.flakes
		if len(p.files) == 0 {
			res.Status, res.Reason = summarise(p.flakes)
			return res
		}
		if b.opts.DryRun {
			res.Status = Updated
			res.Diff = p.diff(r)
			return res
		}
		out, again, err := b.apply(ctx, r, p, res, st)
		if again && attempt < 2 {
			continue
		}
		if err != nil {
			return fail(err)
		}
		return out
	}
}

// summarise gives a repository with nothing to write its status from its
// flakes': skipped or error if any flake was, else up to date.
func summarise(flakes []FlakeResult) (Status, string) {
	if len(flakes) == 0 {
		return UpToDate, "no flake uses the input"
	}
	for _, s := range []Status{Error, Skipped} {
		for _, f := range flakes {
			if f.Status != s {
				continue
			}
			if len(flakes) > 1 || f.Path != "flake.nix" {
				// Which flake of a monorepo.
				return s, f.Path + ": " + f.Reason
			}
			return s, f.Reason
		}
	}
	return UpToDate, ""
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// plan reads the repository's default branch and decides, flake by flake.
func (b *bumper) plan(ctx context.Context, r githubapi.Repo) (*plan, error) {
	tree, err := b.client.GetTree(ctx, r.Owner, r.Name, r.DefaultBranch)
	if errors.Is(err, githubapi.ErrEmptyRepository) {
		return &plan{}, nil
	}
	if err != nil {
		return nil, err
	}
	files := map[string]githubapi.TreeFile{}
	for _, f := range tree.Files {
		files[f.Path] = f
	}
	p := &plan{tree: tree.SHA}
	for _, f := range tree.Files {
		if path.Base(f.Path) != "flake.nix" {
			continue
		}
		lockPath := path.Join(path.Dir(f.Path), "flake.lock")
		lockFile, hasLock := files[lockPath]
		if !hasLock {
			if fr, ok := b.unlocked(ctx, r, f); ok {
				p.flakes = append(p.flakes, fr)
			}
			continue
		}
		if err := b.planFlake(ctx, r, p, f, lockFile); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// unlocked reports a flake without a lock file, if it declares the input.
func (b *bumper) unlocked(ctx context.Context, r githubapi.Repo, f githubapi.TreeFile) (FlakeResult, bool) {
	src, err := b.blob(ctx, r, f.SHA)
	if err != nil {
		return FlakeResult{Path: f.Path, Status: Error, Reason: oneLine(err)}, true
	}
	decl, err := lint.ReadDeclared(f.Path, src)
	if err != nil {
		return FlakeResult{}, false
	}
	for name, d := range decl.Inputs {
		if name == b.opts.Input || (d.HasRef && b.isSource(d.Ref)) {
			return FlakeResult{Path: f.Path, Input: name, Status: Skipped,
				Reason: "no flake.lock next to it: lock it once with nix flake lock and commit flake.lock"}, true
		}
	}
	return FlakeResult{}, false
}

func (b *bumper) isSource(ref flakeref.Ref) bool {
	return ref.Type == flakeref.TypeGitHub && strings.EqualFold(ref.Owner(), b.src.Owner()) &&
		strings.EqualFold(ref.Repo(), b.src.Repo()) && strings.EqualFold(ref.Host(), b.src.Host())
}

// planFlake decides for one flake.nix and its flake.lock. What goes wrong
// in the flake is its result; the error is for the repository.
func (b *bumper) planFlake(ctx context.Context, r githubapi.Repo, p *plan, nixFile, lockFile githubapi.TreeFile) error {
	lockSrc, err := b.blob(ctx, r, lockFile.SHA)
	if err != nil {
		return err
	}
	result := func(input string, s Status, reason string) FlakeResult {
		return FlakeResult{Path: nixFile.Path, Input: input, Status: s, Reason: reason}
	}
	old, err := lockfile.Read(lockSrc)
	if err != nil {
		p.flakes = append(p.flakes, result("", Error, lockFile.Path+": "+oneLine(err)))
		return nil
	}
	// The inputs to bump: by name, or by where they point.
	var names []string
	for name, in := range old.Root.Inputs {
		if in.IsFollows() {
			continue
		}
		orig, err := in.Node.OriginalRef()
		if name == b.opts.Input || (err == nil && b.isSource(orig)) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil
	}
	lock := old
	var nixSrc, nixNew []byte
	var decl *lint.Declared
	var changes []change
	for _, name := range names {
		node := old.Root.Inputs[name].Node
		orig, err := node.OriginalRef()
		if err != nil || !b.isSource(orig) {
			p.flakes = append(p.flakes, result(name, Skipped, fmt.Sprintf("input %s points at %s, not %s (see --input and --source)", name, describeAttrs(node.Original), b.src)))
			continue
		}
		locked, err := node.LockedRef()
		if err != nil {
			p.flakes = append(p.flakes, result(name, Error, lockFile.Path+": "+oneLine(err)))
			continue
		}
		from := Version{Ref: orig.Ref(), Rev: locked.Rev()}
		if lm, ok := locked.LastModified(); ok {
			from.Date = time.Unix(lm, 0).UTC()
		}
		to, newRef, why, err := b.want(ctx, orig)
		if err != nil {
			return err
		}
		if why != "" {
			p.flakes = append(p.flakes, result(name, Skipped, why))
			continue
		}
		if from.Rev == to.Rev && newRef == orig.Ref() {
			fr := result(name, UpToDate, "")
			fr.From, fr.To = &from, &to
			p.flakes = append(p.flakes, fr)
			continue
		}
		if b.latest && orig.Ref() == "" && from.Rev != "" {
			// Never move a project back: one that tracks the default
			// branch may be locked past the latest release.
			cmp, err := b.source.compare(ctx, to.Rev, from.Rev)
			if err != nil && !errors.Is(err, githubapi.ErrNotFound) {
				return err
			}
			if cmp != nil && cmp.Status == "ahead" {
				p.flakes = append(p.flakes, result(name, Skipped, fmt.Sprintf("locked at %s, %d commits past %s: not moving it back", from.Short(), cmp.AheadBy, to.Ref)))
				continue
			}
		}
		if from.Ref == "" {
			from.Ref = b.source.tagOf(ctx, from.Rev)
		}
		if decl == nil {
			if nixSrc, err = b.blob(ctx, r, nixFile.SHA); err != nil {
				return err
			}
			nixNew = nixSrc
			if decl, err = lint.ReadDeclared(nixFile.Path, nixSrc); err != nil {
				p.flakes = append(p.flakes, result(name, Error, oneLine(err)))
				return nil
			}
		}
		upd, nixOut, why, err := b.update(ctx, decl, name, orig, newRef, to, nixNew)
		if err != nil {
			return err
		}
		if why != "" {
			p.flakes = append(p.flakes, result(name, Skipped, why))
			continue
		}
		relocked, err := lock.Relock(*upd)
		if err != nil {
			p.flakes = append(p.flakes, result(name, Error, oneLine(err)))
			continue
		}
		updates := lockUpdates(lock, relocked)
		lock, nixNew = relocked, nixOut
		fr := result(name, Updated, "")
		fr.From, fr.To = &from, &to
		p.flakes = append(p.flakes, fr)
		changes = append(changes, change{path: nixFile.Path, input: name, from: from, to: to, updates: updates})
	}
	if len(changes) == 0 {
		return nil
	}
	newLock, err := lock.Marshal()
	if err != nil {
		return err
	}
	if string(newLock) != string(lockSrc) {
		p.files = append(p.files, fileChange{path: lockFile.Path, old: lockSrc, new: newLock})
	}
	if string(nixNew) != string(nixSrc) {
		p.files = append(p.files, fileChange{path: nixFile.Path, old: nixSrc, new: nixNew})
	}
	p.changes = append(p.changes, changes...)
	return nil
}

func describeAttrs(a flakeref.Attrs) string {
	ref, err := flakeref.FromOrdered(a)
	if err != nil {
		return "?"
	}
	return ref.String()
}

// want is the version a project declaring orig moves to, and the ref its
// flake.nix must then say; why is set when the project is left alone.
func (b *bumper) want(ctx context.Context, orig flakeref.Ref) (to Version, newRef, why string, err error) {
	ref := orig.Ref()
	switch {
	case orig.Rev() != "":
		return Version{}, "", fmt.Sprintf("flake.nix pins rev %s: bump moves refs, not revs; change it by hand or pin a version tag", orig.Rev()), nil
	case ref == "":
		return b.target, "", "", nil
	case !isVersionTag(ref):
		// A branch (or another ref): the project follows it, as Nix would.
		v, err := b.source.version(ctx, ref)
		if errors.Is(err, githubapi.ErrNotFound) {
			return Version{}, "", fmt.Sprintf("flake.nix follows ref %s, which %s does not have", ref, b.source.name()), nil
		}
		return v, ref, "", err
	}
	// A version tag: move it to the target's tag, within its major version
	// unless allowed.
	major := semver.Major(canonical(ref))
	var tag string
	switch {
	case b.latest && !b.opts.AllowMajor:
		if tag, err = b.source.highest(ctx, major, b.opts.Pre || semver.Prerelease(canonical(ref)) != ""); err != nil {
			return Version{}, "", oneLine(err), nil
		}
	case b.target.Ref != "" && isVersionTag(b.target.Ref):
		tag = b.target.Ref
		if semver.Major(canonical(tag)) != major && !b.opts.AllowMajor {
			return Version{}, "", fmt.Sprintf("flake.nix pins %s; %s is a new major version (--allow-major to move it)", ref, tag), nil
		}
	default:
		return Version{}, "", fmt.Sprintf("flake.nix pins version tag %s; --to %s is not a version tag", ref, b.opts.To), nil
	}
	if b.latest && semver.Compare(canonical(tag), canonical(ref)) < 0 {
		return Version{}, "", fmt.Sprintf("flake.nix pins %s, newer than %s", ref, tag), nil
	}
	v, err := b.source.version(ctx, tag)
	return v, tag, "", err
}

// update builds the lockfile update for input name and the rewritten
// flake.nix; why is set when it cannot be done without Nix.
func (b *bumper) update(ctx context.Context, decl *lint.Declared, name string, orig flakeref.Ref, newRef string, to Version, nixSrc []byte) (*lockfile.Update, []byte, string, error) {
	d := decl.Inputs[name]
	switch {
	case d == nil || d.Implicit:
		return nil, nil, fmt.Sprintf("flake.nix does not declare input %s where bump can read it", name), nil
	case d.HasFollows:
		return nil, nil, fmt.Sprintf("input %s follows another input: bump that one", name), nil
	case !d.HasRef || !d.Ref.Equal(orig):
		return nil, nil, fmt.Sprintf("flake.nix and flake.lock disagree on input %s: run nix flake lock (flakectl lint reports it as lock-drift)", name), nil
	}
	upd := &lockfile.Update{Input: []string{name}, FollowsKnown: true}
	for _, sub := range slices.Sorted(maps.Keys(d.Inputs)) {
		o := d.Inputs[sub]
		if !o.HasFollows || len(o.Inputs) > 0 {
			return nil, nil, fmt.Sprintf("flake.nix overrides %s/%s with its own reference: only Nix can lock that (nix flake lock --update-input %s)", name, sub, name), nil
		}
		upd.Follows = append(upd.Follows, lockfile.Follows{Input: []string{name, sub}, Target: o.Follows})
	}
	declared := orig
	out := nixSrc
	if newRef != orig.Ref() {
		var err error
		if out, err = rewriteRef(nixSrc, d.URL, orig, newRef); err != nil {
			return nil, nil, oneLine(err), nil
		}
		declared = orig.With("ref", newRef)
		upd.Original = declared.Ordered()
	}
	src, err := b.source.prefetch(ctx, to.Rev)
	if err != nil {
		return nil, nil, "", err
	}
	locked, err := declared.LockedGitArchive(src.Rev, src.NarHash.Format(nixhash.SRI, true), src.LastModified.Unix())
	if err != nil {
		return nil, nil, "", err
	}
	upd.Locked = locked.Ordered()
	if !d.NotFlake {
		if upd.Lock, err = b.source.ownLock(ctx, src.Rev, orig.Dir()); err != nil {
			return nil, nil, "", err
		}
	}
	return upd, out, "", nil
}

// diff is the unified diff of the plan's files.
func (p *plan) diff(r githubapi.Repo) string {
	var d strings.Builder
	for _, f := range p.files {
		name := r.FullName() + "/" + f.path
		d.WriteString(udiff.Unified("a/"+name, "b/"+name, string(f.old), string(f.new)))
	}
	return d.String()
}
