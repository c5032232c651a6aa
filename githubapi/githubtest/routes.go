package githubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

const docs = "https://docs.github.com/rest"

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /orgs/{org}/repos", s.listOrgRepos)
	m.HandleFunc("POST /app/installations/{id}/access_tokens", s.createInstallationToken)
	m.HandleFunc("GET /repos/{owner}/{repo}", s.repoHandler(s.getRepo))
	m.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref...}", s.repoHandler(s.getCommit))
	m.HandleFunc("GET /repos/{owner}/{repo}/tarball/{ref...}", s.repoHandler(s.getTarball))
	m.HandleFunc("GET /repos/{owner}/{repo}/tarball", s.repoHandler(s.getTarball))
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.repoHandler(s.getContents))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/trees/{sha}", s.repoHandler(s.getTree))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/commits/{sha}", s.repoHandler(s.getGitCommit))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/blobs/{sha}", s.repoHandler(s.getBlob))
	m.HandleFunc("GET /repos/{owner}/{repo}/git/ref/{ref...}", s.repoHandler(s.getRef))
	m.HandleFunc("GET /repos/{owner}/{repo}/tags", s.repoHandler(s.listTags))
	m.HandleFunc("GET /repos/{owner}/{repo}/compare/{basehead...}", s.repoHandler(s.compare))
	m.HandleFunc("GET /repos/{owner}/{repo}/releases/tags/{tag...}", s.repoHandler(s.getReleaseByTag))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/blobs", s.repoHandler(s.createBlob))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/trees", s.repoHandler(s.createTree))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/commits", s.repoHandler(s.createCommit))
	m.HandleFunc("POST /repos/{owner}/{repo}/git/refs", s.repoHandler(s.createRef))
	m.HandleFunc("PATCH /repos/{owner}/{repo}/git/refs/{ref...}", s.repoHandler(s.updateRef))
	m.HandleFunc("DELETE /repos/{owner}/{repo}/git/refs/{ref...}", s.repoHandler(s.deleteRef))
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.repoHandler(s.listPulls))
	m.HandleFunc("POST /repos/{owner}/{repo}/pulls", s.repoHandler(s.createPull))
	m.HandleFunc("PATCH /repos/{owner}/{repo}/pulls/{number}", s.repoHandler(s.updatePull))
	m.HandleFunc("POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers", s.repoHandler(s.requestReviewers))
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/labels", s.repoHandler(s.addLabels))
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/assignees", s.repoHandler(s.addAssignees))

	// codeload.github.com serves the archives the API redirects to; without
	// Hosts the same handlers answer under /_codeload and /_web.
	for _, prefix := range []string{"codeload.github.com", "/_codeload"} {
		p := strings.TrimPrefix(prefix, "/_codeload")
		if p != "" {
			p += "/"
		} else {
			p = "/_codeload/"
		}
		m.HandleFunc("GET "+p+"{owner}/{repo}/legacy.tar.gz/{ref...}", s.codeload(true))
		m.HandleFunc("GET "+p+"{owner}/{repo}/tar.gz/{ref...}", s.codeload(false))
	}
	m.HandleFunc("GET github.com/{owner}/{repo}/archive/{ref...}", s.webArchive)
	m.HandleFunc("GET /_web/{owner}/{repo}/archive/{ref...}", s.webArchive)
}

// repoHandler looks the repository up, answering 404 as GitHub does for a
// missing repository and for a private one the caller cannot see.
func (s *Server) repoHandler(h func(http.ResponseWriter, *http.Request, *Repo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		repo := s.Repo(r.PathValue("owner"), r.PathValue("repo"))
		if repo == nil || (repo.private && !s.authenticated(r)) {
			writeError(w, http.StatusNotFound, "Not Found", docs+"/repos/repos#get-a-repository")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r, repo)
	}
}

