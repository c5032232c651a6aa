package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/nix/syntax"
)

func init() { nixSubcommands = append(nixSubcommands, newNixParseCmd) }

type nixParseOptions struct {
	check bool
	files []string
}

func newNixParseCmd(s *streams) *cobra.Command {
	opts := &nixParseOptions{}
	cmd := &cobra.Command{
		Use:   "parse [--check] FILE|-...",
		Short: "Parse Nix files and print their syntax trees as nix-instantiate --parse does",
		Long: `Parse each Nix file and print its syntax tree in the format of current Nix's
'nix-instantiate --parse': operators as builtin calls, attribute paths merged,
attributes and formals sorted, paths made absolute. '-' reads standard input
(relative paths then resolve against the current directory).

Syntax errors are printed as FILE:LINE:COL: message, at the line and column
Nix reports. With --check nothing else is printed: a fast syntax check for
pre-commit hooks and CI. Nothing is evaluated, so undefined variables are not
errors.

Exit codes:
  0  every file parsed
  1  a file has a syntax error
  2  usage error, or a file cannot be read`,
		Example: `  # Print the syntax tree of a flake
  flakectl nix parse flake.nix

  # Check every tracked Nix file, printing only errors
  flakectl nix parse --check $(git ls-files '*.nix')

  # Parse standard input
  echo '{ a.b = 1; a.c = 2; }' | flakectl nix parse -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("nix parse: no files given (use - for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return nixParseRun(s, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.check, "check", false, "print only syntax errors")
	return cmd
}

func nixParseRun(s *streams, opts *nixParseOptions) error {
	// Parsing allocates one object per syntax node and keeps little: trade
	// some memory (tens of MB for thousands of files) for less GC time.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	out := bufio.NewWriterSize(s.Out, 64<<10)
	defer out.Flush()
	home, _ := os.UserHomeDir()
	failed := false
	for _, name := range opts.files {
		src, baseDir, err := readNixSource(name, s.In)
		if err != nil {
			out.Flush()
			return badInputf("%v", err)
		}
		_, x, err := syntax.ParseFile(name, src)
		if err != nil {
			failed = true
			out.Flush()
			var list syntax.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					fmt.Fprintln(s.ErrOut, e.Error())
				}
			} else {
				fmt.Fprintln(s.ErrOut, err)
			}
			continue
		}
		if opts.check {
			continue
		}
		if err := syntax.Fprint(out, x, syntax.PrintConfig{BaseDir: baseDir, Home: home}); err != nil {
			return err
		}
		out.WriteByte('\n')
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

// readNixSource reads a file the way nix-instantiate does: symlinks are
// followed, a directory means its default.nix, and relative paths in the
// file resolve against the directory of the file finally read.
func readNixSource(name string, stdin io.Reader) (src []byte, baseDir string, err error) {
	if name == "-" {
		src, err = io.ReadAll(stdin)
		if err != nil {
			return nil, "", fmt.Errorf("reading standard input: %v", err)
		}
		wd, err := os.Getwd()
		return src, wd, err
	}
	path, err := filepath.Abs(name)
	if err != nil {
		return nil, "", err
	}
	for i := 0; ; i++ {
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, "", fmt.Errorf("cannot read %s: %v", name, unwrapPathError(err))
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if i > 40 {
				return nil, "", fmt.Errorf("cannot read %s: too many levels of symbolic links", name)
			}
			target, err := os.Readlink(path)
			if err != nil {
				return nil, "", fmt.Errorf("cannot read %s: %v", name, unwrapPathError(err))
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(path), target)
			}
			path = target
			continue
		}
		if fi.IsDir() {
			path = filepath.Join(path, "default.nix")
			continue
		}
		break
	}
	src, err = os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("cannot read %s: %v", name, unwrapPathError(err))
	}
	return src, filepath.Dir(path), nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
