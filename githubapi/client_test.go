package githubapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/nix/nar"
)

const testToken = "ghp_secretTestToken0123456789abcdef"

var (
	t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	t1 = time.Date(2024, 6, 2, 8, 30, 15, 0, time.UTC)
)

// sleeps records the client's waits instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
	hook  func(time.Duration)
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func newTestClient(t *testing.T, fake *githubtest.Server, token string) (*Client, *sleeps) {
	t.Helper()
	c, err := New(Config{APIURL: fake.URL(), Token: token, Transport: fake.Client().Transport, WritesPerMinute: 6000})
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	c.pacer.sleep = s.sleep
	return c, s
}

func widgets(t *testing.T, fake *githubtest.Server) (*githubtest.Repo, string, string) {
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{Topics: []string{"nix"}})
	files := githubtest.Files{
		"flake.nix":              githubtest.Text("{ outputs = _: { }; }\n"),
		"flake.lock":             githubtest.Text("{}\n"),
		"bin/run":                githubtest.Executable("#!/bin/sh\n"),
		"link":                   githubtest.Symlink("bin/run"),
		"services/api/flake.nix": githubtest.Text("{ }\n"),
	}
	first := repo.Commit("main", files, "first", t0)
	repo.Tag("v1.0.0", first)
	files["bin/run"] = githubtest.Executable("#!/bin/sh\necho 2\n")
	head := repo.Commit("main", files, "second\n\nbody", t1)
	repo.Tag("v1.1.0", head)
	repo.Tag("v2.0.0-rc.1", head)
	return repo, first, head
}

