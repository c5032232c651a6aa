package githubapi

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
)

// Git modes for tree entries.
const (
	ModeFile       = "100644"
	ModeExecutable = "100755"
	ModeSymlink    = "120000"
)

// CreateBlob stores content and returns its blob SHA (git's own, so the
// caller can compare it with a file's SHA without asking).
func (c *Client) CreateBlob(ctx context.Context, owner, name string, content []byte) (string, error) {
	var b *github.Blob
	err := c.call(ctx, fmt.Sprintf("writing a blob to %s/%s", owner, name), func() (resp *github.Response, err error) {
		b, resp, err = c.gh.Git.CreateBlob(ctx, owner, name, &github.Blob{
			Content: github.String(base64.StdEncoding.EncodeToString(content)), Encoding: github.String("base64"),
		})
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return b.GetSHA(), nil
}

// TreeChange sets the file at Path (Mode default ModeFile) to Content, or
// to the existing blob BlobSHA; with neither it deletes the file. Content
// goes inline in the tree request: no blob request is needed.
type TreeChange struct {
	Path    string
	Mode    string
	Content []byte
	BlobSHA string
}

// BlobSHA is git's SHA-1 of content as a blob: what GitHub reports as a
// file's sha, so an unchanged file can be recognised without a request.
func BlobSHA(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// CreateTree writes base with changes applied (nested paths allowed) and
// returns the new tree's SHA.
func (c *Client) CreateTree(ctx context.Context, owner, name, base string, changes []TreeChange) (string, error) {
	entries := make([]*github.TreeEntry, len(changes))
	for i, ch := range changes {
		e := &github.TreeEntry{Path: github.String(ch.Path), Mode: github.String(ch.Mode), Type: github.String("blob")}
		if ch.Mode == "" {
			e.Mode = github.String(ModeFile)
		}
		switch {
		case ch.Content != nil:
			e.Content = github.String(string(ch.Content))
		case ch.BlobSHA != "":
			e.SHA = github.String(ch.BlobSHA)
		}
		entries[i] = e
	}
	var t *github.Tree
	err := c.call(ctx, fmt.Sprintf("writing a tree to %s/%s", owner, name), func() (resp *github.Response, err error) {
		t, resp, err = c.gh.Git.CreateTree(ctx, owner, name, base, entries)
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return t.GetSHA(), nil
}

// Author is a commit's author; a zero Author lets GitHub use the
// authenticated identity (an App's commits are then shown as verified).
type Author struct {
	Name, Email string
	Date        time.Time
}

// CreateCommit writes a commit of tree with parents and returns its SHA.
func (c *Client) CreateCommit(ctx context.Context, owner, name, message, tree string, parents []string, author Author) (string, error) {
	commit := &github.Commit{Message: github.String(message), Tree: &github.Tree{SHA: github.String(tree)}}
	for _, p := range parents {
		commit.Parents = append(commit.Parents, &github.Commit{SHA: github.String(p)})
	}
	if author.Name != "" {
		commit.Author = &github.CommitAuthor{Name: github.String(author.Name), Email: github.String(author.Email)}
		if !author.Date.IsZero() {
			commit.Author.Date = &github.Timestamp{Time: author.Date}
		}
	}
	var out *github.Commit
	err := c.call(ctx, fmt.Sprintf("writing a commit to %s/%s", owner, name), func() (resp *github.Response, err error) {
		out, resp, err = c.gh.Git.CreateCommit(ctx, owner, name, commit, nil)
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return out.GetSHA(), nil
}

// BranchHead returns the commit branch points at, or "" with no error when
// the branch does not exist.
func (c *Client) BranchHead(ctx context.Context, owner, name, branch string) (string, error) {
	var ref *github.Reference
	err := c.call(ctx, fmt.Sprintf("reading branch %s of %s/%s", branch, owner, name), func() (resp *github.Response, err error) {
		ref, resp, err = c.gh.Git.GetRef(ctx, owner, name, "heads/"+branch)
		return resp, err
	})
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return ref.GetObject().GetSHA(), nil
}

// CreateBranch makes branch point at sha; it fails with a
// *ValidationError if the branch exists.
func (c *Client) CreateBranch(ctx context.Context, owner, name, branch, sha string) error {
	return c.call(ctx, fmt.Sprintf("creating branch %s of %s/%s", branch, owner, name), func() (*github.Response, error) {
		_, resp, err := c.gh.Git.CreateRef(ctx, owner, name, &github.Reference{
			Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)},
		})
		return resp, err
	})
}

// UpdateBranch moves branch to sha. Without force GitHub refuses a move
// that is not a fast-forward (a *ValidationError "Update is not a fast
// forward"): that is how bump never overwrites someone else's commits.
func (c *Client) UpdateBranch(ctx context.Context, owner, name, branch, sha string, force bool) error {
	return c.call(ctx, fmt.Sprintf("moving branch %s of %s/%s", branch, owner, name), func() (*github.Response, error) {
		_, resp, err := c.gh.Git.UpdateRef(ctx, owner, name, &github.Reference{
			Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: github.String(sha)},
		}, force)
		return resp, err
	})
}

// Comparison is what GET /compare/BASE...HEAD says.
type Comparison struct {
	Status            string // ahead, behind, identical, diverged
	AheadBy, BehindBy int
	Commits           []Commit // base..head, oldest first
	HTMLURL           string
}

// Compare compares two refs of a repository.
func (c *Client) Compare(ctx context.Context, owner, name, base, head string) (*Comparison, error) {
	var cc *github.CommitsComparison
	err := c.call(ctx, fmt.Sprintf("comparing %s...%s in %s/%s", base, head, owner, name), func() (resp *github.Response, err error) {
		cc, resp, err = c.gh.Repositories.CompareCommits(ctx, owner, name, base, head, nil)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	out := &Comparison{Status: cc.GetStatus(), AheadBy: cc.GetAheadBy(), BehindBy: cc.GetBehindBy(), HTMLURL: cc.GetHTMLURL()}
	for _, rc := range cc.Commits {
		out.Commits = append(out.Commits, commitFrom(rc))
	}
	return out, nil
}
