package githubtest

import (
	"fmt"
	"strings"
	"time"
)

// Repo is a repository of the fake, backed by a bare git repository.
type Repo struct {
	s             *Server
	id            int
	owner, name   string
	defaultBranch string
	private       bool
	archived      bool
	fork          bool
	topics        []string
	created       time.Time
	git           *gitRepo
	pulls         []*pull
	releases      []*release
}

// RepoOptions describe a new repository.
type RepoOptions struct {
	DefaultBranch string // default "main"
	Private       bool
	Archived      bool
	Fork          bool
	Topics        []string
}

// CreateRepo adds an empty repository owner/name (the owner is an
// organisation: its repositories are listed by /orgs/OWNER/repos).
func (s *Server) CreateRepo(owner, name string, opts RepoOptions) *Repo {
	s.t.Helper()
	key := strings.ToLower(owner + "/" + name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.repos[key]; ok {
		s.t.Fatalf("githubtest: repository %s/%s already exists", owner, name)
	}
	if opts.DefaultBranch == "" {
		opts.DefaultBranch = "main"
	}
	// HEAD names the default branch, so "HEAD" resolves as on GitHub.
	g := newGitRepo(s.store, opts.DefaultBranch)
	r := &Repo{
		s: s, id: 1000 + len(s.order), owner: owner, name: name,
		defaultBranch: opts.DefaultBranch, private: opts.Private, archived: opts.Archived, fork: opts.Fork,
		topics: append([]string{}, opts.Topics...), created: time.Now().UTC(), git: g,
	}
	s.repos[key] = r
	s.order = append(s.order, r)
	return r
}

// Repo returns the repository owner/name, or nil.
func (s *Server) Repo(owner, name string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[strings.ToLower(owner+"/"+name)]
}

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.owner + "/" + r.name }

// DefaultBranch is the repository's default branch.
func (r *Repo) DefaultBranch() string { return r.defaultBranch }

// Commit makes a commit on branch whose tree is exactly files, with the
// branch's current head (if any) as parent, and moves the branch to it. The
// author and committer are a fixed test identity with date when. It
// returns the commit's SHA.
func (r *Repo) Commit(branch string, files Files, message string, when time.Time) string {
	r.s.t.Helper()
	tree, err := r.git.writeTree(files)
	if err != nil {
		r.s.t.Fatalf("githubtest: %v", err)
	}
	var parents []string
	if head, ok := r.git.refSHA("refs/heads/" + branch); ok {
		parents = []string{head}
	}
	sig := Signature{Name: "Test Author", Email: "author@example.com", Date: when}
	sha, err := r.git.commitTree(tree, parents, message, sig, sig)
	if err == nil {
		err = r.git.add(sha)
	}
	if err != nil {
		r.s.t.Fatalf("githubtest: %v", err)
	}
	if err := r.git.updateRef("refs/heads/"+branch, sha); err != nil {
		r.s.t.Fatalf("githubtest: %v", err)
	}
	return sha
}

// Tag makes a lightweight tag name at rev.
func (r *Repo) Tag(name, rev string) {
	r.s.t.Helper()
	if err := r.git.updateRef("refs/tags/"+name, rev); err != nil {
		r.s.t.Fatalf("githubtest: %v", err)
	}
}

// Head returns the commit branch points at, or "".
func (r *Repo) Head(branch string) string {
	sha, _ := r.git.refSHA("refs/heads/" + branch)
	return sha
}

// Archive returns the tarball GitHub serves for rev (a commit SHA): what
// GET /repos/O/R/tarball/REV redirects to.
func (r *Repo) Archive(rev string) ([]byte, error) {
	var b strings.Builder
	if err := r.git.archive(&b, rev, r.tarballPrefix(rev)); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// tarballPrefix is the top-level directory of the API's tarball:
// OWNER-REPO-SHA7 (e.g. VoltLang-Volta-76aff47).
func (r *Repo) tarballPrefix(sha string) string {
	return fmt.Sprintf("%s-%s-%s", r.owner, r.name, sha[:7])
}

type release struct {
	id        int
	tag, name string
	body      string
	draft     bool
	pre       bool
	created   time.Time
}

// Release publishes a release for tag with notes body.
func (r *Repo) Release(tag, name, body string, prerelease bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.releases = append(r.releases, &release{id: 9000 + len(r.releases), tag: tag, name: name, body: body, pre: prerelease, created: time.Now().UTC().Truncate(time.Second)})
}
