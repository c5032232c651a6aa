package bump

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/system1/devbox/githubapi"
)

// apply writes a plan: the files as one commit on bump's branch (created,
// or moved forward), then the pull request. again asks the caller to plan
// anew: the default branch or bump's branch moved while it worked, or an
// earlier attempt's write took effect though its answer was lost.
func (b *bumper) apply(ctx context.Context, r githubapi.Repo, p *plan, res RepoResult, st *attempts) (out RepoResult, again bool, err error) {
	branch := b.opts.Branch
	res.Branch = branch
	// The default branch's head, read only when there is something to
	// write: the plan holds only if its tree is the one planned from.
	headCommit := func() (*githubapi.Commit, bool, error) {
		head, err := b.client.ResolveCommit(ctx, r.Owner, r.Name, r.DefaultBranch)
		if err != nil {
			return nil, false, err
		}
		if head.Tree != p.tree {
			return nil, true, fmt.Errorf("%s moved while bump read it; run again", r.DefaultBranch)
		}
		return head, false, nil
	}
	changes := make([]githubapi.TreeChange, len(p.files))
	for i, f := range p.files {
		changes[i] = githubapi.TreeChange{Path: f.path, Content: f.new}
	}
	message := b.commitMessage(p.changes)

	current, err := b.client.BranchHead(ctx, r.Owner, r.Name, branch)
	if err != nil {
		return res, false, err
	}
	switch {
	case current == "":
		head, again, err := headCommit()
		if err != nil {
			return res, again, err
		}
		commit, err := b.writeCommit(ctx, r, head, changes, message, []string{head.SHA})
		if err != nil {
			return res, false, err
		}
		if err := b.client.CreateBranch(ctx, r.Owner, r.Name, branch, commit); err != nil {
			var ve *githubapi.ValidationError
			if errors.As(err, &ve) && ve.Has("already exists") {
				// An earlier attempt made it (its answer was lost), or
				// another run did: look again.
				st.moved = true
				return res, true, err
			}
			return res, false, err
		}
		res.Commit, st.moved = commit, true
	default:
		cmp, err := b.client.Compare(ctx, r.Owner, r.Name, r.DefaultBranch, current)
		if err != nil {
			return res, false, err
		}
		for _, c := range cmp.Commits {
			if !strings.Contains(c.Message, "\n"+b.trailer()+"\n") && !strings.HasSuffix(c.Message, "\n"+b.trailer()) {
				res.Status = Skipped
				res.Reason = fmt.Sprintf("branch %s has a commit bump did not make (%s %q): leaving it alone; delete the branch to let bump recreate it",
					branch, c.SHA[:7], firstLine(c.Message))
				return res, false, nil
			}
		}
		same, err := b.branchHas(ctx, r, current, cmp, p)
		if err != nil {
			return res, false, err
		}
		if same {
			res.Commit = current
			break
		}
		// Move the branch forward only: its old head stays its parent
		// (and the default branch's head a second one when the branch is
		// behind), so GitHub refuses the update if anyone pushed since.
		head, again, err := headCommit()
		if err != nil {
			return res, again, err
		}
		parents := []string{current}
		if cmp.BehindBy > 0 {
			parents = append(parents, head.SHA)
		}
		commit, err := b.writeCommit(ctx, r, head, changes, message, parents)
		if err != nil {
			return res, false, err
		}
		if err := b.client.UpdateBranch(ctx, r.Owner, r.Name, branch, commit, false); err != nil {
			var ve *githubapi.ValidationError
			if errors.As(err, &ve) && ve.Has("fast forward") {
				return res, true, fmt.Errorf("branch %s moved while bump wrote to it; run again", branch)
			}
			return res, false, err
		}
		res.Commit, st.moved = commit, true
	}
	return b.pull(ctx, r, p, res, st)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (b *bumper) writeCommit(ctx context.Context, r githubapi.Repo, head *githubapi.Commit, changes []githubapi.TreeChange, message string, parents []string) (string, error) {
	tree, err := b.client.CreateTree(ctx, r.Owner, r.Name, head.Tree, changes)
	if err != nil {
		return "", err
	}
	return b.client.CreateCommit(ctx, r.Owner, r.Name, message, tree, parents, githubapi.Author{})
}

// branchHas reports whether bump's branch already holds the plan: a
// commit of bump's with every planned file as planned. The default branch
// may have moved on meanwhile: merging the pull request still gives those
// files exactly (they were planned from its current head), so the branch
// is not touched just for that.
func (b *bumper) branchHas(ctx context.Context, r githubapi.Repo, current string, cmp *githubapi.Comparison, p *plan) (bool, error) {
	if cmp.AheadBy == 0 {
		return false, nil
	}
	tree, err := b.client.GetTree(ctx, r.Owner, r.Name, current)
	if err != nil {
		return false, err
	}
	have := map[string]string{}
	for _, f := range tree.Files {
		have[f.Path] = f.SHA
	}
	for _, f := range p.files {
		if have[f.path] != githubapi.BlobSHA(f.new) {
			return false, nil
		}
	}
	return true, nil
}

// attempts is what earlier attempts at a repository did, though their
// answers may have been lost: the report says what this run did.
type attempts struct {
	moved  bool // the branch was created or moved
	opened bool // the pull request was opened
}

// pull opens the pull request from bump's branch, or brings the open one
// up to date.
func (b *bumper) pull(ctx context.Context, r githubapi.Repo, p *plan, res RepoResult, st *attempts) (RepoResult, bool, error) {
	title := b.title(p.changes)
	body := b.pullBody(p.changes, b.notes(ctx, p.changes))
	existing, err := b.client.FindOpenPull(ctx, r.Owner, r.Name, b.opts.Branch, r.DefaultBranch)
	if err != nil {
		return res, false, err
	}
	if existing == nil {
		pr, err := b.client.CreatePull(ctx, r.Owner, r.Name, githubapi.NewPull{
			Title: title, Body: body, Head: b.opts.Branch, Base: r.DefaultBranch, Draft: b.opts.Draft,
			Labels: b.opts.Labels, Reviewers: b.opts.Reviewers, Assignees: b.opts.Assignees,
		})
		var ve *githubapi.ValidationError
		switch {
		case errors.As(err, &ve) && ve.Has("already exists"):
			// Opened by an attempt whose answer was lost: find it.
			st.opened = true
			return res, true, err
		case err != nil && pr != nil:
			// Opened, but a label, reviewer or assignee was refused.
			res.Pull = &PullRef{Number: pr.Number, URL: pr.HTMLURL}
			return res, false, err
		case err != nil:
			return res, false, err
		}
		res.Status, res.Pull = PROpened, &PullRef{Number: pr.Number, URL: pr.HTMLURL}
		return res, false, nil
	}
	res.Pull = &PullRef{Number: existing.Number, URL: existing.HTMLURL}
	if existing.Title == title && existing.Body == body {
		switch {
		case st.opened:
			res.Status = PROpened
		case st.moved:
			res.Status = PRUpdated
		default:
			res.Status, res.Reason = UpToDate, fmt.Sprintf("pull request #%d already proposes it", existing.Number)
		}
		return res, false, nil
	}
	if _, err := b.client.UpdatePull(ctx, r.Owner, r.Name, existing.Number, title, body); err != nil {
		return res, false, err
	}
	res.Status = PRUpdated
	return res, false, nil
}

// notes gathers, once per pair of versions, what changed in the source.
func (b *bumper) notes(ctx context.Context, changes []change) map[string]*notes {
	out := map[string]*notes{}
	for _, c := range changes {
		key := c.from.Rev + "..." + c.to.Rev
		if out[key] != nil || c.from.Rev == "" {
			continue
		}
		n := &notes{}
		if cmp, err := b.source.compare(ctx, c.from.Rev, c.to.Rev); err == nil {
			n.compareURL = cmp.HTMLURL
			for i := len(cmp.Commits) - 1; i >= 0; i-- {
				if len(n.subjects) == maxSubjects {
					n.more = i + 1
					break
				}
				n.subjects = append(n.subjects, firstLine(cmp.Commits[i].Message))
			}
		}
		if c.to.Ref != "" && isVersionTag(c.to.Ref) {
			if rel, err := b.source.release(ctx, c.to.Ref); err == nil && rel != nil {
				n.release = rel.Body
			}
		}
		out[key] = n
	}
	return out
}
