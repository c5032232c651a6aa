// Package cli is what the repository's commands (flakectl, devbox) share:
// their streams, exit codes, one-line errors, and a run that never panics.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes. They are part of every command's interface: scripts branch on them.
const (
	ExitOK       = 0 // success, or nothing to do
	ExitFailure  = 1 // findings, or work that failed
	ExitBadInput = 2 // usage error or bad input
)

// Streams is where a command reads and writes: data to Out, status and
// errors to ErrOut. Tests pass buffers; main passes the process's streams.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// SystemStreams are the process's standard streams.
func SystemStreams() *Streams {
	return &Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// ExitError carries an exit code through cobra. An empty Msg means the
// command has already said everything (e.g. findings were printed) and exits
// quietly with Code.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// UsageErrorf reports bad flags, arguments or input: exit 2.
func UsageErrorf(format string, a ...any) error {
	return &ExitError{Code: ExitBadInput, Msg: fmt.Sprintf(format, a...)}
}

// Failf reports work that failed: exit 1.
func Failf(format string, a ...any) error {
	return &ExitError{Code: ExitFailure, Msg: fmt.Sprintf(format, a...)}
}

// Setup makes root print through s, leave errors to Run, and report bad
// flags as usage errors that name the command's --help.
func Setup(root *cobra.Command, s *Streams) {
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
}

// Run builds the command tree of the program name, executes it with args
// and returns the process exit code. Errors become one line "NAME: message"
// on s.ErrOut; it never panics: an internal error becomes one line and exit 1.
func Run(name string, newRoot func() *cobra.Command, args []string, s *Streams) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.ErrOut, "%s: internal error: %v (this is a bug; please report it)\n", name, r)
			code = ExitFailure
		}
	}()
	root := newRoot()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Msg != "" {
			fmt.Fprintf(s.ErrOut, "%s: %s\n", name, OneLine(ee.Msg))
		}
		return ee.Code
	}
	msg := err.Error()
	// cobra's own argument and command errors are usage errors.
	if isCobraUsageError(msg) {
		fmt.Fprintf(s.ErrOut, "%s: %s (see '%s --help')\n", name, OneLine(msg), name)
		return ExitBadInput
	}
	fmt.Fprintf(s.ErrOut, "%s: %s\n", name, OneLine(msg))
	return ExitFailure
}

func isCobraUsageError(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag", "invalid choice"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// OneLine keeps an error to the single line the interface promises.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
