// Package bump moves one flake input (the devbox base flake, by default)
// to a new version across the repositories of a GitHub organisation,
// without Nix and without cloning: it reads each repository's flake.nix and
// flake.lock through the API, computes the new lock as `nix flake lock
// --update-input` would (nix/lockfile, with the narHash from the source's
// tarball computed once by nix/nar), writes the files with the Git Data API
// on a branch of its own, and opens or updates one pull request per
// repository.
//
// The flow is discover -> read -> plan -> apply -> report; a run is
// idempotent (a second run changes nothing) and resumable (a run stopped
// half-way and started again finishes the rest, with no duplicate branch,
// commit or pull request). It never moves a branch that has commits it did
// not make.
package bump

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/nar"
)

// Options say what to bump where.
type Options struct {
	// Org is the organisation whose repositories are bumped; Repos
	// (OWNER/NAME) names repositories instead of, or besides, it.
	Org   string
	Repos []string
	// Topics keeps repositories that have every one of these topics.
	Topics []string
	// Exclude drops repositories whose OWNER/NAME or NAME matches one of
	// these globs (path.Match syntax).
	Exclude []string
	// IncludeArchived and IncludeForks keep what discovery skips by
	// default.
	IncludeArchived, IncludeForks bool

	// Input is the input's name in flake.nix ("devbox"); an input whose
	// reference points at Source is bumped too, whatever its name.
	Input string
	// Source is the input's flake reference without a ref
	// (github:system1/devbox).
	Source string
	// To is "latest" (the highest version tag of Source), a tag, a branch
	// or a rev.
	To string
	// Pre lets "latest" be a pre-release.
	Pre bool
	// AllowMajor lets a project that pins a version tag move to a new
	// major version.
	AllowMajor bool

	// Branch is the branch bump writes to (default flakectl/bump-INPUT).
	Branch string
	// Labels, Reviewers, Assignees and Draft decorate new pull requests.
	Labels, Reviewers, Assignees []string
	Draft                        bool

	// DryRun reads and plans but writes nothing; results carry diffs.
	DryRun bool
	// Concurrency bounds the repositories worked on at once (default 16).
	Concurrency int
	// Limits bound the source tarball (nar.Limits defaults when zero).
	Limits nar.Limits
	// Progress, when set, is called once per repository as it finishes,
	// with how many have finished of how many (calls are serialised).
	Progress func(done, total int, res RepoResult)
}

// Status is what happened to a repository or a flake.
type Status string

// The statuses of a report. A flake is up-to-date, updated (its new files
// are on the branch, or would be in a dry run), skipped or error; a
// repository is also pr-opened or pr-updated.
const (
	UpToDate  Status = "up-to-date"
	Updated   Status = "updated"
	PROpened  Status = "pr-opened"
	PRUpdated Status = "pr-updated"
	Skipped   Status = "skipped"
	Error     Status = "error"
)

// Report is the outcome of a run.
type Report struct {
	Input  string       `json:"input"`
	Source string       `json:"source"`
	Target *Version     `json:"target,omitempty"`
	DryRun bool         `json:"dryRun"`
	Repos  []RepoResult `json:"repos"`
}

// Failed reports whether any repository ended in error.
func (r *Report) Failed() bool {
	for _, rr := range r.Repos {
		if rr.Status == Error {
			return true
		}
	}
	return false
}

// Count counts the repositories with status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, rr := range r.Repos {
		if rr.Status == s {
			n++
		}
	}
	return n
}

// RepoResult is one repository's outcome.
type RepoResult struct {
	Repo   string        `json:"repo"`
	Status Status        `json:"status"`
	Reason string        `json:"reason,omitempty"`
	Branch string        `json:"branch,omitempty"`
	Commit string        `json:"commit,omitempty"`
	Pull   *PullRef      `json:"pull,omitempty"`
	Flakes []FlakeResult `json:"flakes,omitempty"`
	// Diff is the unified diff of the change (dry runs).
	Diff string `json:"diff,omitempty"`
}

// PullRef names a pull request.
type PullRef struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
}

// FlakeResult is one flake's outcome (a monorepo has several).
type FlakeResult struct {
	Path   string   `json:"path"` // of flake.nix in the repository
	Input  string   `json:"input,omitempty"`
	Status Status   `json:"status"`
	Reason string   `json:"reason,omitempty"`
	From   *Version `json:"from,omitempty"`
	To     *Version `json:"to,omitempty"`
}

// Run bumps the input across the repositories opts selects. The error is
// for the run as a whole (bad options, the organisation or the target
// cannot be read); what goes wrong in one repository is in its result.
func Run(ctx context.Context, client *githubapi.Client, opts Options) (*Report, error) {
	b, err := newBumper(client, opts)
	if err != nil {
		return nil, err
	}
	report := &Report{Input: b.opts.Input, Source: b.src.String(), DryRun: opts.DryRun}
	target, err := b.resolveTarget(ctx)
	if err != nil {
		return nil, err
	}
	report.Target = &target
	repos, discovered, err := b.discover(ctx)
	if err != nil {
		return nil, err
	}
	report.Repos = make([]RepoResult, len(repos))
	work := make(chan int)
	var wg sync.WaitGroup
	var progressMu sync.Mutex
	finished := 0
	for range min(b.opts.Concurrency, max(len(repos), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				var res RepoResult
				if why := discovered[i]; why != "" {
					res = RepoResult{Repo: repos[i].FullName(), Status: Skipped, Reason: why}
				} else {
					res = b.repo(ctx, repos[i])
				}
				report.Repos[i] = res
				if opts.Progress != nil {
					progressMu.Lock()
					finished++
					opts.Progress(finished, len(repos), res)
					progressMu.Unlock()
				}
			}
		}()
	}
	for i := range repos {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		for i, r := range report.Repos {
			if r.Repo == "" {
				report.Repos[i] = RepoResult{Repo: repos[i].FullName(), Status: Skipped, Reason: "not reached: the run was stopped"}
			}
		}
		return report, fmt.Errorf("stopped: %w", err)
	}
	return report, nil
}

