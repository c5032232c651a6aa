package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"sync"
	"testing/fstest"
	"text/tabwriter"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/lint"
)

// orgRepo is one repository's outcome in --org mode.
type orgRepo struct {
	Name     string `json:"repo"`
	Flakes   int    `json:"flakes"`
	NoFlake  bool   `json:"noFlake"`
	NoLock   bool   `json:"noLock"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`
	Err      string `json:"error,omitempty"` // the repository could not be read
	res      *lint.Result
}

// orgWorkers bounds the repositories read at once; githubapi paces the
// requests themselves within GitHub's limits.
const orgWorkers = 8

// lintOrg lints the default branch of every repository of an organisation
// through the GitHub API, without cloning: for each, the flake.nix files of
// its tree (one request), each one's flake.lock and the repository's
// .flakectl.yaml.
func lintOrg(s *streams, opts *lintOptions, lo lint.Options) error {
	token, err := githubapi.TokenFromEnv(opts.tokenFile)
	if err != nil {
		return badInputf("%v", err)
	}
	client, err := githubapi.New(githubapi.Config{APIURL: opts.apiURL, Token: token})
	if err != nil {
		return badInputf("%v", err)
	}
	ctx := context.Background()
	repos, err := client.ListOrgRepos(ctx, opts.org)
	if err != nil {
		return fmt.Errorf("listing the repositories of %s: %v", opts.org, err)
	}
	var live []githubapi.Repo
	for _, r := range repos {
		if !r.Archived {
			live = append(live, r)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].FullName() < live[j].FullName() })

	out := make([]orgRepo, len(live))
	progress := newProgress(s.ErrOut, "linting", len(live))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < orgWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = lintOrgRepo(ctx, client, live[i], lo)
				progress.done()
			}
		}()
	}
	for i := range live {
		next <- i
	}
	close(next)
	wg.Wait()
	progress.finish()

	res := &lint.Result{}
	for _, r := range out {
		if r.res != nil {
			res.Diagnostics = append(res.Diagnostics, r.res.Diagnostics...)
			res.Flakes += r.res.Flakes
		}
		res.Repos++
	}
	switch opts.format {
	case "json":
		report := struct {
			lint.JSONReport
			Repos []orgRepo `json:"repos"`
		}{lint.Report(res), out}
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	case "text":
		if err := lint.Write(s.Out, opts.format, res); err != nil {
			return err
		}
		writeOrgTable(s.Out, opts.org, out)
	default:
		if err := lint.Write(s.Out, opts.format, res); err != nil {
			return err
		}
	}
	failed := res.Count(lint.SeverityError) > 0
	for _, r := range out {
		if r.Err != "" {
			fmt.Fprintf(s.ErrOut, "flakectl: %s: %s\n", r.Name, r.Err)
			failed = true
		}
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

func lintOrgRepo(ctx context.Context, client *githubapi.Client, r githubapi.Repo, lo lint.Options) orgRepo {
	o := orgRepo{Name: r.FullName()}
	fail := func(err error) orgRepo {
		o.Err = oneLine(err.Error())
		return o
	}
	paths, err := client.FindFiles(ctx, r.Owner, r.Name, r.DefaultBranch, "flake.nix")
	if errors.Is(err, githubapi.ErrEmptyRepository) {
		o.NoFlake = true
		return o
	}
	if err != nil {
		return fail(err)
	}
	fsys := fstest.MapFS{}
	get := func(p string) error {
		f, err := client.GetFile(ctx, r.Owner, r.Name, p, r.DefaultBranch)
		if errors.Is(err, githubapi.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		fsys[p] = &fstest.MapFile{Data: f.Content, Mode: 0o644}
		return nil
	}
	for _, p := range paths {
		if err := get(p); err != nil {
			return fail(err)
		}
		if err := get(path.Join(path.Dir(p), "flake.lock")); err != nil {
			return fail(err)
		}
	}
	if err := get(lint.ConfigFile); err != nil {
		return fail(err)
	}
	// What the default branch holds is committed: nothing is untracked,
	// and .gitignore does not apply.
	res, err := lint.Run([]lint.Tree{{FS: fsys, Start: ".", Display: o.Name, Staged: true}}, lo)
	if err != nil {
		return fail(err)
	}
	o.res = res
	o.Flakes = len(paths)
	o.Errors, o.Warnings = res.Count(lint.SeverityError), res.Count(lint.SeverityWarning)
	for _, d := range res.Diagnostics {
		o.NoFlake = o.NoFlake || d.Rule == lint.MissingFlake
		o.NoLock = o.NoLock || d.Rule == lint.MissingLock
	}
	o.NoFlake = o.NoFlake || len(paths) == 0
	return o
}

func writeOrgTable(w io.Writer, org string, repos []orgRepo) {
	var noFlake, noLock, withErrors, unreadable int
	for _, r := range repos {
		switch {
		case r.Err != "":
			unreadable++
		case r.NoFlake:
			noFlake++
		}
		if r.NoLock {
			noLock++
		}
		if r.Errors > 0 {
			withErrors++
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tFLAKES\tERRORS\tWARNINGS\tSTATUS")
	for _, r := range repos {
		status := "ok"
		switch {
		case r.Err != "":
			status = "unreadable: " + r.Err
		case r.NoFlake:
			status = "no flake.nix"
		case r.NoLock:
			status = "no flake.lock"
		case r.Errors > 0:
			status = "errors"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", r.Name, r.Flakes, r.Errors, r.Warnings, status)
	}
	tw.Flush()
	fmt.Fprintf(w, "%s: %d repositories, %d without flake.nix, %d without flake.lock, %d with errors", org, len(repos), noFlake, noLock, withErrors)
	if unreadable > 0 {
		fmt.Fprintf(w, ", %d unreadable", unreadable)
	}
	fmt.Fprintln(w)
}