func TestListOrgReposFollowsPagination(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	for i := range 130 {
		fake.CreateRepo("acme", fmt.Sprintf("repo-%03d", i), githubtest.RepoOptions{Archived: i%10 == 3, Fork: i%10 == 4, Topics: []string{fmt.Sprint("t", i%2)}})
	}
	fake.CreateRepo("other", "elsewhere", githubtest.RepoOptions{})
	c, _ := newTestClient(t, fake, "")
	repos, err := c.ListOrgRepos(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 130 {
		t.Fatalf("got %d repos, want 130", len(repos))
	}
	archived, forks := 0, 0
	for i, r := range repos {
		if want := fmt.Sprintf("repo-%03d", i); r.Name != want || r.Owner != "acme" || r.DefaultBranch != "main" {
			t.Errorf("repo %d: %+v, want acme/%s on main", i, r, want)
		}
		if r.Archived {
			archived++
		}
		if r.Fork {
			forks++
		}
		if len(r.Topics) != 1 || r.Topics[0] != fmt.Sprint("t", i%2) {
			t.Errorf("repo %d topics %v", i, r.Topics)
		}
	}
	if archived != 13 || forks != 13 {
		t.Errorf("archived %d forks %d, want 13 and 13", archived, forks)
	}
	if n := fake.RequestCount("GET /orgs/acme/repos"); n != 2 {
		t.Errorf("%d requests for 130 repos, want 2 pages of 100", n)
	}
}

func TestReadCalls(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	repo, first, head := widgets(t, fake)
	c, _ := newTestClient(t, fake, "")
	ctx := context.Background()

	r, err := c.GetRepo(ctx, "acme", "widgets")
	if err != nil || r.DefaultBranch != "main" || r.FullName() != "acme/widgets" {
		t.Fatalf("GetRepo: %+v %v", r, err)
	}
	for ref, want := range map[string]string{"HEAD": head, "main": head, "v1.0.0": first, first: first} {
		commit, err := c.ResolveCommit(ctx, "acme", "widgets", ref)
		if err != nil {
			t.Fatal(err)
		}
		if commit.SHA != want {
			t.Errorf("ResolveCommit(%s) = %s, want %s", ref, commit.SHA, want)
		}
	}
	commit, _ := c.ResolveCommit(ctx, "acme", "widgets", "main")
	if !commit.CommitterDate.Equal(t1) || commit.Message != "second\n\nbody" {
		t.Errorf("commit date %s message %q", commit.CommitterDate, commit.Message)
	}
	_, err = c.ResolveCommit(ctx, "acme", "widgets", "no-such-branch")
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.Has("No commit found") {
		t.Errorf("unknown ref: %v", err)
	}

	f, err := c.GetFile(ctx, "acme", "widgets", "flake.nix", "v1.0.0")
	if err != nil || string(f.Content) != "{ outputs = _: { }; }\n" || len(f.SHA) != 40 {
		t.Fatalf("GetFile: %+v %v", f, err)
	}
	if _, err := c.GetFile(ctx, "acme", "widgets", "missing.nix", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}
	paths, err := c.FindFiles(ctx, "acme", "widgets", "main", "flake.nix")
	if err != nil || strings.Join(paths, ",") != "flake.nix,services/api/flake.nix" {
		t.Errorf("FindFiles: %v %v", paths, err)
	}

	tags, err := c.ListTags(ctx, "acme", "widgets")
	if err != nil || len(tags) != 3 {
		t.Fatalf("ListTags: %v %v", tags, err)
	}
	if best, ok := HighestSemver(tags, false); !ok || best.Name != "v1.1.0" || best.SHA != head {
		t.Errorf("HighestSemver: %+v", best)
	}
	if best, _ := HighestSemver(tags, true); best.Name != "v2.0.0-rc.1" {
		t.Errorf("HighestSemver with pre-releases: %+v", best)
	}

	repo.Release("v1.1.0", "1.1", "## What's new\n- faster", false)
	if rel, err := c.ReleaseByTag(ctx, "acme", "widgets", "v1.1.0"); err != nil || rel == nil || rel.Body != "## What's new\n- faster" {
		t.Errorf("ReleaseByTag: %+v %v", rel, err)
	}
	if rel, err := c.ReleaseByTag(ctx, "acme", "widgets", "v1.0.0"); err != nil || rel != nil {
		t.Errorf("a tag without a release: %+v %v", rel, err)
	}

	cmp, err := c.Compare(ctx, "acme", "widgets", "v1.0.0", "main")
	if err != nil || cmp.Status != "ahead" || cmp.AheadBy != 1 || len(cmp.Commits) != 1 || cmp.Commits[0].SHA != head {
		t.Errorf("Compare: %+v %v", cmp, err)
	}
}

func TestHighestSemver(t *testing.T) {
	tags := []Tag{{Name: "v1.9.0"}, {Name: "1.10.0"}, {Name: "latest"}, {Name: "v1.10.0-beta"}, {Name: "v0.99.1"}}
	if best, _ := HighestSemver(tags, false); best.Name != "1.10.0" {
		t.Errorf("got %s, want 1.10.0 (10 > 9 numerically)", best.Name)
	}
	if _, ok := HighestSemver([]Tag{{Name: "nightly"}}, true); ok {
		t.Error("a tag that is no version was taken")
	}
}

// The tarball flakectl downloads and hashes is the one the fake serves,
// hashed as nix/nar hashes it; githubtest's Nix test proves Nix agrees.
func TestPrefetch(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true, Tokens: []string{testToken}})
	repo, first, head := widgets(t, fake)
	c, _ := newTestClient(t, fake, testToken)
	for ref, rev := range map[string]string{"": head, "v1.0.0": first, first: first} {
		before := len(fake.Requests())
		src, err := c.Prefetch(context.Background(), "acme", "widgets", ref, nar.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		archive, err := repo.Archive(rev)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := nar.ReadTarball(bytes.NewReader(archive), nar.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tree.Hash(nixhash.SHA256)
		if src.Rev != rev || src.NarHash.Format(nixhash.SRI, true) != want.Format(nixhash.SRI, true) {
			t.Errorf("Prefetch(%q) = %s %s, want %s %s", ref, src.Rev, src.NarHash.Format(nixhash.SRI, true), rev, want.Format(nixhash.SRI, true))
		}
		wantTime := t1
		if rev == first {
			wantTime = t0
		}
		if !src.LastModified.Equal(wantTime) {
			t.Errorf("Prefetch(%q) lastModified %s, want the committer date %s", ref, src.LastModified, wantTime)
		}
		// As Nix: the commit lookup (unless given a rev), then the tarball.
		n := len(fake.Requests()) - before
		if want := map[bool]int{true: 2, false: 3}[ref == first]; n != want {
			t.Errorf("Prefetch(%q) made %d requests, want %d", ref, n, want)
		}
	}
	// The redirect to codeload must not carry the token.
	for _, r := range fake.Requests() {
		if strings.HasPrefix(r.Path, "/_codeload/") && r.Status != http.StatusOK {
			t.Errorf("codeload answered %d", r.Status)
		}
	}
}

func TestRetriesTransientFaults(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	_, _, head := widgets(t, fake)
	c, sl := newTestClient(t, fake, "")
	ctx := context.Background()

	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/commits/", Status: 502, Times: 2})
	// Two drops: net/http itself retries a GET once on a reused
	// connection, so the second reaches the pacer.
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/git/trees/", Drop: true, Times: 2})
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/tags", Status: 403, RetryAfter: 7})
	commit, err := c.ResolveCommit(ctx, "acme", "widgets", "main")
	if err != nil || commit.SHA != head {
		t.Fatalf("after two 502s: %v %v", commit, err)
	}
	if _, err := c.FindFiles(ctx, "acme", "widgets", "main", "flake.nix"); err != nil {
		t.Fatalf("after a dropped connection: %v", err)
	}
	if _, err := c.ListTags(ctx, "acme", "widgets"); err != nil {
		t.Fatalf("after a secondary rate limit: %v", err)
	}
	if n := fake.RequestCount("GET /repos/acme/widgets/commits/"); n != 3 {
		t.Errorf("%d commit requests, want 3", n)
	}
	var sawRetryAfter bool
	for _, d := range sl.waits {
		if d == 7*time.Second {
			sawRetryAfter = true
		}
	}
	if !sawRetryAfter || len(sl.waits) < 4 {
		t.Errorf("waits %v: want 2 backoffs, 1 or 2 for the drops and Retry-After's 7s", sl.waits)
	}

	// A secondary limit without Retry-After: a minute's pause, as GitHub asks.
	sl.waits = nil
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/tags", Status: 403})
	if _, err := c.ListTags(ctx, "acme", "widgets"); err != nil || len(sl.waits) != 1 || sl.waits[0] != time.Minute {
		t.Errorf("secondary limit without Retry-After: %v, waits %v", err, sl.waits)
	}

	// A slow answer is given up on and retried.
	c.pacer.timeout = 200 * time.Millisecond
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/commits/", Delay: 5 * time.Second})
	start := time.Now()
	if commit, err := c.ResolveCommit(ctx, "acme", "widgets", "main"); err != nil || commit.SHA != head {
		t.Fatalf("after a slow answer: %v %v", commit, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a slow answer held the client %s", d)
	}

	// Bounded: a fault that outlasts the retries is reported in one line.
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets", Status: 503, Times: 6})
	_, err = c.GetRepo(ctx, "acme", "widgets")
	if err == nil || err.Error() != "reading acme/widgets: GitHub answered 503 " && !strings.Contains(err.Error(), "503") {
		t.Errorf("after 6 503s: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	_, _, head := widgets(t, fake)
	c, sl := newTestClient(t, fake, "")
	ctx := context.Background()

	// Soon: the client waits for the reset and goes on.
	fake.SetRateLimitRemaining(1, time.Now().Add(2*time.Minute))
	sl.hook = func(time.Duration) { fake.SetRateLimitRemaining(5000, time.Now().Add(time.Hour)) }
	for range 3 {
		if commit, err := c.ResolveCommit(ctx, "acme", "widgets", "main"); err != nil || commit.SHA != head {
			t.Fatalf("%v %v", commit, err)
		}
	}
	if len(sl.waits) != 1 || sl.waits[0] < time.Minute || sl.waits[0] > 3*time.Minute {
		t.Errorf("waits %v, want one wait of about 2 minutes", sl.waits)
	}

	// Later than MaxWait: an error that says until when.
	sl.hook = nil
	reset := time.Now().Add(3 * time.Hour)
	fake.SetRateLimitRemaining(0, reset)
	_, err := c.ResolveCommit(ctx, "acme", "widgets", "main")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), reset.UTC().Format("15:04")) {
		t.Errorf("got %v, want rate limited until %s", err, reset.UTC().Format("15:04"))
	}
}

func TestErrorsSayWhatToDoAndNeverShowTheToken(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true, Tokens: []string{"ghp_theRightOne"}})
	widgets(t, fake)
	fake.CreateRepo("acme", "secret", githubtest.RepoOptions{Private: true})
	ctx := context.Background()

	bad, _ := newTestClient(t, fake, testToken)
	_, err := bad.GetRepo(ctx, "acme", "widgets")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Errorf("bad token: %v", err)
	}
	anon, _ := newTestClient(t, fake, "")
	_, err = anon.GetRepo(ctx, "acme", "secret")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "can see it") {
		t.Errorf("private repository without a token: %v", err)
	}
	_, err = bad.Tarball(ctx, "acme", "widgets", "main")
	for _, e := range []error{err} {
		if e == nil || strings.Contains(e.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v", e), testToken) {
			t.Errorf("error shows the token or is nil: %v", e)
		}
	}
	if _, err := New(Config{Token: "a b"}); err == nil || strings.Contains(err.Error(), "a b") {
		t.Errorf("token with a space: %v", err)
	}
	if _, err := New(Config{APIURL: "ftp://x"}); err == nil {
		t.Error("an ftp API URL was accepted")
	}
}

