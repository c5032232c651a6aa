package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi"
)

// defaultTokenFile is where a container or a CI job mounts the token.
const defaultTokenFile = "/run/secrets/github_token"

type bumpOptions struct {
	bump.Options
	json           bool
	apiURL         string
	tokenFile      string
	appID          int64
	installationID int64
	appKeyFile     string
	cacheDir       string
	// Pacing of content-creating requests; hidden, for tests and the
	// benchmark against the fake (GitHub's limits are the defaults).
	writesPerMinute, writesPerHour int
}

func newBumpCmd(s *streams) *cobra.Command {
	opts := &bumpOptions{}
	cmd := &cobra.Command{
		Use:   "bump (--org ORG | --repo OWNER/NAME...) [--to latest|TAG|BRANCH|REV] [--dry-run] [--json]",
		Short: "Update the devbox input across a GitHub organisation and open pull requests (no Nix needed)",
		Long: `Bring every repository of an organisation up to a new version of the devbox
base flake, with one pull request each, through the GitHub API alone: no
clone, no git, no Nix.

For each repository (archived repositories and forks are skipped unless asked),
bump reads every flake.nix and flake.lock on the default branch (a monorepo's
flakes too) and finds the input by name (--input) or by where it points
(--source). The target is resolved once: --to latest is the highest version tag
of the source (pre-releases only with --pre); a tag, branch or rev also works.
A project that pins a version tag in flake.nix (github:system1/devbox/v1.2.0 or
?ref=v1.2.0) gets that ref rewritten, within its major version unless
--allow-major; a project that follows a branch is locked to that branch's head.
The new flake.lock is computed once per target (narHash from the source's
tarball) and is byte for byte what 'nix flake lock --update-input INPUT'
writes.

Changes go to the branch flakectl/bump-INPUT as one commit (verified when
made with a GitHub App), and a pull request is opened, or the open one
updated. A branch holding a commit bump did not make is left alone and the
repository reported as skipped. A second run changes nothing; a run stopped
half-way finishes the rest when started again.

Authentication: GITHUB_TOKEN, or --token-file (default ` + defaultTokenFile + `
when it exists), or a GitHub App (--app-id, --app-key-file,
--installation-id). The token needs contents and pull-requests write access.
Requests are paced within GitHub's primary and secondary rate limits and
retried on 5xx answers and dropped connections.

Statuses (--json: per repository and per flake): up-to-date, updated,
pr-opened, pr-updated, skipped (with the reason), error.

Exit status: 0 when every repository ended well (up to date, updated or
skipped with a reason), 1 when any ended in error (the others are still done),
2 on a usage error or when the organisation or the target cannot be read.`,
		Example: `  # What would change, as diffs, without writing anything
  flakectl bump --org acme --dry-run

  # Open or update the pull requests, labelled and with reviewers
  GITHUB_TOKEN=... flakectl bump --org acme --label dependencies --reviewer acme/platform

  # A given release, for two repositories, as JSON for a bot
  flakectl bump --repo acme/api --repo acme/web --to v1.4.0 --json

  # As a GitHub App (commits show as verified)
  flakectl bump --org acme --app-id 12345 --installation-id 678 --app-key-file app.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBump(cmd.Context(), s, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Org, "org", "", "bump every repository of `ORG`")
	f.StringArrayVar(&opts.Repos, "repo", nil, "bump `OWNER/NAME` (repeatable; with or without --org)")
	f.StringArrayVar(&opts.Topics, "topic", nil, "only repositories with `TOPIC` (repeatable: all of them)")
	f.StringArrayVar(&opts.Exclude, "exclude", nil, "skip repositories whose NAME or OWNER/NAME matches `GLOB` (repeatable)")
	f.BoolVar(&opts.IncludeArchived, "include-archived", false, "read archived repositories too")
	f.BoolVar(&opts.IncludeForks, "include-forks", false, "bump forks too")
	f.StringVar(&opts.Input, "input", "devbox", "the input's `NAME` in flake.nix")
	f.StringVar(&opts.Source, "source", "github:system1/devbox", "the input's repository, `github:OWNER/REPO`: inputs pointing there are bumped whatever their name")
	f.StringVar(&opts.To, "to", "latest", "target: latest (highest version tag), or a `TAG, BRANCH or REV`")
	f.BoolVar(&opts.Pre, "pre", false, "let latest be a pre-release")
	f.BoolVar(&opts.AllowMajor, "allow-major", false, "move pinned version tags to a new major version")
	f.StringVar(&opts.Branch, "branch", "", "branch to write to (default flakectl/bump-INPUT)")
	f.StringArrayVar(&opts.Labels, "label", nil, "add `LABEL` to new pull requests (repeatable)")
	f.StringArrayVar(&opts.Reviewers, "reviewer", nil, "request a review from `USER` (repeatable)")
	f.StringArrayVar(&opts.Assignees, "assignee", nil, "assign new pull requests to `USER` (repeatable)")
	f.BoolVar(&opts.Draft, "draft", false, "open pull requests as drafts")
	f.BoolVar(&opts.DryRun, "dry-run", false, "print each repository's diff; write nothing")
	f.BoolVar(&opts.json, "json", false, "print the report as JSON")
	f.IntVar(&opts.Concurrency, "concurrency", 16, "repositories worked on at once")
	f.StringVar(&opts.apiURL, "api-url", githubapi.DefaultAPIURL, "GitHub API base `URL` (GitHub Enterprise: https://HOST/api/v3/)")
	f.StringVar(&opts.tokenFile, "token-file", "", "read the GitHub token from `FILE` when GITHUB_TOKEN is empty (default "+defaultTokenFile+" when present)")
	f.Int64Var(&opts.appID, "app-id", 0, "authenticate as this GitHub App `ID`")
	f.Int64Var(&opts.installationID, "installation-id", 0, "the App's installation `ID` on the organisation")
	f.StringVar(&opts.appKeyFile, "app-key-file", "", "the App's private key (`PEM` file)")
	f.StringVar(&opts.cacheDir, "cache-dir", "", "keep API answers with an ETag in `DIR`: unchanged ones cost no rate-limit quota on the next run")
	f.IntVar(&opts.writesPerMinute, "writes-per-minute", 0, "pace content-creating requests (default GitHub's 80)")
	f.IntVar(&opts.writesPerHour, "writes-per-hour", 0, "pace content-creating requests (default GitHub's 500)")
	_ = f.MarkHidden("writes-per-minute")
	_ = f.MarkHidden("writes-per-hour")
	return cmd
}

func bumpClient(opts *bumpOptions) (*githubapi.Client, error) {
	cfg := githubapi.Config{
		APIURL: opts.apiURL, CacheDir: opts.cacheDir,
		WritesPerMinute: opts.writesPerMinute, WritesPerHour: opts.writesPerHour,
	}
	appFlags := opts.appID != 0 || opts.installationID != 0 || opts.appKeyFile != ""
	switch {
	case appFlags:
		if opts.appID == 0 || opts.installationID == 0 || opts.appKeyFile == "" {
			return nil, usageErrorf("a GitHub App needs all of --app-id, --installation-id and --app-key-file")
		}
		key, err := os.ReadFile(opts.appKeyFile)
		if err != nil {
			return nil, badInputf("reading the App key: %v", err)
		}
		cfg.App = &githubapi.App{AppID: opts.appID, InstallationID: opts.installationID, PrivateKey: key}
	default:
		file := opts.tokenFile
		if file == "" {
			if _, err := os.Stat(defaultTokenFile); err == nil {
				file = defaultTokenFile
			}
		} else if _, err := os.Stat(file); err != nil && os.Getenv("GITHUB_TOKEN") == "" {
			return nil, badInputf("--token-file: %v", err)
		}
		token, err := githubapi.TokenFromEnv(file)
		if err != nil {
			return nil, badInputf("%v", err)
		}
		if token == "" && !opts.DryRun {
			return nil, usageErrorf("no GitHub token: set GITHUB_TOKEN, or give --token-file or a GitHub App (--app-id, --installation-id, --app-key-file)")
		}
		cfg.Token = token
	}
	client, err := githubapi.New(cfg)
	if err != nil {
		return nil, badInputf("%v", err)
	}
	return client, nil
}

func runBump(ctx context.Context, s *streams, opts *bumpOptions) error {
	if opts.Org == "" && len(opts.Repos) == 0 {
		return usageErrorf("give --org ORG or --repo OWNER/NAME")
	}
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return usageErrorf("--concurrency %d: want 1 to 64", opts.Concurrency)
	}
	client, err := bumpClient(opts)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	bar := newProgress(s.ErrOut, "bumping", 0)
	opts.Progress = func(done, total int, r bump.RepoResult) {
		bar.doneOf(total)
		if !bar.on && !opts.json && notable(r) {
			fmt.Fprintf(s.ErrOut, "[%d/%d] %s\n", done, total, resultLine(r))
		}
	}
	report, err := bump.Run(ctx, client, opts.Options)
	bar.finish()
	if err != nil && report == nil {
		return badInputf("%v", err)
	}
	if opts.json {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		writeBumpText(s.Out, report)
	}
	if err != nil {
		return fmt.Errorf("%v (the report above is partial; run again to finish)", err)
	}
	if report.Failed() {
		return errSilentFailure
	}
	return nil
}

// notable is a repository worth a line: anything but "nothing here".
func notable(r bump.RepoResult) bool {
	return !(r.Status == bump.UpToDate && len(r.Flakes) == 0) && !(r.Status == bump.Skipped && len(r.Flakes) == 0 && !strings.HasPrefix(r.Reason, "empty"))
}

func resultLine(r bump.RepoResult) string {
	line := r.Repo + ": " + string(r.Status)
	if r.Pull != nil {
		line += fmt.Sprintf(" #%d %s", r.Pull.Number, r.Pull.URL)
	}
	var moves []string
	for _, f := range r.Flakes {
		if f.Status == bump.Updated && f.From != nil && f.To != nil {
			moves = append(moves, fmt.Sprintf("%s %s → %s", f.Input, f.From.Short(), f.To.Short()))
		}
	}
	if len(moves) > 0 {
		slices.Sort(moves)
		line += " (" + strings.Join(slices.Compact(moves), "; ") + ")"
	}
	if r.Reason != "" {
		line += ": " + r.Reason
	}
	return line
}

func writeBumpText(w io.Writer, report *bump.Report) {
	counts := map[bump.Status]int{}
	unused := 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range report.Repos {
		if r.Diff != "" {
			fmt.Fprint(w, r.Diff)
		}
		if !notable(r) {
			unused++
			continue
		}
		counts[r.Status]++
	}
	for _, r := range report.Repos {
		if notable(r) {
			fmt.Fprintln(tw, resultLine(r))
		}
	}
	tw.Flush()
	var parts []string
	for _, st := range []bump.Status{bump.PROpened, bump.PRUpdated, bump.Updated, bump.UpToDate, bump.Skipped, bump.Error} {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if unused > 0 {
		parts = append(parts, fmt.Sprintf("%d without the input", unused))
	}
	target := ""
	if report.Target != nil {
		target = " → " + report.Target.Short()
	}
	dry := ""
	if report.DryRun {
		dry = " (dry run: nothing written)"
	}
	fmt.Fprintf(w, "bump %s%s: %d repositories: %s%s\n", report.Input, target, len(report.Repos), strings.Join(parts, ", "), dry)
}
