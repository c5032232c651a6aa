package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/render"
)

func newRenderCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Render the devbox base flake from platform.yaml",
		Long: `Render Nix files from the platform's config. 'render base' writes the base
flake and its project template; product repos get theirs from 'flakectl init'.

Exit codes:
  0  rendered, or up to date
  1  --check found stale files, or a write failed
  2  usage error, or a bad or unreadable config`,
		Example: `  flakectl render base
  flakectl render base --check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newRenderBaseCmd(s))
	return cmd
}

type renderBaseOptions struct {
	config string
	out    string
	check  bool
}

func newRenderBaseCmd(s *streams) *cobra.Command {
	opts := &renderBaseOptions{}
	cmd := &cobra.Command{
		Use:   "base [--config FILE] [--out DIR] [--check]",
		Short: "Render base-flake/flake.nix and base-flake/template/flake.nix",
		Long: `Render the base flake (flake.nix) and its project template
(template/flake.nix) from the platform config, and write each file only when
its bytes change. The config is read strictly: an unknown key, a wrong type or
a bad value is an error naming its line.

--out defaults to the config's directory. With --check nothing is written: the
command prints a unified diff from the files on disk to a fresh render and
exits 1 when they differ (for CI).

Exit codes:
  0  rendered (or, with --check, up to date)
  1  --check found files that differ from a fresh render, or a write failed
  2  usage error, or a bad or unreadable config`,
		Example: `  # After editing base-flake/platform.yaml
  flakectl render base

  # In CI: fail when the committed files are stale
  flakectl render base --check

  # Render a fork's platform into another directory
  flakectl render base --config ../fork/platform.yaml --out /tmp/base`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderBaseRun(s, opts)
		},
	}
	cmd.Flags().StringVar(&opts.config, "config", filepath.Join("base-flake", "platform.yaml"), "platform config `FILE`")
	cmd.Flags().StringVar(&opts.out, "out", "", "output `DIR` (default: the config's directory)")
	cmd.Flags().BoolVar(&opts.check, "check", false, "write nothing; print a diff and exit 1 if the files are stale")
	return cmd
}

func renderBaseRun(s *streams, opts *renderBaseOptions) error {
	data, err := os.ReadFile(opts.config)
	if err != nil {
		return badInputf("reading config %s: %v", opts.config, unwrapPathError(err))
	}
	plan, err := render.LoadPlatform(opts.config, data)
	if err != nil {
		return badInputf("%v", err)
	}
	files, err := render.Base(plan)
	if err != nil {
		return badInputf("%s: %v", opts.config, err)
	}
	out := opts.out
	if out == "" {
		out = filepath.Dir(opts.config)
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return usageErrorf("--out %s is not a directory", out)
	}
	if opts.check {
		diff, err := render.Diff(out, files)
		if err != nil {
			return badInputf("%v", err)
		}
		if diff == "" {
			return nil
		}
		fmt.Fprint(s.Out, diff)
		return &exitError{Code: exitFailure, Msg: fmt.Sprintf("%s is out of date with %s: run 'flakectl render base' and commit the result", out, opts.config)}
	}
	written, err := render.Write(out, files, 0o644)
	for _, p := range written {
		fmt.Fprintf(s.ErrOut, "wrote %s\n", p)
	}
	if err != nil {
		return err
	}
	if len(written) == 0 {
		fmt.Fprintf(s.ErrOut, "%s is up to date\n", out)
	}
	// The flake reads the script when evaluated; say so now rather than let
	// the first `nix develop` find out.
	script := filepath.Join(out, filepath.FromSlash(plan.Claudebox.Script))
	if _, err := os.Stat(script); err != nil {
		fmt.Fprintf(s.ErrOut, "flakectl: warning: %s does not exist; the flake will not evaluate without it\n", script)
	}
	return nil
}