func (s *Server) repoJSON(r *Repo) map[string]any {
	full := r.FullName()
	visibility := "public"
	if r.private {
		visibility = "private"
	}
	return map[string]any{
		"id": r.id, "node_id": fmt.Sprintf("R_%d", r.id), "name": r.name, "full_name": full,
		"owner":   map[string]any{"login": r.owner, "id": 1, "type": "Organization"},
		"private": r.private, "visibility": visibility, "fork": r.fork, "archived": r.archived, "disabled": false,
		"html_url": s.webURL + "/" + full, "url": s.repoURL(full), "default_branch": r.defaultBranch,
		"topics": r.topics, "created_at": r.created.Format(time.RFC3339),
	}
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, repo *Repo) {
	writeJSON(w, http.StatusOK, s.repoJSON(repo))
}

func (s *Server) listOrgRepos(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	q := r.URL.Query()
	typ := q.Get("type")
	switch typ {
	case "", "all", "public", "private", "forks", "sources", "member":
	default:
		s.malformed(w, r, http.StatusUnprocessableEntity, "type must be one of all, public, private, forks, sources, member")
		return
	}
	s.mu.Lock()
	var repos []*Repo
	found := false
	for _, repo := range s.order {
		if !strings.EqualFold(repo.owner, org) {
			continue
		}
		found = true
		if repo.private && !s.authenticated(r) {
			continue
		}
		switch {
		case typ == "public" && repo.private, typ == "private" && !repo.private,
			typ == "forks" && !repo.fork, typ == "sources" && repo.fork:
			continue
		}
		repos = append(repos, repo)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/repos/repos#list-organization-repositories")
		return
	}
	sortBy, dir := q.Get("sort"), q.Get("direction")
	switch sortBy {
	case "", "created", "updated", "pushed":
		// Creation order is all three here: the fake never pushes by itself.
		if dir == "" || dir == "desc" {
			for i, j := 0, len(repos)-1; i < j; i, j = i+1, j-1 {
				repos[i], repos[j] = repos[j], repos[i]
			}
		}
	case "full_name":
		sort.Slice(repos, func(i, j int) bool {
			less := strings.ToLower(repos[i].FullName()) < strings.ToLower(repos[j].FullName())
			if dir == "desc" {
				return !less
			}
			return less
		})
	default:
		s.malformed(w, r, http.StatusUnprocessableEntity, "sort must be one of created, updated, pushed, full_name")
		return
	}
	items := make([]any, len(repos))
	for i, repo := range repos {
		items[i] = s.repoJSON(repo)
	}
	s.paginate(w, r, items)
}

func signatureJSON(sig Signature) map[string]any {
	return map[string]any{"name": sig.Name, "email": sig.Email, "date": sig.Date.UTC().Format(time.RFC3339)}
}

// commitJSON is the REST commit object (GET /repos/O/R/commits/REF).
func (s *Server) commitJSON(repo *Repo, c *commitInfo) map[string]any {
	full := repo.FullName()
	parents := []any{}
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p, "url": s.repoURL(full) + "/commits/" + p, "html_url": s.webURL + "/" + full + "/commit/" + p})
	}
	return map[string]any{
		"sha": c.SHA, "node_id": "C_" + c.SHA, "url": s.repoURL(full) + "/commits/" + c.SHA,
		"html_url": s.webURL + "/" + full + "/commit/" + c.SHA,
		"commit": map[string]any{
			"author": signatureJSON(c.Author), "committer": signatureJSON(c.Committer), "message": strings.TrimSuffix(c.Message, "\n"),
			"tree":          map[string]any{"sha": c.Tree, "url": s.repoURL(full) + "/git/trees/" + c.Tree},
			"url":           s.repoURL(full) + "/git/commits/" + c.SHA,
			"comment_count": 0,
			"verification":  map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil},
		},
		"author": nil, "committer": nil, "parents": parents,
	}
}

