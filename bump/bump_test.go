package bump_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi/githubtest"
	"github.com/system1/devbox/nix/lockfile"
	"github.com/system1/devbox/nix/nar"
)

// An organisation with every kind of repository: bump opens one pull
// request per repository that needs one, with the right files, and a second
// run writes nothing.
func TestBumpOrganisation(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	f.project("unpinned", githubtest.Files{
		"flake.nix":  githubtest.Text(projectNix("github:system1/devbox?dir=base-flake")),
		"flake.lock": githubtest.Text(f.projectLock("", "v1.0.0")),
		"README.md":  githubtest.Text("hi\n"),
	})
	f.onDevbox("pinned", "github:system1/devbox/v1.0.0?dir=base-flake", "v1.0.0", "v1.0.0")
	f.onDevbox("pinned-query", "github:system1/devbox?dir=base-flake&ref=v1.1.0", "v1.1.0", "v1.1.0")
	f.project("monorepo", githubtest.Files{
		"services/api/flake.nix":  githubtest.Text(projectNix("github:system1/devbox?dir=base-flake")),
		"services/api/flake.lock": githubtest.Text(f.projectLock("", "v1.0.0")),
		"services/web/flake.nix":  githubtest.Text(projectNix("github:system1/devbox?dir=base-flake")),
		"services/web/flake.lock": githubtest.Text(f.projectLock("", "v1.1.0")),
		"tools/flake.nix":         githubtest.Text("{ outputs = _: { }; }\n"),
		"tools/flake.lock":        githubtest.Text(canonical(t, `{"nodes":{"root":{}},"root":"root","version":7}`)),
	})
	f.onDevbox("current", "github:system1/devbox?dir=base-flake", "", "v1.2.0")
	f.project("no-flake", githubtest.Files{"main.go": githubtest.Text("package main\n")})
	f.project("unlocked", githubtest.Files{"flake.nix": githubtest.Text(projectNix("github:system1/devbox?dir=base-flake"))})
	f.fake.CreateRepo("acme", "old", githubtest.RepoOptions{Archived: true})
	f.fake.CreateRepo("acme", "empty", githubtest.RepoOptions{})

	rep := f.run(bump.Options{Labels: []string{"dependencies"}, Reviewers: []string{"octocat"}})
	if rep.Target == nil || rep.Target.Ref != "v1.2.0" || rep.Target.Rev != f.tags["v1.2.0"] {
		t.Fatalf("target %+v, want v1.2.0 (pre-releases need --pre)", rep.Target)
	}
	got := byRepo(rep)
	want := map[string]bump.Status{
		"acme/unpinned": bump.PROpened, "acme/pinned": bump.PROpened, "acme/pinned-query": bump.PROpened,
		"acme/monorepo": bump.PROpened, "acme/current": bump.UpToDate, "acme/no-flake": bump.UpToDate,
		"acme/unlocked": bump.Skipped, "acme/old": bump.Skipped, "acme/empty": bump.UpToDate,
	}
	for name, st := range want {
		if got[name].Status != st {
			t.Errorf("%s: %s (%s), want %s", name, got[name].Status, got[name].Reason, st)
		}
	}
	if len(rep.Repos) != len(want) || rep.Failed() {
		t.Fatalf("report: %+v", rep.Repos)
	}

	// The files on the branch: a new lock at v1.2.0 with the base flake's
	// own nixpkgs, and a pinned ref rewritten in place.
	branch := "flakectl/bump-devbox"
	src, err := f.client.Prefetch(context.Background(), "system1", "devbox", f.tags["v1.2.0"], nar.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := lockfile.Read([]byte(f.file("unpinned", "flake.lock", branch)))
	if err != nil {
		t.Fatal(err)
	}
	devbox, _ := lock.Resolve([]string{"devbox"})
	locked, _ := devbox.LockedRef()
	if locked.Rev() != f.tags["v1.2.0"] || locked.NarHash() != src.NarHash.Format(nixhash.SRI, true) {
		t.Errorf("devbox locked at %s %s, want v1.2.0's %s %s", locked.Rev(), locked.NarHash(), f.tags["v1.2.0"], src.NarHash.Format(nixhash.SRI, true))
	}
	if lm, _ := locked.LastModified(); lm != f.dates["v1.2.0"].Unix() {
		t.Errorf("lastModified %d, want the commit date %d", lm, f.dates["v1.2.0"].Unix())
	}
	nixpkgs, _ := lock.Resolve([]string{"devbox", "nixpkgs"})
	if rev, _ := nixpkgs.Locked.Get("rev"); rev != "0000000000000000000000000000000000abc003" {
		t.Errorf("devbox/nixpkgs at %v, want the base flake's own lock at v1.2.0", rev)
	}
	if got := f.file("unpinned", "flake.nix", branch); got != projectNix("github:system1/devbox?dir=base-flake") {
		t.Errorf("unpinned flake.nix changed:\n%s", got)
	}
	if got := f.file("unpinned", "README.md", branch); got != "hi\n" {
		t.Errorf("README.md on the branch: %q", got)
	}
	if got := f.file("pinned", "flake.nix", branch); got != projectNix("github:system1/devbox/v1.2.0?dir=base-flake") {
		t.Errorf("pinned flake.nix:\n%s", got)
	}
	if got := f.file("pinned-query", "flake.nix", branch); got != projectNix("github:system1/devbox?dir=base-flake&ref=v1.2.0") {
		t.Errorf("pinned-query flake.nix:\n%s", got)
	}
	pinnedLock, _ := lockfile.Read([]byte(f.file("pinned", "flake.lock", branch)))
	pd, _ := pinnedLock.Resolve([]string{"devbox"})
	if ref, _ := pd.Original.Get("ref"); ref != "v1.2.0" {
		t.Errorf("pinned lock's original ref %v, want v1.2.0", ref)
	}
	for _, p := range []string{"services/api/flake.lock", "services/web/flake.lock"} {
		if f.file("monorepo", p, branch) == f.file("monorepo", p, "main") {
			t.Errorf("monorepo %s not updated", p)
		}
	}
	if f.file("monorepo", "tools/flake.lock", branch) != f.file("monorepo", "tools/flake.lock", "main") {
		t.Error("monorepo tools/flake.lock changed")
	}

	// One pull request each, decorated, saying what changed.
	pulls := f.fake.Repo("acme", "pinned").Pulls()
	if len(pulls) != 1 {
		t.Fatalf("acme/pinned has %d pull requests", len(pulls))
	}
	pr := pulls[0]
	if pr.Title != "Update devbox to v1.2.0" || pr.Head != branch || pr.Base != "main" {
		t.Errorf("pull request %q %s -> %s", pr.Title, pr.Head, pr.Base)
	}
	for _, want := range []string{"from **v1.0.0 (" + f.tags["v1.0.0"][:7], "to **v1.2.0 (" + f.tags["v1.2.0"][:7], "2026-03-03",
		"Flake lock file updates:", "• Updated input 'devbox':", "• Updated input 'devbox/nixpkgs':", "release v1.2.0", "release v1.1.0", "/compare/"} {
		if !strings.Contains(pr.Body, want) {
			t.Errorf("pull request body lacks %q:\n%s", want, pr.Body)
		}
	}
	if len(pr.Labels) != 1 || pr.Labels[0] != "dependencies" || len(pr.RequestedReviewers) != 1 {
		t.Errorf("labels %v reviewers %v", pr.Labels, pr.RequestedReviewers)
	}

	// Again: nothing to write, nothing opened.
	before := f.writes()
	rep = f.run(bump.Options{Labels: []string{"dependencies"}, Reviewers: []string{"octocat"}})
	for _, r := range rep.Repos {
		if r.Status != bump.UpToDate && r.Status != bump.Skipped {
			t.Errorf("second run: %s %s %s", r.Repo, r.Status, r.Reason)
		}
	}
	if n := f.writes() - before; n != 0 {
		t.Errorf("second run made %d write requests", n)
	}
}

// --dry-run reads and plans, prints diffs, and writes nothing.
func TestDryRun(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	f.onDevbox("pinned", "github:system1/devbox/v1.0.0?dir=base-flake", "v1.0.0", "v1.0.0")
	rep := f.run(bump.Options{DryRun: true})
	r := rep.Repos[0]
	if r.Status != bump.Updated || !rep.DryRun {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{"--- a/acme/pinned/flake.nix", "+++ b/acme/pinned/flake.nix",
		`-  inputs.devbox.url = "github:system1/devbox/v1.0.0?dir=base-flake"; # keep this comment`,
		`+  inputs.devbox.url = "github:system1/devbox/v1.2.0?dir=base-flake"; # keep this comment`,
		"+++ b/acme/pinned/flake.lock", `+        "rev": "` + f.tags["v1.2.0"] + `",`} {
		if !strings.Contains(r.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.Diff)
		}
	}
	if n := f.writes(); n != 0 {
		t.Errorf("a dry run made %d write requests", n)
	}
}

// Majors, pre-releases and explicit targets.
func TestTargets(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	f.release("v2.0.0", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	f.onDevbox("pinned", "github:system1/devbox/v1.0.0?dir=base-flake", "v1.0.0", "v1.0.0")
	f.onDevbox("unpinned", "github:system1/devbox?dir=base-flake", "", "v1.0.0")
	check := func(opts bump.Options, wantPinned, wantUnpinned string) {
		t.Helper()
		opts.DryRun = true
		got := byRepo(f.run(opts))
		for name, want := range map[string]string{"acme/pinned": wantPinned, "acme/unpinned": wantUnpinned} {
			r := got[name]
			have := string(r.Status)
			if len(r.Flakes) == 1 && r.Flakes[0].To != nil && r.Status == bump.Updated {
				have = r.Flakes[0].To.Ref
			}
			if r.Status == bump.Skipped {
				have = "skipped: " + r.Reason
			}
			if !strings.HasPrefix(have, want) {
				t.Errorf("%+v: %s: %s, want %s", opts, name, have, want)
			}
		}
	}
	check(bump.Options{}, "v1.2.0", "v2.0.0")
	check(bump.Options{AllowMajor: true}, "v2.0.0", "v2.0.0")
	check(bump.Options{To: "v1.1.0"}, "v1.1.0", "v1.1.0")
	check(bump.Options{To: "v2.0.0"}, "skipped: flake.nix pins v1.0.0; v2.0.0 is a new major version", "v2.0.0")
	check(bump.Options{To: "main"}, "skipped: flake.nix pins version tag v1.0.0; --to main is not a version tag", "main")
}

// A branch someone else pushed to is left alone; a new release moves a
// branch bump owns forward and updates its pull request.
func TestBranchOwnership(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	f.onDevbox("a", "github:system1/devbox?dir=base-flake", "", "v1.0.0")
	f.onDevbox("b", "github:system1/devbox?dir=base-flake", "", "v1.0.0")
	f.run(bump.Options{})
	branch := "flakectl/bump-devbox"
	first := f.fake.Repo("acme", "a").Head(branch)

	// Work goes on on main, away from the flake: the branch stays as it is.
	main := f.file("a", "flake.lock", "main")
	f.fake.Repo("acme", "a").Commit("main", githubtest.Files{
		"flake.nix": githubtest.Text(projectNix("github:system1/devbox?dir=base-flake")), "flake.lock": githubtest.Text(main),
		"README.md": githubtest.Text("more\n"),
	}, "docs", time.Now())
	before := f.writes()
	if r := f.run(bump.Options{}).Repos[0]; r.Status != bump.UpToDate {
		t.Errorf("after main moved: %s %s, want up-to-date", r.Status, r.Reason)
	}
	if n := f.writes() - before; n != 0 {
		t.Errorf("main moved: %d write requests, want none", n)
	}

	// Someone fixes something on b's branch by hand.
	b := f.fake.Repo("acme", "b")
	b.Commit(branch, githubtest.Files{"flake.nix": githubtest.Text("{ outputs = _: { }; }\n")}, "hand-made fix", time.Now())
	handHead := b.Head(branch)

	f.release("v1.3.0", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	got := byRepo(f.run(bump.Options{}))
	if r := got["acme/a"]; r.Status != bump.PRUpdated {
		t.Errorf("a: %s %s, want pr-updated", r.Status, r.Reason)
	}
	if r := got["acme/b"]; r.Status != bump.Skipped || !strings.Contains(r.Reason, "hand-made fix") {
		t.Errorf("b: %s %s, want skipped naming the foreign commit", r.Status, r.Reason)
	}
	if b.Head(branch) != handHead {
		t.Error("b's branch moved")
	}
	a := f.fake.Repo("acme", "a")
	if pulls := a.Pulls(); len(pulls) != 1 || pulls[0].Title != "Update devbox to v1.3.0" {
		t.Errorf("a's pull requests: %+v", pulls)
	}
	cmp, err := f.client.Compare(context.Background(), "acme", "a", first, a.Head(branch))
	if err != nil || cmp.Status != "ahead" {
		t.Errorf("a's branch did not move forward from %s: %+v %v", first[:7], cmp, err)
	}
	if !strings.Contains(f.file("a", "flake.lock", branch), f.tags["v1.3.0"]) {
		t.Error("a's branch does not hold v1.3.0")
	}
}

// Injected failures (5xx, dropped connections, writes that took effect but
// whose answers were lost, a secondary rate limit): every repository ends
// done or reported, and a second run finishes the rest with nothing
// duplicated.
func TestFaultsThenRerun(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	names := []string{"r1", "r2", "r3", "r4", "r5", "r6"}
	for _, n := range names {
		f.onDevbox(n, "github:system1/devbox?dir=base-flake", "", "v1.0.0")
	}
	f.fake.InjectFault(githubtest.Fault{Match: "POST /repos/acme/r1/git/refs", Status: 502, After: true})
	f.fake.InjectFault(githubtest.Fault{Match: "POST /repos/acme/r2/pulls", Status: 502, After: true})
	f.fake.InjectFault(githubtest.Fault{Match: "GET /repos/acme/r3/git/trees/", Drop: true})
	f.fake.InjectFault(githubtest.Fault{Match: "POST /repos/acme/r4/git/commits", Status: 503, Times: 4})
	f.fake.InjectFault(githubtest.Fault{Match: "POST /repos/acme/r5/git/trees", Status: 403, RetryAfter: 1})
	f.fake.InjectFault(githubtest.Fault{Match: "POST /repos/acme/r6/pulls", Drop: true, After: true, Times: 4})

	rep := f.run(bump.Options{})
	for _, r := range rep.Repos {
		if r.Status != bump.PROpened && r.Status != bump.Error {
			t.Errorf("first run: %s %s %s", r.Repo, r.Status, r.Reason)
		}
		if r.Status == bump.Error && r.Reason == "" {
			t.Errorf("%s: error without a reason", r.Repo)
		}
	}
	if !rep.Failed() {
		t.Error("r4 and r6 exhaust their retries (1 try + 3 retries): the run should report errors")
	}
	rep = f.run(bump.Options{})
	for _, r := range rep.Repos {
		if r.Status == bump.Error || r.Status == bump.Skipped {
			t.Errorf("second run: %s %s %s", r.Repo, r.Status, r.Reason)
		}
	}
	for _, n := range names {
		repo := f.fake.Repo("acme", n)
		if pulls := repo.Pulls(); len(pulls) != 1 {
			t.Errorf("%s has %d pull requests", n, len(pulls))
		}
		if !strings.Contains(f.file(n, "flake.lock", "flakectl/bump-devbox"), f.tags["v1.2.0"]) {
			t.Errorf("%s's branch does not hold the update", n)
		}
		cmp, err := f.client.Compare(context.Background(), "acme", n, "main", "flakectl/bump-devbox")
		if err != nil || cmp.AheadBy != 1 {
			t.Errorf("%s: branch is %d commits ahead (%v), want 1", n, cmp.AheadBy, err)
		}
	}
	if f.run(bump.Options{}).Failed() {
		t.Error("third run failed")
	}
}

// Reading is cheap: one request for a repository without a flake, two for
// one already up to date.
func TestRequestsPerRepository(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	f.project("none", githubtest.Files{"README.md": githubtest.Text("x\n")})
	f.onDevbox("current", "github:system1/devbox?dir=base-flake", "", "v1.2.0")
	f.onDevbox("pinned-current", "github:system1/devbox/v1.2.0?dir=base-flake", "v1.2.0", "v1.2.0")
	f.run(bump.Options{})
	for repo, want := range map[string]int{"none": 1, "current": 2, "pinned-current": 2} {
		if n := f.fake.RequestCount("GET /repos/acme/" + repo + "/"); n != want {
			t.Errorf("%s: %d requests, want %d", repo, n, want)
		}
	}
}

// Bad options are errors before anything is read.
func TestBadOptions(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	for _, tc := range []struct {
		opts bump.Options
		want string
	}{
		{bump.Options{Org: "acme", Source: "github:system1/devbox/v1"}, "without a ref"},
		{bump.Options{Org: "acme", Source: "gitlab:a/b"}, "github: inputs only"},
		{bump.Options{Org: "acme", Source: "::"}, "--source"},
		{bump.Options{Org: "acme", Exclude: []string{"["}}, "not a valid glob"},
		{bump.Options{Repos: []string{"nope"}}, "want OWNER/NAME"},
		{bump.Options{Org: "acme", To: "v9.9.9"}, "--to v9.9.9"},
		{bump.Options{}, "no repositories"},
	} {
		_, err := bump.Run(context.Background(), f.client, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v, want one line with %q", tc.opts, err, tc.want)
		}
	}
}

// A run stopped half-way (its context cancelled, as by Ctrl-C) says so and
// leaves what it did; the next run finishes the rest, with one branch
// commit and one pull request per repository.
func TestStoppedRunResumes(t *testing.T) {
	f := newFixture(t, githubtest.Options{})
	var names []string
	for i := range 8 {
		name := string(rune('a'+i)) + "-svc"
		names = append(names, name)
		f.onDevbox(name, "github:system1/devbox?dir=base-flake", "", "v1.0.0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := bump.Run(ctx, f.client, bump.Options{Org: "acme", Concurrency: 2, Progress: func(done, total int, r bump.RepoResult) {
		if done == 3 {
			cancel()
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "stopped") || rep == nil {
		t.Fatalf("stopped run: %v", err)
	}
	for _, r := range rep.Repos {
		if r.Repo == "" || r.Status == "" {
			t.Errorf("stopped run reports %+v", r)
		}
	}
	opened := rep.Count(bump.PROpened)
	if opened == 0 || opened == len(names) {
		t.Fatalf("stopped run opened %d of %d pull requests: not half-way", opened, len(names))
	}
	rep = f.run(bump.Options{})
	if rep.Failed() {
		t.Fatalf("resumed run: %+v", rep.Repos)
	}
	for _, n := range names {
		if pulls := f.fake.Repo("acme", n).Pulls(); len(pulls) != 1 {
			t.Errorf("%s has %d pull requests", n, len(pulls))
		}
		cmp, err := f.client.Compare(context.Background(), "acme", n, "main", "flakectl/bump-devbox")
		if err != nil || cmp.AheadBy != 1 {
			t.Errorf("%s: branch %+v %v, want one commit ahead", n, cmp, err)
		}
	}
}
