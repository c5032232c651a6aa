package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nix-community/go-nix/pkg/nixhash"
	"github.com/spf13/cobra"

	"github.com/system1/devbox/nix/nar"
)

func init() {
	nixSubcommands = append(nixSubcommands, newNixHashCmd)
}

// newNixHashCmd groups the hash commands, as `nix hash` does.
func newNixHashCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hash",
		Short: "Compute hashes as `nix hash` does",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newNixHashPathCmd(s))
	return cmd
}

type nixHashPathOptions struct {
	encoding nixhash.Encoding
	algo     string
	paths    []string
}

// encodingFlag is one of --base16/--base32/--base64/--sri: each sets the
// same variable, so the last one given wins, as in Nix.
type encodingFlag struct {
	dst *nixhash.Encoding
	val nixhash.Encoding
}

func (f *encodingFlag) String() string { return "false" }
func (f *encodingFlag) Type() string   { return "bool" }
func (f *encodingFlag) Set(s string) error {
	if s != "true" {
		return fmt.Errorf("takes no value")
	}
	*f.dst = f.val
	return nil
}

func newNixHashPathCmd(s *streams) *cobra.Command {
	opts := &nixHashPathOptions{encoding: nixhash.SRI}
	cmd := &cobra.Command{
		Use:   "path PATH...",
		Short: "Print the hash of the NAR serialisation of each path, as `nix hash path` does",
		Long: `Print the cryptographic hash of the NAR serialisation of each path, one line
each, exactly as 'nix hash path' prints it (SRI by default). A symlink given
as PATH is hashed as the symlink, unless PATH ends in a slash. Of
--base16, --base32, --base64 and --sri the last one given wins, as in Nix.

` + exitCodeHelp,
		Example: `  # The narHash Nix records for a source tree
  flakectl nix hash path ./src

  # Nix base32 sha256, as used in store paths and old-style hashes
  flakectl nix hash path --base32 ./src`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return nixHashPathRun(s, opts)
		},
	}
	for _, f := range []struct {
		name, usage string
		enc         nixhash.Encoding
	}{
		{"base16", "print the hash in base-16 format", nixhash.Base16},
		{"base32", "print the hash in base-32 (Nix-specific) format", nixhash.NixBase32},
		{"base64", "print the hash in base-64 format", nixhash.Base64},
		{"sri", "print the hash in SRI format (the default)", nixhash.SRI},
	} {
		cmd.Flags().Var(&encodingFlag{dst: &opts.encoding, val: f.enc}, f.name, f.usage)
		cmd.Flags().Lookup(f.name).NoOptDefVal = "true"
	}
	cmd.Flags().StringVar(&opts.algo, "type", "sha256", "hash algorithm: md5, sha1, sha256 or sha512")
	return cmd
}

func nixHashPathRun(s *streams, opts *nixHashPathOptions) error {
	algo, err := nixhash.ParseAlgorithm(opts.algo)
	if err != nil {
		return usageErrorf("unknown hash algorithm '%s'", opts.algo)
	}
	for _, p := range opts.paths {
		h, err := nar.HashPath(p, algo)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				// The path is the user's; say which, without Go's syscall name.
				return badInputf("cannot read %s: %v", p, unwrapPathError(err))
			}
			if errors.Is(err, nar.ErrUnsupported) {
				return badInputf("%v", err)
			}
			return err
		}
		fmt.Fprintln(s.Out, h.Format(opts.encoding, false))
	}
	return nil
}