// resolveCommit resolves ref, answering 409 for an empty repository and
// 422 "No commit found" for an unknown ref, as GitHub does.
func (s *Server) resolveCommit(w http.ResponseWriter, repo *Repo, ref string) (*commitInfo, bool) {
	heads, _ := repo.git.refs("refs/heads/")
	if len(heads) == 0 {
		writeError(w, http.StatusConflict, "Git Repository is empty.", docs+"/commits/commits#get-a-commit")
		return nil, false
	}
	sha, ok := repo.git.resolve(ref)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, "No commit found for SHA: "+ref, docs+"/commits/commits#get-a-commit")
		return nil, false
	}
	c, err := repo.git.readCommit(sha)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		writeError(w, http.StatusInternalServerError, "Server Error", "")
		return nil, false
	}
	return c, true
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	c, ok := s.resolveCommit(w, repo, r.PathValue("ref"))
	if !ok {
		return
	}
	etag := `"` + c.SHA + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/vnd.github.sha") {
		w.Header().Set("Content-Type", "application/vnd.github.sha; charset=utf-8")
		fmt.Fprint(w, c.SHA)
		return
	}
	writeJSON(w, http.StatusOK, s.commitJSON(repo, c))
}

func (s *Server) getGitCommit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	sha := r.PathValue("sha")
	if repo.git.objectType(sha) != "commit" {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/git/commits#get-a-commit-object")
		return
	}
	c, err := repo.git.readCommit(sha)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		writeError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	writeJSON(w, http.StatusOK, s.gitCommitJSON(repo, c))
}

func (s *Server) gitCommitJSON(repo *Repo, c *commitInfo) map[string]any {
	full := repo.FullName()
	parents := []any{}
	for _, p := range c.Parents {
		parents = append(parents, map[string]any{"sha": p, "url": s.repoURL(full) + "/git/commits/" + p})
	}
	return map[string]any{
		"sha": c.SHA, "node_id": "C_" + c.SHA, "url": s.repoURL(full) + "/git/commits/" + c.SHA,
		"author": signatureJSON(c.Author), "committer": signatureJSON(c.Committer), "message": c.Message,
		"tree":         map[string]any{"sha": c.Tree, "url": s.repoURL(full) + "/git/trees/" + c.Tree},
		"parents":      parents,
		"verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil},
	}
}

// getTarball redirects to codeload, as GitHub does (302 with Location).
func (s *Server) getTarball(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref := r.PathValue("ref")
	if ref == "" {
		ref = repo.defaultBranch
	}
	sha, ok := repo.git.resolve(ref)
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/repos/contents#download-a-repository-archive-tar")
		return
	}
	_ = sha
	w.Header().Set("Location", fmt.Sprintf("%s/%s/legacy.tar.gz/%s", s.codeloadURL, repo.FullName(), ref))
	w.WriteHeader(http.StatusFound)
}

// webArchive is github.com/O/R/archive/REF.tar.gz, which redirects to
// codeload's tar.gz (top-level directory REPO-REF rather than the API's
// OWNER-REPO-SHA7).
func (s *Server) webArchive(w http.ResponseWriter, r *http.Request) {
	repo := s.Repo(r.PathValue("owner"), r.PathValue("repo"))
	ref, ok := strings.CutSuffix(r.PathValue("ref"), ".tar.gz")
	if repo == nil || repo.private || !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s/%s/tar.gz/%s", s.codeloadURL, repo.FullName(), ref))
	w.WriteHeader(http.StatusFound)
}

