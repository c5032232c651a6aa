package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newAttachCmd(s *streams) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "attach NAME [-- COMMAND [ARG...]]",
		Short: "Open a shell in a devbox's workspace, inside nix develop",
		Long: `Open an interactive shell in ~/workspace inside the repository's nix develop
shell, with GITHUB_TOKEN set from the token file for gh (the token is read
inside the container: it is in no command line and no exec's environment).
With a COMMAND after --, run it there instead (nix develop -c COMMAND) and exit
with its exit code. A terminal is allocated when standard input and output are
terminals. A stopped devbox is started first; one still starting is waited for.`,
		Example: `  devbox attach myapp
  devbox attach myapp -- make test
  devbox attach myapp -- gh pr list`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 1 || (dash < 0 && len(args) > 1) {
				return usageErrorf("attach takes one NAME; put the command after --: devbox attach %s -- %s", args[0], args[1])
			}
			return attachRun(cmd.Context(), s, args[0], args[1:], timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 15*time.Minute, "how long to wait for a devbox that is starting to get ready")
	return cmd
}

func attachRun(ctx context.Context, s *streams, name string, command []string, timeout time.Duration) error {
	return withBox(ctx, name, func(ctx context.Context, e *engine, c container.InspectResponse) error {
		return attach(ctx, s, e, c, name, command, timeout)
	})
}

// attach starts devbox name (container c) if need be, waits until it is
// ready, and runs command (or a shell) in its workspace.
func attach(ctx context.Context, s *streams, e *engine, c container.InspectResponse, name string, command []string, timeout time.Duration) error {
	switch {
	case c.State == nil || !c.State.Running:
		fmt.Fprintf(s.ErrOut, "devbox: starting %s (%s)\n", name, describeState(c.State))
		since := time.Now()
		if _, err := e.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
			return failf("cannot start %s: %v", name, err)
		}
		if err := waitReady(ctx, s, e, name, c.ID, since, timeout); err != nil {
			return err
		}
	case !isReady(ctx, e, c.ID, c.State):
		// Still cloning (a create running elsewhere, or a restart).
		fmt.Fprintf(s.ErrOut, "devbox: waiting for %s to get ready\n", name)
		if err := waitReady(ctx, s, e, name, c.ID, time.Now(), timeout); err != nil {
			return err
		}
	}

	inFile, inIsFile := s.In.(*os.File)
	outFile, outIsFile := s.Out.(*os.File)
	tty := inIsFile && outIsFile && term.IsTerminal(int(inFile.Fd())) && term.IsTerminal(int(outFile.Fd()))
	// The entrypoint in attach mode reads the token file and enters the dev
	// shell in the workspace (image/entrypoint.sh, DEVBOX_ATTACH).
	execOpts := client.ExecCreateOptions{
		Cmd:          append([]string{entrypointPath}, command...),
		Env:          []string{"DEVBOX_ATTACH=1"},
		TTY:          tty,
		AttachStdin:  true,
		AttachStdout: true,
		AttachStderr: true,
	}
	var size client.ConsoleSize
	if tty {
		if w, h, err := term.GetSize(int(outFile.Fd())); err == nil {
			size = client.ConsoleSize{Height: uint(h), Width: uint(w)}
		}
		execOpts.ConsoleSize = size
		if t := os.Getenv("TERM"); t != "" {
			execOpts.Env = append(execOpts.Env, "TERM="+t)
		}
	}
	ex, err := e.ExecCreate(ctx, c.ID, execOpts)
	if err != nil {
		return failf("cannot run a shell in %s: %v", name, err)
	}
	hj, err := e.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{TTY: tty, ConsoleSize: size})
	if err != nil {
		return failf("cannot attach to %s: %v", name, err)
	}
	defer hj.Close()

	if tty {
		old, err := term.MakeRaw(int(inFile.Fd()))
		if err != nil {
			return failf("cannot put the terminal in raw mode: %v", err)
		}
		defer term.Restore(int(inFile.Fd()), old)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				if w, h, err := term.GetSize(int(outFile.Fd())); err == nil {
					_, _ = e.ExecResize(ctx, ex.ID, client.ExecResizeOptions{Height: uint(h), Width: uint(w)})
				}
			}
		}()
	}

	go func() {
		_, _ = io.Copy(hj.Conn, s.In)
		_ = hj.CloseWrite()
	}()
	if tty {
		_, err = io.Copy(s.Out, hj.Reader)
	} else {
		_, err = stdcopy.StdCopy(s.Out, s.ErrOut, hj.Reader)
	}
	if err != nil && ctx.Err() == nil {
		return failf("the connection to %s broke: %v", name, err)
	}
	// The stream can end a moment before the engine records the exit code.
	var res client.ExecInspectResult
	for i := 0; ; i++ {
		res, err = e.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return failf("cannot read the exit code of the shell in %s: %v", name, err)
		}
		if !res.Running || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res.ExitCode != 0 {
		return &exitError{Code: res.ExitCode}
	}
	return nil
}