func TestWriteAndPullFlow(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true, Tokens: []string{testToken}})
	repo, _, head := widgets(t, fake)
	c, _ := newTestClient(t, fake, testToken)
	ctx := context.Background()

	blob, err := c.CreateBlob(ctx, "acme", "widgets", []byte("new lock\n"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := c.ResolveCommit(ctx, "acme", "widgets", "main")
	if want := BlobSHA([]byte("new lock\n")); blob != want {
		t.Errorf("BlobSHA %s, GitHub says %s", want, blob)
	}
	tree, err := c.CreateTree(ctx, "acme", "widgets", base.Tree, []TreeChange{
		{Path: "flake.lock", BlobSHA: blob}, {Path: "services/api/flake.lock", Content: []byte("new lock\n")},
		{Path: "bin/run"},
	})
	if err != nil {
		t.Fatal(err)
	}
	commit, err := c.CreateCommit(ctx, "acme", "widgets", "flake.lock: update devbox", tree, []string{head}, Author{})
	if err != nil {
		t.Fatal(err)
	}
	if sha, err := c.BranchHead(ctx, "acme", "widgets", "flakectl/bump-devbox"); err != nil || sha != "" {
		t.Fatalf("missing branch: %q %v", sha, err)
	}
	if err := c.CreateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", commit); err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if err := c.CreateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", commit); !errors.As(err, &ve) || !ve.Has("already exists") {
		t.Errorf("second CreateBranch: %v", err)
	}
	// The change is really in git: the file at the branch is the blob.
	f, err := c.GetFile(ctx, "acme", "widgets", "services/api/flake.lock", "flakectl/bump-devbox")
	if err != nil || string(f.Content) != "new lock\n" || f.SHA != blob {
		t.Fatalf("file on the branch: %+v %v", f, err)
	}
	if f, _ := c.GetFile(ctx, "acme", "widgets", "flake.nix", "flakectl/bump-devbox"); f == nil || string(f.Content) != "{ outputs = _: { }; }\n" {
		t.Errorf("base_tree files lost: %+v", f)
	}
	if _, err := c.GetFile(ctx, "acme", "widgets", "bin/run", "flakectl/bump-devbox"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted file: %v", err)
	}
	// Not a fast-forward: refused unless forced.
	other, _ := c.CreateCommit(ctx, "acme", "widgets", "someone else", tree, []string{head}, Author{Name: "Someone", Email: "s@example.com", Date: t1})
	if err := c.UpdateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", other, false); !errors.As(err, &ve) || !ve.Has("not a fast forward") {
		t.Errorf("non-fast-forward update: %v", err)
	}
	// Someone else's commit on top is seen, with its author.
	if err := c.UpdateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", other, true); err != nil {
		t.Fatal(err)
	}
	theirs, _ := c.CreateCommit(ctx, "acme", "widgets", "a fix", tree, []string{other}, Author{Name: "Someone", Email: "s@example.com", Date: t1})
	if err := c.UpdateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", theirs, false); err != nil {
		t.Fatalf("fast-forward: %v", err)
	}
	cmp, err := c.Compare(ctx, "acme", "widgets", "main", "flakectl/bump-devbox")
	if err != nil || cmp.AheadBy != 2 || cmp.Commits[1].SHA != theirs || cmp.Commits[1].Author.Email != "s@example.com" || cmp.Commits[1].Parents[0] != other {
		t.Errorf("compare: %+v %v", cmp, err)
	}
	if err := c.UpdateBranch(ctx, "acme", "widgets", "flakectl/bump-devbox", commit, true); err != nil {
		t.Fatal(err)
	}

	if p, err := c.FindOpenPull(ctx, "acme", "widgets", "flakectl/bump-devbox", "main"); err != nil || p != nil {
		t.Fatalf("no PR yet: %+v %v", p, err)
	}
	p, err := c.CreatePull(ctx, "acme", "widgets", NewPull{
		Title: "Update devbox", Body: "body", Head: "flakectl/bump-devbox", Base: "main", Draft: true,
		Labels: []string{"dependencies"}, Reviewers: []string{"alice"}, Assignees: []string{"bob"},
	})
	if err != nil || p.Number != 1 || p.HeadSHA != commit {
		t.Fatalf("CreatePull: %+v %v", p, err)
	}
	found, err := c.FindOpenPull(ctx, "acme", "widgets", "flakectl/bump-devbox", "main")
	if err != nil || found == nil || found.Number != 1 {
		t.Fatalf("FindOpenPull: %+v %v", found, err)
	}
	if _, err := c.UpdatePull(ctx, "acme", "widgets", 1, "Update devbox to v1.1.0", "new body"); err != nil {
		t.Fatal(err)
	}
	pulls := repo.Pulls()
	if len(pulls) != 1 || pulls[0].Title != "Update devbox to v1.1.0" || !pulls[0].Draft ||
		fmt.Sprint(pulls[0].Labels, pulls[0].RequestedReviewers, pulls[0].Assignees) != "[dependencies] [alice] [bob]" {
		t.Errorf("pull request in the fake: %+v", pulls)
	}
	if _, err := c.CreatePull(ctx, "acme", "widgets", NewPull{Title: "again", Head: "flakectl/bump-devbox", Base: "main"}); !errors.As(err, &ve) || !ve.Has("already exists") {
		t.Errorf("duplicate PR: %v", err)
	}
}