// codeload streams the archive of a ref; legacy is the API tarball's
// naming (OWNER-REPO-SHA7), otherwise REPO-REF (a full SHA stays full, a
// tag or branch has its slashes turned into dashes and a leading v dropped
// from a version tag, as GitHub names them).
func (s *Server) codeload(legacy bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		repo := s.Repo(r.PathValue("owner"), r.PathValue("repo"))
		ref := r.PathValue("ref")
		if repo == nil {
			http.Error(w, "404: Not Found", http.StatusNotFound)
			return
		}
		s.mu.Lock()
		sha, ok := repo.git.resolve(ref)
		s.mu.Unlock()
		if !ok {
			http.Error(w, "404: Not Found", http.StatusNotFound)
			return
		}
		prefix := repo.tarballPrefix(sha)
		name := prefix + ".tar.gz"
		if !legacy {
			short := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/"), "/", "-")
			if len(short) > 1 && short[0] == 'v' && short[1] >= '0' && short[1] <= '9' {
				short = short[1:]
			}
			prefix = repo.name + "-" + short
			name = prefix + ".tar.gz"
		}
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Header().Set("Content-Disposition", "attachment; filename="+name)
		w.Header().Set("ETag", `"`+sha+`"`)
		if err := repo.git.archive(w, sha, prefix); err != nil {
			s.t.Errorf("githubtest: %v", err)
		}
	}
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request, repo *Repo) {
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = repo.defaultBranch
	}
	sha, ok := repo.git.resolve(ref)
	if !ok {
		writeError(w, http.StatusNotFound, "No commit found for the ref "+ref, docs+"/repos/contents#get-repository-content")
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	c, err := repo.git.readCommit(sha)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	entries, err := repo.git.lsTree(c.Tree, true)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	full := repo.FullName()
	entryJSON := func(e treeEntry) map[string]any {
		typ := map[string]string{"blob": "file", "tree": "dir", "commit": "submodule"}[e.Type]
		if e.Mode == "120000" {
			typ = "symlink"
		}
		m := map[string]any{
			"type": typ, "name": path.Base(e.Path), "path": e.Path, "sha": e.SHA, "size": max(e.Size, 0),
			"url":          s.repoURL(full) + "/contents/" + e.Path + "?ref=" + queryEscape(ref),
			"git_url":      s.repoURL(full) + "/git/" + map[string]string{"blob": "blobs", "tree": "trees", "commit": "commits"}[e.Type] + "/" + e.SHA,
			"html_url":     s.webURL + "/" + full + "/blob/" + ref + "/" + e.Path,
			"download_url": nil,
		}
		return m
	}
	if p == "" {
		var list []any
		for _, e := range entries {
			if !strings.Contains(e.Path, "/") {
				list = append(list, entryJSON(e))
			}
		}
		writeJSON(w, http.StatusOK, list)
		return
	}
	for _, e := range entries {
		if e.Path != p {
			continue
		}
		switch e.Type {
		case "tree":
			list := []any{}
			for _, c := range entries {
				if path.Dir(c.Path) == p {
					list = append(list, entryJSON(c))
				}
			}
			writeJSON(w, http.StatusOK, list)
			return
		case "blob":
			content, err := repo.git.readObject("blob", e.SHA)
			if err != nil {
				s.t.Errorf("githubtest: %v", err)
				return
			}
			if strings.Contains(r.Header.Get("Accept"), "application/vnd.github.raw") {
				w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
				w.Header().Set("ETag", `"`+e.SHA+`"`)
				_, _ = w.Write(content)
				return
			}
			if r.Header.Get("If-None-Match") == `"`+e.SHA+`"` {
				w.Header().Set("ETag", `"`+e.SHA+`"`)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			m := entryJSON(e)
			if e.Mode == "120000" {
				m["target"] = string(content)
			} else {
				m["encoding"] = "base64"
				m["content"] = wrap60(base64.StdEncoding.EncodeToString(content))
				m["download_url"] = s.webURL + "/raw/" + full + "/" + ref + "/" + e.Path
			}
			w.Header().Set("ETag", `"`+e.SHA+`"`)
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", docs+"/repos/contents#get-repository-content")
}

// wrap60 breaks base64 into lines of 60 characters, as GitHub sends file
// contents.
func wrap60(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60])
		b.WriteByte('\n')
		s = s[60:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	return b.String()
}

func (s *Server) treeJSON(repo *Repo, sha string, entries []treeEntry) map[string]any {
	full := repo.FullName()
	list := []any{}
	for _, e := range entries {
		m := map[string]any{"path": e.Path, "mode": e.Mode, "type": e.Type, "sha": e.SHA}
		switch e.Type {
		case "blob":
			m["size"] = e.Size
			m["url"] = s.repoURL(full) + "/git/blobs/" + e.SHA
		case "tree":
			m["url"] = s.repoURL(full) + "/git/trees/" + e.SHA
		}
		list = append(list, m)
	}
	return map[string]any{"sha": sha, "url": s.repoURL(full) + "/git/trees/" + sha, "tree": list, "truncated": false}
}

// getTree is GET /git/trees/{tree_sha}: a tree SHA, or a commit SHA or ref
// whose tree is wanted; any value of ?recursive lists the whole tree.
func (s *Server) getTree(w http.ResponseWriter, r *http.Request, repo *Repo) {
	sha := r.PathValue("sha")
	if heads, _ := repo.git.refs("refs/heads/"); len(heads) == 0 {
		writeError(w, http.StatusConflict, "Git Repository is empty.", docs+"/git/trees#get-a-tree")
		return
	}
	switch repo.git.objectType(sha) {
	case "tree":
	case "commit":
		c, _ := repo.git.readCommit(sha)
		sha = c.Tree
	default:
		commit, ok := repo.git.resolve(sha)
		if !ok {
			writeError(w, http.StatusNotFound, "Not Found", docs+"/git/trees#get-a-tree")
			return
		}
		c, _ := repo.git.readCommit(commit)
		sha = c.Tree
	}
	_, recursive := r.URL.Query()["recursive"]
	entries, err := repo.git.lsTree(sha, recursive)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, s.treeJSON(repo, sha, entries))
}

func (s *Server) refJSON(repo *Repo, name, sha string) map[string]any {
	typ := repo.git.objectType(sha)
	return map[string]any{
		"ref": name, "node_id": "REF_" + name, "url": s.repoURL(repo.FullName()) + "/git/" + name,
		"object": map[string]any{"type": typ, "sha": sha, "url": s.repoURL(repo.FullName()) + "/git/" + typ + "s/" + sha},
	}
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	name := "refs/" + r.PathValue("ref")
	sha, ok := repo.git.refSHA(name)
	if !ok || strings.HasPrefix(r.PathValue("ref"), "refs/") {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/git/refs#get-a-reference")
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(repo, name, sha))
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request, repo *Repo) {
	refs, err := repo.git.refs("refs/tags/")
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	// Highest version first, roughly as GitHub lists them (clients must not
	// rely on the order).
	sort.SliceStable(refs, func(i, j int) bool { return naturalLess(refs[j][0], refs[i][0]) })
	full := repo.FullName()
	items := []any{}
	for _, ref := range refs {
		name := strings.TrimPrefix(ref[0], "refs/tags/")
		sha, ok := repo.git.resolve(ref[0])
		if !ok {
			continue
		}
		items = append(items, map[string]any{
			"name": name, "commit": map[string]any{"sha": sha, "url": s.repoURL(full) + "/commits/" + sha},
			"zipball_url": s.repoURL(full) + "/zipball/refs/tags/" + name,
			"tarball_url": s.repoURL(full) + "/tarball/refs/tags/" + name,
			"node_id":     "TAG_" + name,
		})
	}
	s.paginate(w, r, items)
}

// compare is GET /compare/BASE...HEAD.
func (s *Server) compare(w http.ResponseWriter, r *http.Request, repo *Repo) {
	base, head, ok := strings.Cut(r.PathValue("basehead"), "...")
	if !ok {
		s.malformed(w, r, http.StatusNotFound, "compare needs BASE...HEAD")
		return
	}
	baseSHA, ok1 := repo.git.resolve(base)
	headSHA, ok2 := repo.git.resolve(head)
	if !ok1 || !ok2 {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/commits/commits#compare-two-commits")
		return
	}
	mb, err := repo.git.line("merge-base", baseSHA, headSHA)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/commits/commits#compare-two-commits")
		return
	}
	list := func(from, to string) []string {
		out, _ := repo.git.line("rev-list", "--reverse", from+".."+to)
		if out == "" {
			return nil
		}
		return strings.Split(out, "\n")
	}
	ahead, behind := list(mb, headSHA), list(mb, baseSHA)
	status := "identical"
	switch {
	case len(ahead) > 0 && len(behind) > 0:
		status = "diverged"
	case len(ahead) > 0:
		status = "ahead"
	case len(behind) > 0:
		status = "behind"
	}
	commits := []any{}
	for _, sha := range ahead {
		c, _ := repo.git.readCommit(sha)
		commits = append(commits, s.commitJSON(repo, c))
	}
	bc, _ := repo.git.readCommit(baseSHA)
	mbc, _ := repo.git.readCommit(mb)
	full := repo.FullName()
	writeJSON(w, http.StatusOK, map[string]any{
		"url":      s.repoURL(full) + "/compare/" + base + "..." + head,
		"html_url": s.webURL + "/" + full + "/compare/" + base + "..." + head,
		"status":   status, "ahead_by": len(ahead), "behind_by": len(behind), "total_commits": len(ahead),
		"base_commit": s.commitJSON(repo, bc), "merge_base_commit": s.commitJSON(repo, mbc),
		"commits": commits, "files": []any{},
	})
}

