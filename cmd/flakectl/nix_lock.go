package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
)

func init() {
	nixSubcommands = append(nixSubcommands, newNixLockCmd)
}

// newNixLockCmd groups the flake.lock commands.
func newNixLockCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Check, normalise and update flake.lock files as Nix writes them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newNixLockCheckCmd(s), newNixLockFmtCmd(s), newNixLockUpdateInputCmd(s))
	return cmd
}

func newNixLockCheckCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "check [FILE...]",
		Short: "Check that each flake.lock is valid and written exactly as Nix writes it",
		Long: `Read each lock file (versions 5 to 7), validate it (root, node keys,
cycles, follows paths) and compare its bytes with what Nix 2.8 would write.
A lock that is valid but not byte-identical (an old version, other node
names, other spacing) is a finding: 'nix flake lock' would rewrite it.`,
		Example: `  # In CI: fail when flake.lock is broken or not as Nix writes it
  flakectl nix lock check

  flakectl nix lock check flake.lock base-flake/flake.lock`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"flake.lock"}
			}
			findings := false
			for _, path := range args {
				l, data, err := lockRead(path)
				if err != nil {
					return err
				}
				want, err := l.Marshal()
				if err != nil {
					return badInputf("%s: %v", path, err)
				}
				if !bytes.Equal(data, want) {
					findings = true
					fmt.Fprintf(s.Out, "%s: valid (version %d) but not as Nix writes it; run flakectl nix lock fmt %s\n", path, l.Version, path)
				}
			}
			if findings {
				return errSilentFailure
			}
			return nil
		},
	}
}

func newNixLockFmtCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "fmt [FILE...]",
		Short: "Rewrite each flake.lock exactly as Nix writes it (version 7)",
		Long: `Read each lock file (versions 5 to 7) and write it back as Nix 2.8 writes
version 7: nodes renamed by Nix's rule, unreachable nodes dropped. A file
whose bytes would not change is left alone.`,
		Example: `  flakectl nix lock fmt
  flakectl nix lock fmt base-flake/flake.lock`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"flake.lock"}
			}
			for _, path := range args {
				l, _, err := lockRead(path)
				if err != nil {
					return err
				}
				if err := l.WriteFile(path); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

type nixLockUpdateOptions struct {
	file      string
	locked    string
	original  string
	inputLock string
	follows   []string
	noFollows bool
	notFlake  bool
	stdout    bool
}

func newNixLockUpdateInputCmd(s *streams) *cobra.Command {
	opts := &nixLockUpdateOptions{}
	cmd := &cobra.Command{
		Use:   "update-input INPUT",
		Short: "Re-lock one input as `nix flake lock --update-input` does, without fetching",
		Long: `Write the lock 'nix flake lock --update-input INPUT' would write, given the
input's new locked reference and, if it is a flake with inputs, its own
flake.lock at that revision: its transitive inputs are copied from that lock
(renamed by Nix's rule), the root flake's follows are kept, and nodes nothing
reaches any more are dropped.

--locked and --original take a JSON object (as in flake.lock) or a flake URL.
The root flake's follows overrides on inputs of inputs are taken from the old
lock unless given with --follows (or --no-follows when there are none).`,
		Example: `  # devbox moved to a new commit; its own lock comes from that commit
  flakectl nix lock update-input devbox \
    --locked '{"type":"github","owner":"system1","repo":"devbox","dir":"base-flake",
               "rev":"…","narHash":"sha256-…","lastModified":1700000000}' \
    --input-lock /tmp/devbox/base-flake/flake.lock \
    --follows devbox/nixpkgs=nixpkgs`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return nixLockUpdateRun(s, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.file, "file", "flake.lock", "the lock file to update")
	f.StringVar(&opts.locked, "locked", "", "the input's new locked reference (JSON object or flake URL; required)")
	f.StringVar(&opts.original, "original", "", "the input's declared reference, if it changed (JSON object or flake URL)")
	f.StringVar(&opts.inputLock, "input-lock", "", "the input's own flake.lock at the new revision")
	f.StringArrayVar(&opts.follows, "follows", nil, "a follows the root flake declares, as INPUT/PATH=TARGET/PATH (repeatable)")
	f.BoolVar(&opts.noFollows, "no-follows", false, "the root flake declares no follows on inputs of inputs")
	f.BoolVar(&opts.notFlake, "not-flake", false, "a new input is declared with flake = false")
	f.BoolVar(&opts.stdout, "stdout", false, "print the new lock instead of writing the file")
	return cmd
}

func nixLockUpdateRun(s *streams, opts *nixLockUpdateOptions, input string) error {
	if opts.locked == "" {
		return usageErrorf("--locked is required (the input's new locked reference)")
	}
	l, _, err := lockRead(opts.file)
	if err != nil {
		return err
	}
	u := lockfile.Update{Input: strings.Split(input, "/"), NotFlake: opts.notFlake}
	if u.Locked, err = lockAttrsArg("--locked", opts.locked); err != nil {
		return err
	}
	if opts.original != "" {
		if u.Original, err = lockAttrsArg("--original", opts.original); err != nil {
			return err
		}
	}
	if opts.inputLock != "" {
		if u.Lock, _, err = lockRead(opts.inputLock); err != nil {
			return err
		}
	}
	u.FollowsKnown = opts.noFollows || len(opts.follows) > 0
	for _, f := range opts.follows {
		from, to, ok := strings.Cut(f, "=")
		if !ok || from == "" {
			return usageErrorf("--follows %q: want INPUT/PATH=TARGET/PATH, e.g. devbox/nixpkgs=nixpkgs", f)
		}
		target := []string{}
		if to != "" {
			target = strings.Split(to, "/")
		}
		u.Follows = append(u.Follows, lockfile.Follows{Input: strings.Split(from, "/"), Target: target})
	}
	updated, err := l.Relock(u)
	if err != nil {
		return badInputf("%s: %v", opts.file, err)
	}
	if opts.stdout {
		data, err := updated.Marshal()
		if err != nil {
			return err
		}
		_, err = s.Out.Write(data)
		return err
	}
	return updated.WriteFile(opts.file)
}

// lockRead reads and validates a lock file; a missing or malformed file is
// bad input (exit 2).
func lockRead(path string) (*lockfile.LockFile, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, badInputf("%s does not exist (run nix flake lock to create it)", path)
		}
		return nil, nil, badInputf("%v", err)
	}
	l, err := lockfile.Read(data)
	if err != nil {
		return nil, nil, badInputf("%s: %v", path, err)
	}
	return l, data, nil
}

// lockAttrsArg reads a reference given as a JSON object or a flake URL.
func lockAttrsArg(flag, v string) (flakeref.Attrs, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "{") {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, usageErrorf("%s: not a JSON object: %v", flag, err)
		}
		r, err := flakeref.FromAttrs(m)
		if err != nil {
			return nil, usageErrorf("%s: %v", flag, err)
		}
		return r.Ordered(), nil
	}
	r, err := flakeref.Parse(v)
	if err != nil {
		return nil, usageErrorf("%s: %v", flag, err)
	}
	return r.Ordered(), nil
}
