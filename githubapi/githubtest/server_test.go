package githubtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
)

func get(t *testing.T, fake *githubtest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", fake.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestCommitResolvesRefs(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{})
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	when := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	sha := repo.Commit("main", githubtest.Files{"a": githubtest.Text("a\n")}, "first\n", when)
	repo.Tag("v1.0.0", sha)
	for _, ref := range []string{"HEAD", "main", "v1.0.0", sha, sha[:7], "refs/heads/main"} {
		resp, body := get(t, fake, "repos/acme/widgets/commits/"+ref)
		if resp.StatusCode != 200 {
			t.Fatalf("commits/%s: %d %s", ref, resp.StatusCode, body)
		}
		var c struct {
			SHA    string
			Commit struct {
				Committer struct{ Date time.Time }
			}
		}
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if c.SHA != sha || !c.Commit.Committer.Date.Equal(when) {
			t.Errorf("commits/%s: sha %s date %s, want %s %s", ref, c.SHA, c.Commit.Committer.Date, sha, when)
		}
	}
}

// recorder stands in for the test the fake reports to, so these tests can
// check that the fake fails a test when it should.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

func do(t *testing.T, fake *githubtest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, fake.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStrictness(t *testing.T) {
	cases := []struct {
		method, path, body string
		status             int
		failure            string
	}{
		{"GET", "repos/acme/widgets/branches", "", 404, "no such route"},
		{"PUT", "repos/acme/widgets/git/refs/heads/main", `{"sha":"x"}`, 404, "no such route"},
		{"POST", "repos/acme/widgets/git/blobs", `{"content":`, 400, "Problems parsing JSON"},
		{"POST", "repos/acme/widgets/git/refs", `{"ref":"main","sha":"x"}`, 422, "not a valid ref name"},
		{"GET", "orgs/acme/repos?per_page=lots", "", 400, "per_page"},
		{"GET", "orgs/acme/repos?per_pag=100", "", 400, "unknown query parameter"},
		{"GET", "repos/acme/widgets/pulls?head=feature", "", 422, "OWNER:BRANCH"},
		{"POST", "repos/acme/widgets/git/trees", `{"tree":[{"path":"a","mode":"100644","type":"blob"}]}`, 422, "needs sha or content"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := githubtest.New(rec, githubtest.Options{})
			repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
			repo.Commit("main", githubtest.Files{"a": githubtest.Text("a")}, "m", time.Unix(1e9, 0))
			resp, body := do(t, fake, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			var e struct {
				Message          string `json:"message"`
				DocumentationURL string `json:"documentation_url"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Message == "" || e.DocumentationURL == "" {
				t.Errorf("error body %q is not GitHub's {message, documentation_url}", body)
			}
			if f := rec.failures(); !strings.Contains(f, tc.failure) {
				t.Errorf("the fake did not fail the test with %q; it said %q", tc.failure, f)
			}
		})
	}
}

func TestDocumentedAnswers(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{})
	empty := fake.CreateRepo("acme", "empty", githubtest.RepoOptions{})
	_ = empty
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	for i := range 5 {
		repo.Tag(fmt.Sprintf("v1.%d.0", i), repo.Commit("main", githubtest.Files{"a": githubtest.Text(fmt.Sprint(i))}, "m", time.Unix(1e9+int64(i), 0)))
	}
	for _, tc := range []struct {
		path    string
		status  int
		message string
	}{
		{"repos/acme/empty/commits/HEAD", 409, "Git Repository is empty."},
		{"repos/acme/widgets/commits/nope", 422, "No commit found for SHA: nope"},
		{"repos/acme/nope", 404, "Not Found"},
		{"repos/acme/widgets/contents/missing", 404, "Not Found"},
	} {
		resp, body := get(t, fake, tc.path)
		var e struct{ Message string }
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != tc.status || e.Message != tc.message {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, resp.StatusCode, e.Message, tc.status, tc.message)
		}
	}

	// Pagination: Link next/last, then first/prev, as GitHub sends them.
	resp, body := get(t, fake, "repos/acme/widgets/tags?per_page=2")
	var tags []struct{ Name string }
	_ = json.Unmarshal(body, &tags)
	link := resp.Header.Get("Link")
	if len(tags) != 2 || !strings.Contains(link, `page=2&per_page=2>; rel="next"`) || !strings.Contains(link, `page=3&per_page=2>; rel="last"`) {
		t.Errorf("page 1: %d tags, Link %q", len(tags), link)
	}
	resp, body = get(t, fake, "repos/acme/widgets/tags?per_page=2&page=3")
	_ = json.Unmarshal(body, &tags)
	link = resp.Header.Get("Link")
	if len(tags) != 1 || strings.Contains(link, `"next"`) || !strings.Contains(link, `rel="first"`) || !strings.Contains(link, `page=2&per_page=2>; rel="prev"`) {
		t.Errorf("last page: %d tags, Link %q", len(tags), link)
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "" || resp.Header.Get("X-RateLimit-Reset") == "" {
		t.Error("no rate-limit headers")
	}

	// The tarball endpoint redirects to codeload, which serves the archive.
	noRedirect := *fake.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r2, err := noRedirect.Get(fake.URL() + "repos/acme/widgets/tarball/v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if loc := r2.Header.Get("Location"); r2.StatusCode != 302 || !strings.Contains(loc, "/acme/widgets/legacy.tar.gz/v1.0.0") {
		t.Errorf("tarball: %d Location %q", r2.StatusCode, loc)
	}
}

func TestUnusedFaultFailsTheTest(t *testing.T) {
	rec := &recorder{TB: t}
	fake := githubtest.New(rec, githubtest.Options{})
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/", Status: 502})
	fake.InjectFault(githubtest.Fault{Match: "GET /orgs/", Status: 502, Optional: true})
	fake.Close()
	if f := rec.failures(); !strings.Contains(f, "never triggered") || strings.Contains(f, "/orgs/") {
		t.Errorf("failures: %q", f)
	}
}

// The fake keeps all objects in one store, but a repository sees only its
// own, as on GitHub: using another repository's SHA is a client bug the fake
// must not hide.
func TestObjectsOfAnotherRepositoryAreNotFound(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{})
	a := fake.CreateRepo("acme", "a", githubtest.RepoOptions{})
	b := fake.CreateRepo("acme", "b", githubtest.RepoOptions{})
	onlyA := a.Commit("main", githubtest.Files{"only-in-a": githubtest.Text("a\n")}, "a", time.Unix(1e9, 0))
	b.Commit("main", githubtest.Files{"b": githubtest.Text("b\n")}, "b", time.Unix(1e9, 0))
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"repos/acme/a/git/commits/" + onlyA, 200},
		{"repos/acme/b/git/commits/" + onlyA, 404},
		{"repos/acme/b/commits/" + onlyA, 422},
		{"repos/acme/b/commits/" + onlyA[:10], 422},
		{"repos/acme/b/git/trees/" + onlyA, 404},
	} {
		if resp, body := get(t, fake, tc.path); resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d (%s)", tc.path, resp.StatusCode, tc.status, body)
		}
	}
	resp, body := get(t, fake, "repos/acme/a/git/commits/"+onlyA)
	var c struct{ Tree struct{ SHA string } }
	_ = json.Unmarshal(body, &c)
	_ = resp
	r, body2 := do(t, fake, "POST", "repos/acme/b/git/trees", fmt.Sprintf(`{"base_tree":%q,"tree":[{"path":"x","mode":"100644","type":"blob","content":"x"}]}`, c.Tree.SHA))
	if r.StatusCode != 422 {
		t.Errorf("a tree of another repository as base_tree: %d %s", r.StatusCode, body2)
	}
}

func TestLatency(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{Latency: 80 * time.Millisecond})
	fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	start := time.Now()
	if resp, _ := get(t, fake, "repos/acme/widgets"); resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("answered in %s, want at least the 80ms latency", d)
	}
}
