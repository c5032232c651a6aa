package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/lint"
	"github.com/system1/devbox/render"
)

type lintOptions struct {
	paths     []string
	format    string
	fix       bool
	explain   string
	staged    bool
	config    string
	org       string
	apiURL    string
	tokenFile string
}

func newLintCmd(s *streams) *cobra.Command {
	opts := &lintOptions{}
	var rules []string
	for _, r := range lint.Rules {
		rules = append(rules, fmt.Sprintf("  %-16s %-8s %s", r.Name, r.Severity, r.Summary()))
	}
	cmd := &cobra.Command{
		Use:   "lint [PATH]... [--format text|json|sarif|github] [--fix] [--staged] [--config FILE] [--explain RULE]",
		Short: "Find missing, broken or drifting flakes (never evaluates Nix)",
		Long: `Check every flake.nix under each PATH (default: the current directory),
honouring .gitignore, so a monorepo with several flakes is checked whole.
Lint reads flake.nix with flakectl's Nix parser and flake.lock as Nix does, and
never evaluates Nix code: it is safe on untrusted pull requests.

Rules (flakectl lint --explain RULE for each):
` + strings.Join(rules, "\n") + `

Configuration: ` + lint.ConfigFile + ` at a repository's root (or --config FILE):
  devbox-url: github:system1/devbox?dir=base-flake
  flakes: [".", services/api]          # directories that must hold a flake.nix
  supported-branches: [nixos-unstable, nixos-25.11]
  stale-days: {nixpkgs: 30, devbox: 30}
  rules: {stale: off, devbox-shell: error}
Unknown keys are errors.

--fix applies the mechanical fixes (each file rewritten whole, only when it
changes; a missing flake.nix gets the one 'flakectl init' writes), then reports
what is left. --staged checks the versions of files staged in git's index (for
pre-commit hooks) instead of the working tree. --org ORG lints the default
branch of every non-archived repository of a GitHub organisation through the
API, without cloning, with a progress bar on a terminal and a summary table
(repositories without flake.nix, without flake.lock, with errors); the token
is GITHUB_TOKEN or --token-file.

Formats: text (FILE:LINE:COL: SEVERITY RULE: message, and a summary), json
(schema: {version, diagnostics: [{file, line, column, endLine, endColumn,
severity, rule, message, url, fixes}], summary: {flakes, errors, warnings,
infos}}), sarif (SARIF 2.1.0 for GitHub code scanning), github (workflow
command annotations).

Exit codes:
  0  no findings at error severity
  1  findings at error severity
  2  usage error or bad input (a bad flag, a missing PATH, a bad ` + lint.ConfigFile + `)`,
		Example: `  # Lint the repository in the current directory
  flakectl lint

  # Every repository of a checkout of the organisation, as JSON
  flakectl lint --format json ~/src/acme

  # In GitHub Actions: annotations on the pull request, or SARIF for code scanning
  flakectl lint --format github
  flakectl lint --format sarif > flakectl.sarif

  # Fix what is mechanical (devbox url, missing follows, a missing flake.nix)
  flakectl lint --fix

  # As a pre-commit hook: the staged flake.nix and flake.lock
  flakectl lint --staged

  # Every repository of a GitHub organisation, through the API (no clone)
  GITHUB_TOKEN=... flakectl lint --org acme
  flakectl lint --org acme --format json --token-file ~/.config/gh-token

  # What a rule checks and why
  flakectl lint --explain lock-drift`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return lintRun(s, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.format, "format", "text", "output `FORMAT`: "+strings.Join(lint.Formats, ", "))
	f.BoolVar(&opts.fix, "fix", false, "apply suggested fixes, then report what is left")
	f.StringVar(&opts.explain, "explain", "", "print the documentation of `RULE` and exit")
	f.BoolVar(&opts.staged, "staged", false, "check the files staged in git's index (pre-commit)")
	f.StringVar(&opts.org, "org", "", "lint the default branch of every repository of GitHub organisation `ORG`, without cloning")
	f.StringVar(&opts.apiURL, "api-url", githubapi.DefaultAPIURL, "GitHub API base URL (for --org; GitHub Enterprise: https://HOST/api/v3/)")
	f.StringVar(&opts.tokenFile, "token-file", "", "read the GitHub token from `FILE` when GITHUB_TOKEN is empty (for --org)")
	f.StringVar(&opts.config, "config", "", "use this `FILE` instead of each repository's "+lint.ConfigFile)
	return cmd
}

func lintRun(s *streams, opts *lintOptions) error {
	if opts.explain != "" {
		return explainRule(s, opts.explain)
	}
	valid := false
	for _, f := range lint.Formats {
		valid = valid || f == opts.format
	}
	if !valid {
		return usageErrorf("--format %q: want one of %s", opts.format, strings.Join(lint.Formats, ", "))
	}
	if opts.staged && (opts.fix || len(opts.paths) > 1) {
		return usageErrorf("--staged checks the index of one repository: at most one PATH, and no --fix")
	}
	lo := lint.Options{}
	if opts.config != "" {
		data, err := os.ReadFile(opts.config)
		if err != nil {
			return badInputf("--config: %v", unwrapPathError(err))
		}
		c, err := lint.ParseConfig(opts.config, data)
		if err != nil {
			return badInputf("%v", err)
		}
		lo.Config = c
	}
	if opts.org != "" {
		if opts.staged || opts.fix || len(opts.paths) > 0 {
			return usageErrorf("--org lints through the GitHub API: it takes no PATH, --staged or --fix")
		}
		return lintOrg(s, opts, lo)
	}
	var trees []lint.Tree
	if opts.staged {
		repo := "."
		if len(opts.paths) == 1 {
			repo = opts.paths[0]
		}
		t, err := stagedTree(repo)
		if err != nil {
			return err
		}
		trees = []lint.Tree{t}
	} else {
		paths := opts.paths
		if len(paths) == 0 {
			paths = []string{"."}
		}
		for _, p := range paths {
			t, err := diskTree(p)
			if err != nil {
				return err
			}
			trees = append(trees, t)
		}
	}
	res, err := lint.Run(trees, lo)
	if err != nil {
		return badInputf("%v", err)
	}
	if opts.fix {
		written, err := lint.ApplyFixes(res.Diagnostics)
		for _, name := range written {
			fmt.Fprintf(s.ErrOut, "fixed %s\n", name)
		}
		if err != nil {
			return err
		}
		for _, name := range written {
			if filepath.Base(name) == "flake.nix" {
				// A new flake.nix must be known to git, or Nix ignores it.
				if err := gitIntentToAdd(s, filepath.Dir(name), []render.File{{Path: "flake.nix"}}); err != nil {
					return err
				}
			}
		}
		if len(written) > 0 {
			if res, err = lint.Run(trees, lo); err != nil {
				return badInputf("%v", err)
			}
		}
	}
	if err := lint.Write(s.Out, opts.format, res); err != nil {
		return err
	}
	if res.Count(lint.SeverityError) > 0 {
		return errSilentFailure
	}
	return nil
}

func explainRule(s *streams, name string) error {
	r := lint.RuleByName(name)
	if r == nil {
		var names []string
		for _, r := range lint.Rules {
			names = append(names, r.Name)
		}
		return usageErrorf("--explain: unknown rule %q (rules: %s)", name, strings.Join(names, ", "))
	}
	fmt.Fprintf(s.Out, "%s (default severity: %s)\n\n%s\n\n%s\n", r.Name, r.Severity, wrap(r.Doc, 78), r.URL())
	return nil
}

// wrap breaks text into lines of at most width columns at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(text) {
		if col > 0 && col+1+len(w) > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// diskTree is PATH on disk: the file system of its git repository (so the
// index and the .gitignore files above PATH are read), or PATH itself.
func diskTree(p string) (lint.Tree, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return lint.Tree{}, badInputf("%s: %v", p, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return lint.Tree{}, badInputf("%s: %v", p, unwrapPathError(err))
	}
	if !st.IsDir() {
		return lint.Tree{}, badInputf("%s: not a directory (lint takes directories and finds the flakes in them)", p)
	}
	root := abs
	for dir := abs; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	start, err := filepath.Rel(root, abs)
	if err != nil {
		return lint.Tree{}, badInputf("%s: %v", p, err)
	}
	return lint.Tree{FS: os.DirFS(root), Start: filepath.ToSlash(start), Display: filepath.ToSlash(filepath.Clean(p)), OSDir: root}, nil
}

// stagedTree is the index of the git repository around dir: the staged
// flake.nix, flake.lock and configuration files.
func stagedTree(dir string) (lint.Tree, error) {
	top, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return lint.Tree{}, usageErrorf("--staged: %s is not in a git repository", dir)
	}
	root := strings.TrimSpace(string(top))
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "-z").Output()
	if err != nil {
		return lint.Tree{}, fmt.Errorf("git ls-files: %v", err)
	}
	var names []string
	for _, name := range strings.Split(string(out), "\x00") {
		switch path.Base(name) {
		case "flake.nix", "flake.lock", lint.ConfigFile:
			names = append(names, name)
		}
	}
	mapFS := fstest.MapFS{}
	if len(names) > 0 {
		// One git process for every blob: "git cat-file --batch" reads
		// ":PATH" (the staged version) lines.
		cmd := exec.Command("git", "-C", root, "cat-file", "--batch")
		cmd.Stdin = strings.NewReader(":" + strings.Join(names, "\n:") + "\n")
		data, err := cmd.Output()
		if err != nil {
			return lint.Tree{}, fmt.Errorf("git cat-file: %v", err)
		}
		for _, name := range names {
			nl := bytes.IndexByte(data, '\n')
			if nl < 0 {
				return lint.Tree{}, fmt.Errorf("git cat-file: short output")
			}
			var oid, typ string
			var size int
			header := string(data[:nl])
			if strings.HasSuffix(header, " missing") {
				// An intent-to-add entry has no blob yet: it is tracked
				// but empty in the index.
				data = data[nl+1:]
				mapFS[name] = &fstest.MapFile{Mode: 0o644}
				continue
			}
			if _, err := fmt.Sscanf(header, "%s %s %d", &oid, &typ, &size); err != nil || nl+1+size+1 > len(data) {
				return lint.Tree{}, fmt.Errorf("git cat-file: unexpected output %q", header)
			}
			mapFS[name] = &fstest.MapFile{Data: data[nl+1 : nl+1+size], Mode: 0o644}
			data = data[nl+1+size+1:]
		}
	}
	display := root
	if abs, err := filepath.Abs(dir); err == nil && abs == root {
		display = filepath.Clean(dir)
	} else if cwd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(cwd, root); err == nil {
			display = rel
		}
	}
	return lint.Tree{FS: mapFS, Start: ".", Display: filepath.ToSlash(display), Staged: true}, nil
}
