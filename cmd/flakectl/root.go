package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes. They are part of the interface: scripts and CI branch on them.
const (
	exitOK       = 0 // success, or nothing to do
	exitFailure  = 1 // findings, or work that failed
	exitBadInput = 2 // usage error or bad input
)

const exitCodeHelp = `Exit codes:
  0  success
  1  findings (lint, --check) or work that failed
  2  usage error or bad input`

// streams is where every command reads and writes: data to Out, status and
// errors to ErrOut. Tests pass buffers; main passes the process's streams.
type streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

func systemStreams() *streams {
	return &streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// exitError carries an exit code through cobra. An empty msg means the command
// has already said everything (e.g. findings were printed) and exits quietly.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf reports bad flags, arguments or input: exit 2.
func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitBadInput, msg: fmt.Sprintf(format, a...)}
}

// badInputf reports input that cannot be processed (unreadable or malformed
// files): exit 2.
func badInputf(format string, a ...any) error {
	return &exitError{code: exitBadInput, msg: fmt.Sprintf(format, a...)}
}

// errSilentFailure exits 1 after the command has printed its findings.
var errSilentFailure = &exitError{code: exitFailure}

// run executes flakectl with args and returns the process exit code. It never
// panics: an internal error becomes one line on stderr and exit 1.
func run(args []string, s *streams) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.ErrOut, "flakectl: internal error: %v (this is a bug; please report it)\n", r)
			code = exitFailure
		}
	}()
	root := newRootCmd(s)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(s.ErrOut, "flakectl: %s\n", oneLine(ee.msg))
		}
		return ee.code
	}
	msg := err.Error()
	// cobra's own argument and command errors are usage errors.
	if isCobraUsageError(msg) {
		fmt.Fprintf(s.ErrOut, "flakectl: %s (see 'flakectl --help')\n", oneLine(msg))
		return exitBadInput
	}
	fmt.Fprintf(s.ErrOut, "flakectl: %s\n", oneLine(msg))
	return exitFailure
}

func isCobraUsageError(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag", "invalid choice"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// oneLine keeps an error to the single line the interface promises.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
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
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
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
