package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/render"
)

type initOptions struct {
	dir       string
	packages  []string
	shells    []string
	devboxURL string
	envrc     bool
	force     bool
}

func newInitCmd(s *streams) *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [DIR] [--package ATTR]... [--shell NAME]... [--devbox-url URL] [--envrc] [--force]",
		Short: "Write a flake.nix on the devbox platform into a repository",
		Long: `Write flake.nix (and with --envrc a direnv .envrc) into DIR (default: the
current directory, created if missing). With no options the file is the one
'nix flake init -t ` + render.DefaultDevboxURL + `' writes.

The flake's dev shells take the platform's tools from the devbox base flake
(inputsFrom) and add the project's packages (--package, a nixpkgs attribute
path such as nodejs_20 or python3Packages.requests). --shell names the shells
(default is always first; without --shell: default, staging, dev), each entered
with 'nix develop .#NAME'.

An existing file that differs is never overwritten without --force (an
identical one is fine), and nothing is written unless every file can be. In a
git repository the files are added with 'git add --intent-to-add', since Nix
ignores untracked files.

Exit codes:
  0  files written (or already identical)
  1  a file exists and differs (without --force), or writing failed
  2  usage error: a bad package name, shell name or devbox URL`,
		Example: `  # A flake like nix flake init -t ` + render.DefaultDevboxURL + `
  flakectl init

  # A Node service with a direnv .envrc
  flakectl init services/api --package nodejs_20 --package pnpm --envrc

  # A Python tool with only default and ci shells, from a fork of the platform
  flakectl init --package python311 --shell ci --devbox-url github:acme/devbox?dir=base-flake`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = "."
			if len(args) == 1 {
				opts.dir = args[0]
			}
			return initRun(s, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.packages, "package", nil, "add the nixpkgs package `ATTR` to every shell (repeatable)")
	f.StringArrayVar(&opts.shells, "shell", nil, "add a dev shell `NAME` besides default (repeatable; replaces staging and dev)")
	f.StringVar(&opts.devboxURL, "devbox-url", render.DefaultDevboxURL, "flake reference of the devbox base flake")
	f.BoolVar(&opts.envrc, "envrc", false, "also write .envrc for direnv ('use flake')")
	f.BoolVar(&opts.force, "force", false, "overwrite existing files that differ")
	return cmd
}

// projectPlan turns the flags into the plan render.Project takes.
func (o *initOptions) projectPlan() (render.ProjectPlan, error) {
	p := render.DefaultProject()
	if _, err := flakeref.Parse(o.devboxURL); err != nil {
		return p, usageErrorf("--devbox-url: %v", err)
	}
	p.DevboxURL = o.devboxURL
	for _, pkg := range o.packages {
		names, err := render.ParseAttrPath(pkg)
		if err != nil {
			return p, usageErrorf("--package: %v", err)
		}
		p.Packages = append(p.Packages, names)
	}
	if len(o.shells) > 0 {
		p.Shells = []string{"default"}
		for _, sh := range o.shells {
			if sh != "default" {
				p.Shells = append(p.Shells, sh)
			}
		}
	}
	if err := p.Validate(); err != nil {
		return p, usageErrorf("%v", err)
	}
	return p, nil
}

func initRun(s *streams, opts *initOptions) error {
	plan, err := opts.projectPlan()
	if err != nil {
		return err
	}
	flake, err := render.Project(plan)
	if err != nil {
		return err
	}
	files := []render.File{{Path: "flake.nix", Data: flake}}
	if opts.envrc {
		envrc, err := render.Envrc()
		if err != nil {
			return err
		}
		files = append(files, render.File{Path: ".envrc", Data: envrc})
	}
	if st, err := os.Stat(opts.dir); err == nil && !st.IsDir() {
		return usageErrorf("%s is not a directory", opts.dir)
	}
	// Check every file before writing any, so a refusal leaves DIR untouched.
	if !opts.force {
		for _, f := range files {
			p := filepath.Join(opts.dir, f.Path)
			old, err := os.ReadFile(p)
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return fmt.Errorf("reading %s: %v", p, unwrapPathError(err))
			case !bytes.Equal(old, f.Data):
				return fmt.Errorf("%s exists and differs from the flake init would write (use --force to overwrite it)", p)
			}
		}
	}
	written, err := render.Write(opts.dir, files, 0o644)
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintf(s.Out, "wrote %s\n", p)
	}
	if len(written) < len(files) {
		fmt.Fprintf(s.Out, "%d file(s) already up to date\n", len(files)-len(written))
	}
	if err := gitIntentToAdd(s, opts.dir, files); err != nil {
		return err
	}
	fmt.Fprint(s.Out, nextSteps(opts.dir, plan))
	return nil
}

// gitIntentToAdd runs git add --intent-to-add on the files when dir is in a
// git work tree: Nix copies only tracked files of a git repository, so an
// untracked flake.nix would be invisible to `nix develop`.
func gitIntentToAdd(s *streams, dir string, files []render.File) error {
	// Looking for .git ourselves saves starting git outside a repository.
	if !inGitRepo(dir) {
		return nil
	}
	git, err := exec.LookPath("git")
	if err != nil {
		fmt.Fprintln(s.ErrOut, "flakectl: git is not installed: run 'git add --intent-to-add flake.nix' yourself, or Nix will not see it")
		return nil
	}
	args := []string{"-C", dir, "add", "--intent-to-add", "--"}
	for _, f := range files {
		args = append(args, f.Path)
	}
	if out, err := exec.Command(git, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("git add --intent-to-add in %s: %s", dir, strings.TrimSpace(string(out)))
	}
	return nil
}

// inGitRepo reports whether dir is in a git work tree: a .git directory (or,
// in a worktree or submodule, a .git file) in dir or above.
func inGitRepo(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return true
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return false
		}
		abs = parent
	}
}

func nextSteps(dir string, p render.ProjectPlan) string {
	var b strings.Builder
	cd := ""
	if dir != "." {
		cd = "cd " + dir + " && "
	}
	b.WriteString("\nNext steps:\n")
	fmt.Fprintf(&b, "  %snix develop                  # enter the default shell (creates flake.lock)\n", cd)
	for _, sh := range p.Shells[1:] {
		fmt.Fprintf(&b, "  %snix develop .#%s\n", cd, sh)
	}
	b.WriteString("  edit buildInputs in flake.nix to add your project's packages\n")
	b.WriteString("  git add flake.nix flake.lock && git commit -m 'Add Nix development environment'\n")
	return b.String()
}
