package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes. They are part of the interface: scripts branch on them. attach
// exits with the shell's or command's own code instead.
const (
	exitOK       = 0 // success
	exitFailure  = 1 // the engine refused or failed, the container failed to start, no such devbox
	exitBadInput = 2 // usage error or bad input (name, repository, port, token)
)

const exitCodeHelp = `Exit codes:
  0  success
  1  the work failed: Docker unreachable, image missing, name in use,
     no such devbox, the container failed to start
  2  usage error or bad input
  attach exits with the shell's (or the command's) exit code`

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
// has already said everything and exits quietly with code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf reports bad flags, arguments or input: exit 2.
func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitBadInput, msg: fmt.Sprintf(format, a...)}
}

// failf reports work that failed: exit 1.
func failf(format string, a ...any) error {
	return &exitError{code: exitFailure, msg: fmt.Sprintf(format, a...)}
}

// run executes devbox with args and returns the process exit code. It never
// panics: an internal error becomes one line on stderr and exit 1.
func run(args []string, s *streams) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.ErrOut, "devbox: internal error: %v (this is a bug; please report it)\n", r)
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
			fmt.Fprintf(s.ErrOut, "devbox: %s\n", oneLine(ee.msg))
		}
		return ee.code
	}
	msg := err.Error()
	if isCobraUsageError(msg) {
		fmt.Fprintf(s.ErrOut, "devbox: %s (see 'devbox --help')\n", oneLine(msg))
		return exitBadInput
	}
	fmt.Fprintf(s.ErrOut, "devbox: %s\n", oneLine(msg))
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
	return strings.Join(strings.Fields(s), " ")
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "devbox",
		Short: "Create and use devbox containers: your repository in its Nix dev shell",
		Long: `devbox runs the devbox image (image/ in github.com/system1/devbox) as one
container per repository: the container clones OWNER/REPO with your GitHub
token and keeps its 'nix develop' shell ready for you to attach to.

It talks to the Docker Engine API: DOCKER_HOST, DOCKER_CONTEXT and the current
docker context (~/.docker/config.json) choose the engine; podman's API service
works too. Build the image first: docker build -t devbox-base:latest image/

` + exitCodeHelp,
		Example: `  devbox init                                   # Claude credentials from ~/.claude
  export GITHUB_TOKEN=github_pat_...
  devbox create myapp acme/app --port 3000:3000
  devbox attach myapp                           # a shell in ~/workspace, inside nix develop
  devbox attach myapp -- make test              # one command in the dev shell
  devbox list
  devbox stop myapp && devbox rm myapp`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(newInitCmd(s), newCreateCmd(s), newAttachCmd(s), newListCmd(s),
		newStopCmd(s), newRmCmd(s), newLogsCmd(s))
	return root
}