// getBlob is GET /git/blobs/{file_sha}: the blob's content in base64 (GitHub
// does not wrap it in lines here) and its size, or the bytes alone with the
// raw media type; its ETag is the SHA (a blob never changes).
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request, repo *Repo) {
	sha := r.PathValue("sha")
	if repo.git.objectType(sha) != "blob" {
		writeError(w, http.StatusNotFound, "Not Found", docs+"/git/blobs#get-a-blob")
		return
	}
	w.Header().Set("ETag", `"`+sha+`"`)
	if r.Header.Get("If-None-Match") == `"`+sha+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	content, err := repo.git.readObject("blob", sha)
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	if accept := r.Header.Get("Accept"); strings.Contains(accept, "application/vnd.github.raw") || strings.Contains(accept, "application/vnd.github.v3.raw") {
		w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
		_, _ = w.Write(content)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sha": sha, "node_id": "B_" + sha[:12], "size": len(content), "encoding": "base64",
		"content": base64.StdEncoding.EncodeToString(content), "url": s.repoURL(repo.FullName()) + "/git/blobs/" + sha,
	})
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var body struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if body.Content == nil {
		s.malformed(w, r, http.StatusUnprocessableEntity, "content is required")
		return
	}
	content := []byte(*body.Content)
	switch body.Encoding {
	case "", "utf-8":
	case "base64":
		var err error
		if content, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(*body.Content, "\n", "")); err != nil {
			s.malformed(w, r, http.StatusUnprocessableEntity, "content is not valid base64")
			return
		}
	default:
		s.malformed(w, r, http.StatusUnprocessableEntity, "encoding must be utf-8 or base64")
		return
	}
	sha, err := repo.git.writeBlob(content)
	if err == nil {
		err = repo.git.add(sha)
	}
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": s.repoURL(repo.FullName()) + "/git/blobs/" + sha})
}

