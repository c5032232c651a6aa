package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

type pull struct {
	id, number          int
	title, body         string
	head, base          string // branch names
	state               string // open, closed
	draft               bool
	labels              []string
	assignees           []string
	reviewers           []string
	created, updated    time.Time
	maintainerCanModify bool
}

// Pull is a pull request as a test sees it.
type Pull struct {
	Number              int
	Title, Body         string
	Head, Base          string
	State               string
	Draft               bool
	Labels, Assignees   []string
	RequestedReviewers  []string
	MaintainerCanModify bool
}

// Pulls returns the repository's pull requests, in creation order.
func (r *Repo) Pulls() []Pull {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []Pull
	for _, p := range r.pulls {
		out = append(out, Pull{
			Number: p.number, Title: p.title, Body: p.body, Head: p.head, Base: p.base, State: p.state, Draft: p.draft,
			Labels: slices.Clone(p.labels), Assignees: slices.Clone(p.assignees), RequestedReviewers: slices.Clone(p.reviewers),
			MaintainerCanModify: p.maintainerCanModify,
		})
	}
	return out
}

func (s *Server) pullJSON(repo *Repo, p *pull) map[string]any {
	full := repo.FullName()
	users := func(names []string) []any {
		out := []any{}
		for _, n := range names {
			out = append(out, map[string]any{"login": n, "type": "User"})
		}
		return out
	}
	labels := []any{}
	for _, l := range p.labels {
		labels = append(labels, map[string]any{"name": l})
	}
	headSHA, _ := repo.git.refSHA("refs/heads/" + p.head)
	baseSHA, _ := repo.git.refSHA("refs/heads/" + p.base)
	return map[string]any{
		"id": p.id, "node_id": fmt.Sprintf("PR_%d", p.id), "number": p.number, "state": p.state, "title": p.title, "body": p.body,
		"draft": p.draft, "locked": false, "maintainer_can_modify": p.maintainerCanModify,
		"url":      s.repoURL(full) + fmt.Sprintf("/pulls/%d", p.number),
		"html_url": s.webURL + "/" + full + fmt.Sprintf("/pull/%d", p.number),
		"user":     map[string]any{"login": "githubtest", "type": "Bot"},
		"head":     map[string]any{"ref": p.head, "sha": headSHA, "label": repo.owner + ":" + p.head, "repo": s.repoJSON(repo)},
		"base":     map[string]any{"ref": p.base, "sha": baseSHA, "label": repo.owner + ":" + p.base, "repo": s.repoJSON(repo)},
		"labels":   labels, "assignees": users(p.assignees), "requested_reviewers": users(p.reviewers), "requested_teams": []any{},
		"created_at": p.created.Format(time.RFC3339), "updated_at": p.updated.Format(time.RFC3339),
	}
}

