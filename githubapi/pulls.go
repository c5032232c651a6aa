package githubapi

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Pull is a pull request.
type Pull struct {
	Number  int
	Title   string
	Body    string
	Head    string // branch
	HeadSHA string
	Base    string
	Draft   bool
	HTMLURL string
}

func pullFrom(p *github.PullRequest) *Pull {
	return &Pull{
		Number: p.GetNumber(), Title: p.GetTitle(), Body: p.GetBody(), Head: p.GetHead().GetRef(),
		HeadSHA: p.GetHead().GetSHA(), Base: p.GetBase().GetRef(), Draft: p.GetDraft(), HTMLURL: p.GetHTMLURL(),
	}
}

// FindOpenPull returns the open pull request from branch (of the
// repository itself) into base, or nil.
func (c *Client) FindOpenPull(ctx context.Context, owner, name, branch, base string) (*Pull, error) {
	var pulls []*github.PullRequest
	err := c.call(ctx, fmt.Sprintf("looking for an open pull request from %s in %s/%s", branch, owner, name), func() (resp *github.Response, err error) {
		pulls, resp, err = c.gh.PullRequests.List(ctx, owner, name, &github.PullRequestListOptions{
			State: "open", Head: owner + ":" + branch, Base: base,
		})
		return resp, err
	})
	if err != nil || len(pulls) == 0 {
		return nil, err
	}
	return pullFrom(pulls[0]), nil
}

// NewPull describes a pull request to open.
type NewPull struct {
	Title, Body string
	Head, Base  string
	Draft       bool
	Labels      []string
	Reviewers   []string
	Assignees   []string
}

// CreatePull opens a pull request, then adds its labels, reviewers and
// assignees.
func (c *Client) CreatePull(ctx context.Context, owner, name string, np NewPull) (*Pull, error) {
	var p *github.PullRequest
	err := c.call(ctx, fmt.Sprintf("opening a pull request from %s in %s/%s", np.Head, owner, name), func() (resp *github.Response, err error) {
		p, resp, err = c.gh.PullRequests.Create(ctx, owner, name, &github.NewPullRequest{
			Title: github.String(np.Title), Body: github.String(np.Body), Head: github.String(np.Head),
			Base: github.String(np.Base), Draft: github.Bool(np.Draft), MaintainerCanModify: github.Bool(true),
		})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	pull := pullFrom(p)
	return pull, c.decoratePull(ctx, owner, name, pull.Number, np)
}

func (c *Client) decoratePull(ctx context.Context, owner, name string, number int, np NewPull) error {
	where := fmt.Sprintf("pull request %s/%s#%d", owner, name, number)
	if len(np.Labels) > 0 {
		if err := c.call(ctx, "labelling "+where, func() (*github.Response, error) {
			_, resp, err := c.gh.Issues.AddLabelsToIssue(ctx, owner, name, number, np.Labels)
			return resp, err
		}); err != nil {
			return err
		}
	}
	if len(np.Reviewers) > 0 {
		if err := c.call(ctx, "requesting reviewers for "+where, func() (*github.Response, error) {
			_, resp, err := c.gh.PullRequests.RequestReviewers(ctx, owner, name, number, github.ReviewersRequest{Reviewers: np.Reviewers})
			return resp, err
		}); err != nil {
			return err
		}
	}
	if len(np.Assignees) > 0 {
		if err := c.call(ctx, "assigning "+where, func() (*github.Response, error) {
			_, resp, err := c.gh.Issues.AddAssignees(ctx, owner, name, number, np.Assignees)
			return resp, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// UpdatePull sets an open pull request's title and body.
func (c *Client) UpdatePull(ctx context.Context, owner, name string, number int, title, body string) (*Pull, error) {
	var p *github.PullRequest
	err := c.call(ctx, fmt.Sprintf("updating pull request %s/%s#%d", owner, name, number), func() (resp *github.Response, err error) {
		p, resp, err = c.gh.PullRequests.Edit(ctx, owner, name, number, &github.PullRequest{Title: github.String(title), Body: github.String(body)})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return pullFrom(p), nil
}
