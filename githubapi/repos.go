package githubapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/mod/semver"
)

// Repo is what bump needs to know of a repository.
type Repo struct {
	Owner, Name   string
	DefaultBranch string
	Private       bool
	Archived      bool
	Fork          bool
	Topics        []string
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

func repoFrom(r *github.Repository) Repo {
	return Repo{
		Owner: r.GetOwner().GetLogin(), Name: r.GetName(), DefaultBranch: r.GetDefaultBranch(),
		Private: r.GetPrivate(), Archived: r.GetArchived(), Fork: r.GetFork(), Topics: r.Topics,
	}
}

// ListOrgRepos lists every repository of org, following pagination.
func (c *Client) ListOrgRepos(ctx context.Context, org string) ([]Repo, error) {
	opts := &github.RepositoryListByOrgOptions{Type: "all", Sort: "full_name", ListOptions: github.ListOptions{PerPage: 100}}
	var repos []Repo
	for {
		var page []*github.Repository
		var resp *github.Response
		err := c.call(ctx, "listing the repositories of "+org, func() (r *github.Response, err error) {
			page, resp, err = c.gh.Repositories.ListByOrg(ctx, org, opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			repos = append(repos, repoFrom(r))
		}
		if resp.NextPage == 0 {
			return repos, nil
		}
		opts.Page = resp.NextPage
	}
}

// GetRepo reads one repository (its default branch, flags and topics).
func (c *Client) GetRepo(ctx context.Context, owner, name string) (Repo, error) {
	var r *github.Repository
	err := c.call(ctx, "reading "+owner+"/"+name, func() (resp *github.Response, err error) {
		r, resp, err = c.gh.Repositories.Get(ctx, owner, name)
		return resp, err
	})
	if err != nil {
		return Repo{}, err
	}
	return repoFrom(r), nil
}

// File is a file's contents at a ref, with its blob SHA.
type File struct {
	Path    string
	SHA     string
	Content []byte
}

// GetFile reads the file at path at ref ("" for the default branch). A
// missing file is an error wrapping ErrNotFound.
func (c *Client) GetFile(ctx context.Context, owner, name, filePath, ref string) (*File, error) {
	var fc *github.RepositoryContent
	err := c.call(ctx, fmt.Sprintf("reading %s/%s %s", owner, name, filePath), func() (resp *github.Response, err error) {
		fc, _, resp, err = c.gh.Repositories.GetContents(ctx, owner, name, filePath, &github.RepositoryContentGetOptions{Ref: ref})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	if fc == nil || fc.GetType() != "file" {
		return nil, fmt.Errorf("reading %s/%s %s: not a file (%s)", owner, name, filePath, fc.GetType())
	}
	content, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s %s: %v", owner, name, filePath, err)
	}
	return &File{Path: fc.GetPath(), SHA: fc.GetSHA(), Content: []byte(content)}, nil
}

// TreeFile is a file in a tree listing, with its blob SHA.
type TreeFile struct {
	Path string
	SHA  string
	Mode string
}

// RepoTree is every file of a commit's tree, from one request.
type RepoTree struct {
	SHA   string // the tree's own SHA
	Files []TreeFile
}

// GetTree lists every file of the tree of ref (a branch, tag or SHA), with
// blob SHAs, in one request: the flakes of a monorepo, and whether a file
// changed since it was last read.
func (c *Client) GetTree(ctx context.Context, owner, name, ref string) (*RepoTree, error) {
	var tree *github.Tree
	what := fmt.Sprintf("listing the files of %s/%s at %s", owner, name, ref)
	err := c.call(ctx, what, func() (resp *github.Response, err error) {
		tree, resp, err = c.gh.Git.GetTree(ctx, owner, name, ref, true)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	if tree.GetTruncated() {
		return nil, fmt.Errorf("%s: the tree is too large for one request (GitHub truncated it)", what)
	}
	out := &RepoTree{SHA: tree.GetSHA()}
	for _, e := range tree.Entries {
		if e.GetType() == "blob" {
			out.Files = append(out.Files, TreeFile{Path: e.GetPath(), SHA: e.GetSHA(), Mode: e.GetMode()})
		}
	}
	sort.Slice(out.Files, func(i, j int) bool { return out.Files[i].Path < out.Files[j].Path })
	return out, nil
}

// FindFiles returns the paths of every file named base (e.g. "flake.nix")
// in the tree of ref, sorted: the flakes of a monorepo, in one request.
func (c *Client) FindFiles(ctx context.Context, owner, name, ref, base string) ([]string, error) {
	tree, err := c.GetTree(ctx, owner, name, ref)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range tree.Files {
		if path.Base(f.Path) == base {
			paths = append(paths, f.Path)
		}
	}
	return paths, nil
}

// GetBlob reads a blob by its SHA (from a tree listing): a file's content
// in one request, with no ref to resolve.
func (c *Client) GetBlob(ctx context.Context, owner, name, sha string) ([]byte, error) {
	var content []byte
	what := fmt.Sprintf("reading blob %s of %s/%s", sha, owner, name)
	err := c.call(ctx, what, func() (resp *github.Response, err error) {
		content, resp, err = c.gh.Git.GetBlobRaw(ctx, owner, name, sha)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	if BlobSHA(content) != sha {
		return nil, fmt.Errorf("%s: the content GitHub sent does not hash to %s", what, sha)
	}
	return content, nil
}

// Commit is a resolved commit.
type Commit struct {
	SHA           string
	Tree          string
	CommitterDate time.Time
	Message       string
	// Author and Committer as git records them: bump tells its own commits
	// on a branch from anyone else's by these.
	Author, Committer Author
	Parents           []string
}

func commitFrom(rc *github.RepositoryCommit) Commit {
	c := rc.GetCommit()
	out := Commit{
		SHA: rc.GetSHA(), Tree: c.GetTree().GetSHA(), CommitterDate: c.GetCommitter().GetDate().Time, Message: c.GetMessage(),
		Author:    Author{Name: c.GetAuthor().GetName(), Email: c.GetAuthor().GetEmail(), Date: c.GetAuthor().GetDate().Time},
		Committer: Author{Name: c.GetCommitter().GetName(), Email: c.GetCommitter().GetEmail(), Date: c.GetCommitter().GetDate().Time},
	}
	for _, p := range rc.Parents {
		out.Parents = append(out.Parents, p.GetSHA())
	}
	return out
}

// ResolveCommit resolves ref (a branch, tag, SHA or "HEAD") to its commit,
// as Nix does for a github: input: GET /repos/O/R/commits/REF.
func (c *Client) ResolveCommit(ctx context.Context, owner, name, ref string) (*Commit, error) {
	var rc *github.RepositoryCommit
	err := c.call(ctx, fmt.Sprintf("resolving %s/%s %s", owner, name, ref), func() (resp *github.Response, err error) {
		rc, resp, err = c.gh.Repositories.GetCommit(ctx, owner, name, ref, nil)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	commit := commitFrom(rc)
	return &commit, nil
}

// Tag is a tag and the commit it names.
type Tag struct {
	Name string
	SHA  string
}

// ListTags lists every tag of the repository, following pagination.
func (c *Client) ListTags(ctx context.Context, owner, name string) ([]Tag, error) {
	opts := &github.ListOptions{PerPage: 100}
	var tags []Tag
	for {
		var page []*github.RepositoryTag
		var resp *github.Response
		err := c.call(ctx, fmt.Sprintf("listing the tags of %s/%s", owner, name), func() (r *github.Response, err error) {
			page, resp, err = c.gh.Repositories.ListTags(ctx, owner, name, opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			tags = append(tags, Tag{Name: t.GetName(), SHA: t.GetCommit().GetSHA()})
		}
		if resp.NextPage == 0 {
			return tags, nil
		}
		opts.Page = resp.NextPage
	}
}

// HighestSemver returns the tag with the highest semantic version
// (golang.org/x/mod/semver; "1.2.3" counts as "v1.2.3"), ignoring
// pre-releases unless pre, and tags that are not versions.
func HighestSemver(tags []Tag, pre bool) (Tag, bool) {
	var best Tag
	bestV := ""
	for _, t := range tags {
		v := t.Name
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		if !semver.IsValid(v) || (!pre && semver.Prerelease(v) != "") {
			continue
		}
		if bestV == "" || semver.Compare(v, bestV) > 0 {
			best, bestV = t, v
		}
	}
	return best, bestV != ""
}

// Tarball streams the repository's tarball at rev, as GitHub serves it
// (GET /repos/O/R/tarball/REV, following the redirect to codeload): one
// top-level directory OWNER-REPO-SHA7, entries stamped with the committer
// date. The caller closes it.
func (c *Client) Tarball(ctx context.Context, owner, name, rev string) (io.ReadCloser, error) {
	what := fmt.Sprintf("downloading the tarball of %s/%s at %s", owner, name, rev)
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/tarball/%s", owner, name, rev), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, describe(what, err)
	}
	if err := github.CheckResponse(resp); err != nil {
		resp.Body.Close()
		return nil, describe(what, err)
	}
	return resp.Body, nil
}

// Release is a published release.
type Release struct {
	Tag, Name, Body string
	HTMLURL         string
}

// ReleaseByTag returns the published release of tag, or nil with no error
// when the tag has none (its notes then come from the commit subjects).
func (c *Client) ReleaseByTag(ctx context.Context, owner, name, tag string) (*Release, error) {
	var rel *github.RepositoryRelease
	err := c.call(ctx, fmt.Sprintf("reading the release %s of %s/%s", tag, owner, name), func() (resp *github.Response, err error) {
		rel, resp, err = c.gh.Repositories.GetReleaseByTag(ctx, owner, name, tag)
		return resp, err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Release{Tag: rel.GetTagName(), Name: rel.GetName(), Body: rel.GetBody(), HTMLURL: rel.GetHTMLURL()}, nil
}