// listPulls is GET /pulls?state=&head=OWNER:BRANCH&base=.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, repo *Repo) {
	q := r.URL.Query()
	state := q.Get("state")
	switch state {
	case "":
		state = "open"
	case "open", "closed", "all":
	default:
		s.malformed(w, r, http.StatusUnprocessableEntity, "state must be open, closed or all")
		return
	}
	var headOwner, headBranch string
	if h := q.Get("head"); h != "" {
		var ok bool
		if headOwner, headBranch, ok = strings.Cut(h, ":"); !ok {
			// GitHub silently ignores a head without "user:"; a client
			// sending one has a bug that would list every PR.
			s.malformed(w, r, http.StatusUnprocessableEntity, "head must be OWNER:BRANCH, got %q", h)
			return
		}
	}
	items := []any{}
	for i := len(repo.pulls) - 1; i >= 0; i-- { // newest first
		p := repo.pulls[i]
		if (state != "all" && p.state != state) ||
			(headBranch != "" && (!strings.EqualFold(headOwner, repo.owner) || p.head != headBranch)) ||
			(q.Get("base") != "" && p.base != q.Get("base")) {
			continue
		}
		items = append(items, s.pullJSON(repo, p))
	}
	s.paginate(w, r, items)
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var body struct {
		Title               *string `json:"title"`
		Head                string  `json:"head"`
		Base                string  `json:"base"`
		Body                string  `json:"body"`
		Draft               bool    `json:"draft"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if body.Title == nil || body.Head == "" || body.Base == "" {
		s.malformed(w, r, http.StatusUnprocessableEntity, "title, head and base are required")
		return
	}
	doc := docs + "/pulls/pulls#create-a-pull-request"
	head := body.Head
	if owner, branch, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(owner, repo.owner) {
			validationError(w, doc, map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
			return
		}
		head = branch
	}
	headSHA, ok := repo.git.refSHA("refs/heads/" + head)
	if !ok {
		validationError(w, doc, map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
		return
	}
	baseSHA, ok := repo.git.refSHA("refs/heads/" + body.Base)
	if !ok {
		validationError(w, doc, map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
		return
	}
	for _, p := range repo.pulls {
		if p.state == "open" && p.head == head && p.base == body.Base {
			validationError(w, doc, map[string]any{"resource": "PullRequest", "code": "custom",
				"message": fmt.Sprintf("A pull request already exists for %s:%s.", repo.owner, head)})
			return
		}
	}
	if repo.git.isAncestor(headSHA, baseSHA) {
		validationError(w, doc, map[string]any{"resource": "PullRequest", "code": "custom",
			"message": fmt.Sprintf("No commits between %s and %s", body.Base, head)})
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	p := &pull{
		id: 5000 + s.nextPullID, number: len(repo.pulls) + 1, title: *body.Title, body: body.Body, head: head, base: body.Base,
		state: "open", draft: body.Draft, created: now, updated: now, maintainerCanModify: body.MaintainerCanModify == nil || *body.MaintainerCanModify,
	}
	s.nextPullID++
	repo.pulls = append(repo.pulls, p)
	writeJSON(w, http.StatusCreated, s.pullJSON(repo, p))
}

func (s *Server) findPull(w http.ResponseWriter, r *http.Request, repo *Repo) *pull {
	n, ok := atoiPath(r, "number")
	if !ok || n > len(repo.pulls) {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/pulls/pulls")
		return nil
	}
	return repo.pulls[n-1]
}

func (s *Server) updatePull(w http.ResponseWriter, r *http.Request, repo *Repo) {
	p := s.findPull(w, r, repo)
	if p == nil {
		return
	}
	var body struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if body.State != nil && *body.State != "open" && *body.State != "closed" {
		s.malformed(w, r, http.StatusUnprocessableEntity, "state must be open or closed")
		return
	}
	if body.Base != nil {
		if _, ok := repo.git.refSHA("refs/heads/" + *body.Base); !ok {
			validationError(w, docs+"/pulls/pulls#update-a-pull-request", map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
			return
		}
		p.base = *body.Base
	}
	if body.Title != nil {
		p.title = *body.Title
	}
	if body.Body != nil {
		p.body = *body.Body
	}
	if body.State != nil {
		p.state = *body.State
	}
	p.updated = time.Now().UTC().Truncate(time.Second)
	writeJSON(w, http.StatusOK, s.pullJSON(repo, p))
}

func addUnique(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

func (s *Server) requestReviewers(w http.ResponseWriter, r *http.Request, repo *Repo) {
	p := s.findPull(w, r, repo)
	if p == nil {
		return
	}
	var body struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if len(body.Reviewers) == 0 && len(body.TeamReviewers) == 0 {
		s.malformed(w, r, http.StatusUnprocessableEntity, "reviewers or team_reviewers is required")
		return
	}
	p.reviewers = addUnique(p.reviewers, body.Reviewers...)
	writeJSON(w, http.StatusCreated, s.pullJSON(repo, p))
}

func (s *Server) addLabels(w http.ResponseWriter, r *http.Request, repo *Repo) {
	p := s.findPull(w, r, repo)
	if p == nil {
		return
	}
	// The documented body is {"labels": [...]}, or the array alone; each
	// label a name or {"name": ...}.
	var raw json.RawMessage
	if !s.decodeBody(w, r, &raw) {
		return
	}
	var body struct {
		Labels []json.RawMessage `json:"labels"`
	}
	if err := json.Unmarshal(raw, &body.Labels); err != nil {
		if err := json.Unmarshal(raw, &body); err != nil {
			s.malformed(w, r, http.StatusUnprocessableEntity, "labels must be an array or {\"labels\": [...]}")
			return
		}
	}
	var names []string
	for _, l := range body.Labels {
		var name string
		var obj struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(l, &name) != nil {
			if json.Unmarshal(l, &obj) != nil || obj.Name == "" {
				s.malformed(w, r, http.StatusUnprocessableEntity, "a label must be a name or {\"name\": ...}")
				return
			}
			name = obj.Name
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		s.malformed(w, r, http.StatusUnprocessableEntity, "labels is required")
		return
	}
	p.labels = addUnique(p.labels, names...)
	labels := []any{}
	for _, l := range p.labels {
		labels = append(labels, map[string]any{"name": l})
	}
	writeJSON(w, http.StatusOK, labels)
}

func (s *Server) addAssignees(w http.ResponseWriter, r *http.Request, repo *Repo) {
	p := s.findPull(w, r, repo)
	if p == nil {
		return
	}
	var body struct {
		Assignees []string `json:"assignees"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	p.assignees = addUnique(p.assignees, body.Assignees...)
	writeJSON(w, http.StatusCreated, s.pullJSON(repo, p))
}