// Every content-creating request waits for the pacer's limiter.
func TestWritesArePaced(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	widgets(t, fake)
	c, err := New(Config{APIURL: fake.URL(), Transport: fake.Client().Transport, WritesPerMinute: 600})
	if err != nil {
		t.Fatal(err)
	}
	c.pacer.writes[0].SetBurst(1)
	start := time.Now()
	for i := range 4 {
		if _, err := c.CreateBlob(context.Background(), "acme", "widgets", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// 600 a minute is one per 100ms: four writes take at least 300ms.
	if d := time.Since(start); d < 280*time.Millisecond {
		t.Errorf("4 writes at 600/minute took %s", d)
	}
}

var _ = io.EOF

func TestGitHubAppAuth(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	key := fake.CreateApp(42, 7)
	fake.CreateRepo("acme", "private", githubtest.RepoOptions{Private: true})
	c, err := New(Config{APIURL: fake.URL(), App: &App{AppID: 42, InstallationID: 7, PrivateKey: key}, Transport: fake.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.GetRepo(context.Background(), "acme", "private"); err != nil {
			t.Fatalf("as the App: %v", err)
		}
	}
	if n := fake.InstallationTokens(); n != 1 {
		t.Errorf("%d installation tokens issued, want 1 reused", n)
	}
	wrong, err := New(Config{APIURL: fake.URL(), App: &App{AppID: 42, InstallationID: 8, PrivateKey: key}, Transport: fake.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.GetRepo(context.Background(), "acme", "private"); err == nil || !strings.Contains(err.Error(), "installation 8: no installation token (404 Not Found)") {
		t.Errorf("an installation the App does not have: %v", err)
	}
	if _, err := New(Config{App: &App{AppID: 1, InstallationID: 1, PrivateKey: []byte("not a key")}}); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("bad key: %v", err)
	}
}

// A second run with the same cache directory asks conditionally; unchanged
// answers come back 304 and cost no quota, changed ones are fetched anew.
func TestConditionalRequestsSaveQuota(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true, Tokens: []string{testToken}})
	repo, _, head := widgets(t, fake)
	dir := t.TempDir()
	run := func() (string, string) {
		c, err := New(Config{APIURL: fake.URL(), Token: testToken, Transport: fake.Client().Transport, CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		f, err := c.GetFile(context.Background(), "acme", "widgets", "flake.lock", "main")
		if err != nil {
			t.Fatal(err)
		}
		commit, err := c.ResolveCommit(context.Background(), "acme", "widgets", "main")
		if err != nil {
			t.Fatal(err)
		}
		return string(f.Content), commit.SHA
	}
	lock, sha := run()
	used := fake.RateLimitUsed()
	if lock != "{}\n" || sha != head || used != 2 {
		t.Fatalf("first run: %q %s, %d requests counted", lock, sha, used)
	}
	lock, sha = run()
	if lock != "{}\n" || sha != head {
		t.Errorf("from the cache: %q %s", lock, sha)
	}
	if n := fake.RateLimitUsed(); n != used {
		t.Errorf("second run cost %d requests of quota, want 0 (all 304)", n-used)
	}
	if n := fake.RequestCount("GET /repos/acme/widgets/contents/flake.lock"); n != 2 {
		t.Errorf("%d requests for flake.lock, want 2", n)
	}
	// A change is seen.
	repo.Commit("main", githubtest.Files{"flake.lock": githubtest.Text("{\"v\":2}\n")}, "change", t1.Add(time.Hour))
	if lock, _ := run(); lock != "{\"v\":2}\n" {
		t.Errorf("after a change: %q", lock)
	}
}

// --api-url for GitHub Enterprise Server: the API under /api/v3/.
func TestEnterpriseServer(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true, Enterprise: true})
	_, first, _ := widgets(t, fake)
	if !strings.HasSuffix(fake.URL(), "/api/v3/") {
		t.Fatalf("enterprise API URL %s", fake.URL())
	}
	c, _ := newTestClient(t, fake, "")
	src, err := c.Prefetch(context.Background(), "acme", "widgets", "v1.0.0", nar.Limits{})
	if err != nil || src.Rev != first {
		t.Fatalf("Prefetch on Enterprise Server: %+v %v", src, err)
	}
	if n := fake.RequestCount("GET /api/v3/repos/acme/widgets/"); n != 2 {
		t.Errorf("%d requests under /api/v3/, want 2", n)
	}
}

// bump shares one client across its workers.
func TestConcurrentUse(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{TLS: true})
	_, _, head := widgets(t, fake)
	// Some workers meet a 502 and retry, alongside the others.
	fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/widgets/commits/", Status: 502, Times: 5})
	c, _ := newTestClient(t, fake, "")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			commit, err := c.ResolveCommit(context.Background(), "acme", "widgets", "main")
			if err == nil && commit.SHA != head {
				err = fmt.Errorf("worker %d got %s", i, commit.SHA)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
