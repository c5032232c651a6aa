package bump

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/semver"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/nix/lockfile"
	"github.com/system1/devbox/nix/nar"
)

// Version is one state of the source: a commit, with the tag or branch it
// was reached by.
type Version struct {
	Ref  string    `json:"ref,omitempty"` // tag or branch; "" for a bare rev
	Rev  string    `json:"rev"`
	Date time.Time `json:"date"` // committer date = the lock's lastModified
}

// Short is "v1.2.0 (abc1234)", or "abc1234" without a ref.
func (v Version) Short() string {
	rev := v.Rev
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if v.Ref == "" {
		return rev
	}
	return v.Ref + " (" + rev + ")"
}

var revPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// isVersionTag reports whether a ref names a semantic version (v1.2.0, or
// 1.2.0 as some repositories tag).
func isVersionTag(ref string) bool { return semver.IsValid(canonical(ref)) }

func canonical(tag string) string {
	if !strings.HasPrefix(tag, "v") {
		return "v" + tag
	}
	return tag
}

// once memoises one computation per key, shared by every worker: the
// target is resolved, fetched and hashed once for the whole organisation.
// Callers that ask while it runs wait for it.
type once[T any] struct {
	mu sync.Mutex
	m  map[string]*onceCall[T]
}

type onceCall[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func (o *once[T]) do(key string, f func() (T, error)) (T, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*onceCall[T]{}
	}
	c, ok := o.m[key]
	if !ok {
		c = &onceCall[T]{done: make(chan struct{})}
		o.m[key] = c
		o.mu.Unlock()
		c.v, c.err = f()
		if c.err != nil {
			// A failure is not remembered: the next caller tries again
			// (the one waiting now shares this error).
			o.mu.Lock()
			delete(o.m, key)
			o.mu.Unlock()
		}
		close(c.done)
		return c.v, c.err
	}
	o.mu.Unlock()
	<-c.done
	return c.v, c.err
}

// source is the repository the bumped input points at, with everything
// read from it memoised.
type source struct {
	client       *githubapi.Client
	owner, repo  string
	limits       nar.Limits
	tags         once[[]githubapi.Tag]
	commits      once[*githubapi.Commit]
	prefetches   once[*githubapi.Source]
	locks        once[*lockfile.LockFile]
	comparisons  once[*githubapi.Comparison]
	releaseNotes once[*githubapi.Release]
}

func (s *source) name() string { return s.owner + "/" + s.repo }

func (s *source) listTags(ctx context.Context) ([]githubapi.Tag, error) {
	return s.tags.do("", func() ([]githubapi.Tag, error) { return s.client.ListTags(ctx, s.owner, s.repo) })
}

// resolve resolves a tag, branch or rev of the source to its commit.
func (s *source) resolve(ctx context.Context, ref string) (*githubapi.Commit, error) {
	return s.commits.do(ref, func() (*githubapi.Commit, error) { return s.client.ResolveCommit(ctx, s.owner, s.repo, ref) })
}

// version resolves ref to a Version.
func (s *source) version(ctx context.Context, ref string) (Version, error) {
	c, err := s.resolve(ctx, ref)
	if err != nil {
		return Version{}, err
	}
	v := Version{Rev: c.SHA, Date: c.CommitterDate.UTC()}
	if !revPattern.MatchString(ref) {
		v.Ref = ref
	}
	return v, nil
}

// highest is the highest version tag, within major when major is not "".
func (s *source) highest(ctx context.Context, major string, pre bool) (string, error) {
	tags, err := s.listTags(ctx)
	if err != nil {
		return "", err
	}
	var in []githubapi.Tag
	for _, t := range tags {
		if major == "" || semver.Major(canonical(t.Name)) == major {
			in = append(in, t)
		}
	}
	best, ok := githubapi.HighestSemver(in, pre)
	if !ok {
		what := "no version tag"
		if major != "" {
			what = "no " + major + ".x version tag"
		}
		if !pre {
			what += " (pre-releases need --pre)"
		}
		return "", fmt.Errorf("%s has %s", s.name(), what)
	}
	return best.Name, nil
}

// tagOf returns the version tag that names rev, if the tags were listed.
func (s *source) tagOf(ctx context.Context, rev string) string {
	tags, err := s.listTags(ctx)
	if err != nil {
		return ""
	}
	var names []githubapi.Tag
	for _, t := range tags {
		if t.SHA == rev && isVersionTag(t.Name) {
			names = append(names, t)
		}
	}
	best, _ := githubapi.HighestSemver(names, true)
	return best.Name
}

// prefetch computes what Nix locks for rev: narHash from the tarball.
func (s *source) prefetch(ctx context.Context, rev string) (*githubapi.Source, error) {
	return s.prefetches.do(rev, func() (*githubapi.Source, error) {
		return s.client.Prefetch(ctx, s.owner, s.repo, rev, s.limits)
	})
}

// ownLock is the flake.lock of the source's flake in dir at rev, nil when
// the flake has none.
func (s *source) ownLock(ctx context.Context, rev, dir string) (*lockfile.LockFile, error) {
	p := path.Join(dir, "flake.lock")
	return s.locks.do(rev+":"+p, func() (*lockfile.LockFile, error) {
		f, err := s.client.GetFile(ctx, s.owner, s.repo, p, rev)
		if errors.Is(err, githubapi.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		l, err := lockfile.Read(f.Content)
		if err != nil {
			return nil, fmt.Errorf("%s %s at %s: %v", s.name(), p, rev[:7], err)
		}
		return l, nil
	})
}

// compare compares two revs of the source (base...head).
func (s *source) compare(ctx context.Context, base, head string) (*githubapi.Comparison, error) {
	return s.comparisons.do(base+"..."+head, func() (*githubapi.Comparison, error) {
		return s.client.Compare(ctx, s.owner, s.repo, base, head)
	})
}

// release is the published release of tag, nil when it has none.
func (s *source) release(ctx context.Context, tag string) (*githubapi.Release, error) {
	return s.releaseNotes.do(tag, func() (*githubapi.Release, error) {
		return s.client.ReleaseByTag(ctx, s.owner, s.repo, tag)
	})
}
