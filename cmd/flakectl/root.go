package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/system1/devbox/internal/cli"
)

// Exit codes, streams and one-line errors are internal/cli's, shared with
// cmd/devbox; these names keep this package's code short.
const (
	exitOK       = cli.ExitOK       // success, or nothing to do
	exitFailure  = cli.ExitFailure  // findings, or work that failed
	exitBadInput = cli.ExitBadInput // usage error or bad input
)

const exitCodeHelp = `Exit codes:
  0  success
  1  findings (lint, --check) or work that failed
  2  usage error or bad input`

type (
	streams   = cli.Streams
	exitError = cli.ExitError
)

func systemStreams() *streams { return cli.SystemStreams() }

// usageErrorf reports bad flags, arguments or input: exit 2.
func usageErrorf(format string, a ...any) error { return cli.UsageErrorf(format, a...) }

// badInputf reports input that cannot be processed (unreadable or malformed
// files): exit 2.
func badInputf(format string, a ...any) error { return cli.UsageErrorf(format, a...) }

func oneLine(s string) string { return cli.OneLine(s) }

// errSilentFailure exits 1 after the command has printed its findings.
var errSilentFailure = &exitError{Code: exitFailure}

// run executes flakectl with args and returns the process exit code. It never
// panics: an internal error becomes one line on stderr and exit 1.
func run(args []string, s *streams) int {
	return cli.Run("flakectl", func() *cobra.Command { return newRootCmd(s) }, args, s)
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "flakectl",
		Short: "Render, lint and bump the Nix flakes of the devbox platform",
		Long: `flakectl renders the devbox base flake and project flakes, lints repositories
for missing, broken or drifting flake.nix/flake.lock, bumps the devbox input
across a GitHub organisation with one pull request per repository, and computes
what Nix computes (parse trees, NAR hashes, flake.lock bytes) without needing Nix.

` + exitCodeHelp,
		Example: `  # Start a product repository on the platform, then lint it
  flakectl init --package nodejs && flakectl lint

  # What a bump to the latest base flake would change across the organisation
  flakectl bump --org acme --dry-run

  # Print the syntax tree of a Nix file, as nix-instantiate --parse does
  flakectl nix parse flake.nix

  # Fast syntax check of every flake.nix in a tree (for pre-commit hooks)
  flakectl nix parse --check $(git ls-files '*.nix')

  # Shell completion
  source <(flakectl completion bash)`,
	}
	cli.Setup(root, s)
	root.AddCommand(newVersionCmd(s), newNixCmd(s), newRenderCmd(s), newInitCmd(s), newLintCmd(s), newBumpCmd(s))
	return root
}

func newVersionCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print flakectl's version",
		Args:    cobra.NoArgs,
		Example: "  flakectl version",
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(s.Out, versionString())
			return nil
		},
	}
}

// versionString reports the module version (set by go install) and, for a
// build from a checkout, the VCS revision.
func versionString() string {
	version, rev, goVersion := "(devel)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 12 {
				rev = kv.Value[:12]
			}
		}
	}
	out := "flakectl " + version
	if rev != "" {
		out += " (" + rev + ")"
	}
	if goVersion != "" {
		out += " " + goVersion
	}
	return out
}

// newNixCmd groups the commands that compute what Nix computes.
func newNixCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nix",
		Short: "Compute what Nix computes, without Nix (parse, hash, prefetch)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	for _, add := range nixSubcommands {
		cmd.AddCommand(add(s))
	}
	return cmd
}

// nixSubcommands is filled by each nix_*.go file's init, so the commands of
// separate packages (syntax, nar, lockfile) live in separate files.
var nixSubcommands []func(*streams) *cobra.Command