// bumper holds a run's options and what it has read of the source.
type bumper struct {
	client *githubapi.Client
	opts   Options
	src    flakeref.Ref
	source *source
	target Version
	latest bool
	blobs  once[[]byte]
}

func newBumper(client *githubapi.Client, opts Options) (*bumper, error) {
	if opts.Input == "" {
		opts.Input = "devbox"
	}
	if opts.Source == "" {
		opts.Source = "github:system1/devbox"
	}
	if opts.To == "" {
		opts.To = "latest"
	}
	if opts.Branch == "" {
		opts.Branch = "flakectl/bump-" + opts.Input
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Org == "" && len(opts.Repos) == 0 {
		return nil, errors.New("no repositories: give --org ORG or --repo OWNER/NAME")
	}
	for _, g := range opts.Exclude {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--exclude %q is not a valid glob: %v", g, err)
		}
	}
	src, err := flakeref.Parse(opts.Source)
	if err != nil {
		return nil, fmt.Errorf("--source: %v", err)
	}
	if src.Type != flakeref.TypeGitHub {
		return nil, fmt.Errorf("--source %s: bump follows github: inputs only (want github:OWNER/REPO)", opts.Source)
	}
	if src.Ref() != "" || src.Rev() != "" || src.Dir() != "" {
		return nil, fmt.Errorf("--source %s: give the repository alone (github:OWNER/REPO), without a ref, rev or dir", opts.Source)
	}
	return &bumper{
		client: client, opts: opts, src: src,
		source: &source{client: client, owner: src.Owner(), repo: src.Repo(), limits: opts.Limits},
	}, nil
}

// resolveTarget resolves --to once for the whole run.
func (b *bumper) resolveTarget(ctx context.Context) (Version, error) {
	to := b.opts.To
	if to == "latest" {
		tag, err := b.source.highest(ctx, "", b.opts.Pre)
		if err != nil {
			return Version{}, fmt.Errorf("--to latest: %v", err)
		}
		to, b.latest = tag, true
	}
	v, err := b.source.version(ctx, to)
	if err != nil {
		return Version{}, fmt.Errorf("--to %s: %v", b.opts.To, err)
	}
	b.target = v
	return v, nil
}

// discover lists the repositories to work on, sorted by name, and for
// each the reason it is skipped ("" to work on it).
func (b *bumper) discover(ctx context.Context) ([]githubapi.Repo, []string, error) {
	var repos []githubapi.Repo
	named := map[string]bool{}
	for _, full := range b.opts.Repos {
		owner, name, ok := strings.Cut(full, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return nil, nil, fmt.Errorf("--repo %q: want OWNER/NAME", full)
		}
		r, err := b.client.GetRepo(ctx, owner, name)
		if err != nil {
			return nil, nil, err
		}
		named[strings.ToLower(r.FullName())] = true
		repos = append(repos, r)
	}
	if b.opts.Org != "" {
		all, err := b.client.ListOrgRepos(ctx, b.opts.Org)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range all {
			if !named[strings.ToLower(r.FullName())] {
				repos = append(repos, r)
			}
		}
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].FullName() < repos[j].FullName() })
	var keep []githubapi.Repo
	var why []string
	for _, r := range repos {
		if b.excluded(r) {
			continue
		}
		reason := ""
		switch {
		case strings.EqualFold(r.FullName(), b.source.name()):
			reason = "it is the source of the input"
		case r.Archived && !b.opts.IncludeArchived:
			reason = "archived (--include-archived to read it anyway)"
		case r.Fork && !b.opts.IncludeForks && !named[strings.ToLower(r.FullName())]:
			reason = "a fork (--include-forks to bump forks too)"
		case r.DefaultBranch == "":
			reason = "empty repository"
		}
		keep = append(keep, r)
		why = append(why, reason)
	}
	return keep, why, nil
}

func (b *bumper) excluded(r githubapi.Repo) bool {
	for _, g := range b.opts.Exclude {
		if ok, _ := path.Match(g, r.FullName()); ok {
			return true
		}
		if ok, _ := path.Match(g, r.Name); ok {
			return true
		}
	}
	for _, t := range b.opts.Topics {
		if !slices.Contains(r.Topics, t) {
			return true
		}
	}
	return false
}

// blob reads a blob once per run: identical flake.lock files across
// repositories cost one request.
func (b *bumper) blob(ctx context.Context, r githubapi.Repo, sha string) ([]byte, error) {
	return b.blobs.do(sha, func() ([]byte, error) { return b.client.GetBlob(ctx, r.Owner, r.Name, sha) })
}