// createTree is POST /git/trees: entries (nested paths allowed) on top of
// base_tree; an entry with sha null deletes the path.
func (s *Server) createTree(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var body struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path    string          `json:"path"`
			Mode    string          `json:"mode"`
			Type    string          `json:"type"`
			SHA     json.RawMessage `json:"sha"`
			Content *string         `json:"content"`
		} `json:"tree"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if body.Tree == nil {
		s.malformed(w, r, http.StatusUnprocessableEntity, "tree is required")
		return
	}
	index, err := os.CreateTemp("", "githubtest-index")
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	index.Close()
	os.Remove(index.Name()) // git wants to create it
	defer os.Remove(index.Name())
	env := []string{"GIT_INDEX_FILE=" + index.Name()}
	if body.BaseTree != "" {
		if repo.git.objectType(body.BaseTree) != "tree" {
			validationError(w, docs+"/git/trees#create-a-tree", map[string]any{"resource": "Tree", "field": "base_tree", "code": "invalid"})
			return
		}
		if _, err := repo.git.git(env, nil, "read-tree", body.BaseTree); err != nil {
			s.t.Errorf("githubtest: %v", err)
			return
		}
	} else if _, err := repo.git.git(env, nil, "read-tree", "--empty"); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	var info bytes.Buffer
	for _, e := range body.Tree {
		if e.Path == "" || strings.HasPrefix(e.Path, "/") || path.Clean(e.Path) != e.Path {
			s.malformed(w, r, http.StatusUnprocessableEntity, "tree.path %q is invalid", e.Path)
			return
		}
		switch e.Mode {
		case "100644", "100755", "120000":
		case "040000", "160000":
			s.t.Errorf("githubtest: POST /git/trees with mode %s entries is not supported by the fake", e.Mode)
			writeError(w, http.StatusNotImplemented, "not supported by githubtest", "")
			return
		default:
			s.malformed(w, r, http.StatusUnprocessableEntity, "tree.mode %q is invalid", e.Mode)
			return
		}
		if e.Type != "blob" {
			s.malformed(w, r, http.StatusUnprocessableEntity, "tree.type %q does not match mode %s", e.Type, e.Mode)
			return
		}
		var sha *string
		if len(e.SHA) > 0 && string(e.SHA) != "null" {
			if err := json.Unmarshal(e.SHA, &sha); err != nil {
				s.malformed(w, r, http.StatusUnprocessableEntity, "tree entry %q: sha must be a string or null", e.Path)
				return
			}
		}
		switch {
		case len(e.SHA) > 0 && e.Content != nil:
			s.malformed(w, r, http.StatusUnprocessableEntity, "tree entry %q: give either sha or content, not both", e.Path)
			return
		case len(e.SHA) == 0 && e.Content == nil:
			s.malformed(w, r, http.StatusUnprocessableEntity, "tree entry %q: needs sha or content", e.Path)
			return
		case e.Content != nil:
			blob, err := repo.git.writeBlob([]byte(*e.Content))
			if err != nil {
				s.t.Errorf("githubtest: %v", err)
				return
			}
			fmt.Fprintf(&info, "%s %s\t%s\n", e.Mode, blob, e.Path)
		case sha == nil:
			// "sha": null deletes the path.
			fmt.Fprintf(&info, "0 %s\t%s\n", strings.Repeat("0", 40), e.Path)
		default:
			if repo.git.objectType(*sha) != "blob" {
				validationError(w, docs+"/git/trees#create-a-tree", map[string]any{"resource": "Tree", "field": "sha", "code": "invalid",
					"message": fmt.Sprintf("tree.sha %s is not a valid blob", *sha)})
				return
			}
			fmt.Fprintf(&info, "%s %s\t%s\n", e.Mode, *sha, e.Path)
		}
	}
	if _, err := repo.git.git(env, &info, "update-index", "--index-info"); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	sha, err := repo.git.git(env, nil, "write-tree")
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	tree := strings.TrimSpace(string(sha))
	if err := repo.git.add(tree); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	entries, _ := repo.git.lsTree(tree, false)
	writeJSON(w, http.StatusCreated, s.treeJSON(repo, tree, entries))
}

func (s *Server) createCommit(w http.ResponseWriter, r *http.Request, repo *Repo) {
	type sig struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Date  string `json:"date"`
	}
	var body struct {
		Message   *string  `json:"message"`
		Tree      string   `json:"tree"`
		Parents   []string `json:"parents"`
		Author    *sig     `json:"author"`
		Committer *sig     `json:"committer"`
		Signature string   `json:"signature"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if body.Message == nil || body.Tree == "" {
		s.malformed(w, r, http.StatusUnprocessableEntity, "message and tree are required")
		return
	}
	if repo.git.objectType(body.Tree) != "tree" {
		validationError(w, docs+"/git/commits#create-a-commit", map[string]any{"resource": "Commit", "field": "tree", "code": "invalid", "message": "Tree SHA does not exist"})
		return
	}
	for _, p := range body.Parents {
		if repo.git.objectType(p) != "commit" {
			validationError(w, docs+"/git/commits#create-a-commit", map[string]any{"resource": "Commit", "field": "parents", "code": "invalid", "message": "Parent SHA does not exist or is not a commit object"})
			return
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	toSig := func(in *sig, def Signature) (Signature, bool) {
		if in == nil {
			return def, true
		}
		out := Signature{Name: in.Name, Email: in.Email, Date: now}
		if in.Date != "" {
			d, err := time.Parse(time.RFC3339, in.Date)
			if err != nil {
				return out, false
			}
			out.Date = d
		}
		return out, in.Name != "" && in.Email != ""
	}
	author, ok1 := toSig(body.Author, Signature{Name: "githubtest", Email: "githubtest@users.noreply.github.com", Date: now})
	committer, ok2 := toSig(body.Committer, author)
	if !ok1 || !ok2 {
		s.malformed(w, r, http.StatusUnprocessableEntity, "author/committer need name, email and an ISO 8601 date")
		return
	}
	sha, err := repo.git.commitTree(body.Tree, body.Parents, *body.Message, author, committer)
	if err == nil {
		err = repo.git.add(sha)
	}
	if err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	c, _ := repo.git.readCommit(sha)
	writeJSON(w, http.StatusCreated, s.gitCommitJSON(repo, c))
}

func validRefName(name string) bool {
	return strings.HasPrefix(name, "refs/") && strings.Count(name, "/") >= 2 &&
		!strings.Contains(name, "..") && !strings.ContainsAny(name, " ~^:?*[\\") && !strings.HasSuffix(name, "/") && !strings.HasSuffix(name, ".lock")
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var body struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	if !validRefName(body.Ref) {
		s.malformed(w, r, http.StatusUnprocessableEntity, "%s is not a valid ref name", body.Ref)
		return
	}
	if repo.git.objectType(body.SHA) == "" {
		validationError(w, docs+"/git/refs#create-a-reference", map[string]any{"message": "Object does not exist", "code": "invalid"})
		return
	}
	if _, ok := repo.git.refSHA(body.Ref); ok {
		validationError(w, docs+"/git/refs#create-a-reference", map[string]any{"message": "Reference already exists", "code": "already_exists"})
		return
	}
	if err := repo.git.updateRef(body.Ref, body.SHA); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, s.refJSON(repo, body.Ref, body.SHA))
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	var body struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if !s.decodeBody(w, r, &body) {
		return
	}
	name := "refs/" + r.PathValue("ref")
	old, ok := repo.git.refSHA(name)
	if !ok {
		validationError(w, docs+"/git/refs#update-a-reference", map[string]any{"message": "Reference does not exist", "code": "invalid"})
		return
	}
	if repo.git.objectType(body.SHA) == "" {
		validationError(w, docs+"/git/refs#update-a-reference", map[string]any{"message": "Object does not exist", "code": "invalid"})
		return
	}
	if !body.Force && !repo.git.isAncestor(old, body.SHA) {
		validationError(w, docs+"/git/refs#update-a-reference", map[string]any{"message": "Update is not a fast forward", "code": "invalid"})
		return
	}
	if err := repo.git.updateRef(name, body.SHA); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, s.refJSON(repo, name, body.SHA))
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request, repo *Repo) {
	name := "refs/" + r.PathValue("ref")
	if _, ok := repo.git.refSHA(name); !ok {
		validationError(w, docs+"/git/refs#delete-a-reference", map[string]any{"message": "Reference does not exist", "code": "invalid"})
		return
	}
	if err := repo.git.deleteRef(name); err != nil {
		s.t.Errorf("githubtest: %v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func atoiPath(r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(r.PathValue(name))
	return n, err == nil && n > 0
}

// naturalLess compares strings with runs of digits as numbers: v1.10.0
// after v1.9.0.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// getReleaseByTag is GET /releases/tags/{tag}: published releases only.
func (s *Server) getReleaseByTag(w http.ResponseWriter, r *http.Request, repo *Repo) {
	tag := r.PathValue("tag")
	for _, rel := range repo.releases {
		if rel.tag != tag || rel.draft {
			continue
		}
		full := repo.FullName()
		writeJSON(w, http.StatusOK, map[string]any{
			"id": rel.id, "node_id": fmt.Sprintf("RE_%d", rel.id), "tag_name": rel.tag, "name": rel.name, "body": rel.body,
			"draft": false, "prerelease": rel.pre, "created_at": rel.created.Format(time.RFC3339), "published_at": rel.created.Format(time.RFC3339),
			"url": s.repoURL(full) + fmt.Sprintf("/releases/%d", rel.id), "html_url": s.webURL + "/" + full + "/releases/tag/" + rel.tag,
			"tarball_url": s.repoURL(full) + "/tarball/" + rel.tag, "assets": []any{},
		})
		return
	}
	writeError(w, http.StatusNotFound, "Not Found", docs+"/releases/releases#get-a-release-by-tag-name")
}
