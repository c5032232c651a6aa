package main

import (
	"github.com/spf13/cobra"
	"github.com/system1/devbox/internal/cli"
)

// Exit codes are internal/cli's, as flakectl's; attach exits with the
// shell's or command's own code.
const exitCodeHelp = `Exit codes:
  0  success
  1  the work failed: Docker unreachable, image missing, name in use,
     no such devbox, the container failed to start
  2  usage error or bad input
  attach exits with the shell's (or the command's) exit code`

type (
	streams   = cli.Streams
	exitError = cli.ExitError
)

func systemStreams() *streams { return cli.SystemStreams() }

// usageErrorf reports bad flags, arguments or input: exit 2.
func usageErrorf(format string, a ...any) error { return cli.UsageErrorf(format, a...) }

// failf reports work that failed: exit 1.
func failf(format string, a ...any) error { return cli.Failf(format, a...) }

// run executes devbox with args and returns the process exit code. It never
// panics: an internal error becomes one line on stderr and exit 1.
func run(args []string, s *streams) int {
	return cli.Run("devbox", func() *cobra.Command { return newRootCmd(s) }, args, s)
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
	}
	cli.Setup(root, s)
	root.AddCommand(newInitCmd(s), newCreateCmd(s), newAttachCmd(s), newListCmd(s),
		newStopCmd(s), newRmCmd(s), newLogsCmd(s))
	return root
}
