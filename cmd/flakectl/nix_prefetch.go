package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/nix-community/go-nix/pkg/nixhash"
	"github.com/spf13/cobra"

	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/nar"
)

func init() {
	nixSubcommands = append(nixSubcommands, newNixPrefetchCmd)
}

type nixPrefetchOptions struct {
	ref      string
	json     bool
	maxBytes int64
	apiURL   string
	// apiURLSet: --api-url was given, and wins over a host= in REF.
	apiURLSet bool
}

func newNixPrefetchCmd(s *streams) *cobra.Command {
	opts := &nixPrefetchOptions{}
	cmd := &cobra.Command{
		Use:   "prefetch REF",
		Short: "Compute a flake input's narHash and store path, as `nix flake prefetch` does",
		Long: `Compute what 'nix flake prefetch REF' computes for a flake input (its NAR hash,
its store path and its locked reference) without Nix and without writing
anything to disk: a tarball is unpacked in memory (bounded by --max-size)
and hashed there. A ?narHash= in REF is checked, as Nix checks it.

REF is a local tarball, file:///x.tar.gz (also .tgz, .tar, .tar.bz2), a
local directory, path:/dir, or github:OWNER/REPO[/REF-OR-REV][?dir=…], fetched
as Nix 2.8 fetches it: GET /repos/OWNER/REPO/commits/REF (HEAD by default)
unless a rev is given, then the tarball of that commit. The token, if any,
comes from GITHUB_TOKEN; --api-url points at GitHub Enterprise Server
(https://HOST/api/v3/). A ?host=HOST reference is fetched from
https://api.HOST/, where Nix 2.8 fetches it, with GH_ENTERPRISE_TOKEN.

The text output is the line Nix 2.8 prints (on stderr; flakectl prints it on
stdout). --json prints what 'nix flake prefetch --json' prints on Nix 2.8:
{"hash":…,"storePath":…}.

Archives are refused, with exit code 2, when they hold absolute or '..'
paths, entries that pass through a symlink, hard links to anything but an
earlier file of the archive, devices or fifos, other than exactly one
top-level entry, or more file bytes than --max-size. Symlink targets are kept
verbatim, whatever they point at, as Nix keeps them.

` + exitCodeHelp,
		Example: `  # The narHash of a tarball, as Nix would lock it
  flakectl nix prefetch file:///tmp/src.tar.gz

  # The same, for scripts
  flakectl nix prefetch --json file:///tmp/src.tar.gz | jq -r .hash

  # A local directory
  flakectl nix prefetch path:/home/me/project

  # A GitHub repository at a tag
  GITHUB_TOKEN=… flakectl nix prefetch github:system1/devbox/v1.2.0`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ref = args[0]
			opts.apiURLSet = cmd.Flags().Changed("api-url")
			return nixPrefetchRun(s, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, `print {"hash":…,"storePath":…} as nix flake prefetch --json does`)
	cmd.Flags().Int64Var(&opts.maxBytes, "max-size", nar.DefaultMaxBytes, "refuse a tarball whose files hold more than this many bytes in total")
	cmd.Flags().StringVar(&opts.apiURL, "api-url", githubapi.DefaultAPIURL, "GitHub API base URL, for github: references")
	return cmd
}

func nixPrefetchRun(s *streams, opts *nixPrefetchOptions) error {
	ref, err := flakeref.Parse(opts.ref)
	if err != nil {
		return badInputf("%v", err)
	}
	var (
		hash   *nixhash.Hash
		locked flakeref.Ref
	)
	switch ref.Type {
	case flakeref.TypeTarball:
		path, err := localTarball(ref)
		if err != nil {
			return badInputf("%v", err)
		}
		f, err := os.Open(path)
		if err != nil {
			return badInputf("%v", err)
		}
		defer f.Close()
		hash, err = nar.HashTarball(f, nar.Limits{MaxBytes: opts.maxBytes})
		if err != nil {
			return badInputf("tarball '%s': %v", ref.URL(), err)
		}
		locked = ref
	case flakeref.TypePath:
		if !strings.HasPrefix(opts.ref, "path:") {
			// Nix fetches a bare path inside a git repository as
			// git+file: (tracked files only) and wants a flake.nix.
			return badInputf("flake reference '%s': bare paths are not supported yet; write path:%s", opts.ref, opts.ref)
		}
		for _, a := range ref.Ordered() {
			if a.Name != "path" && a.Name != "type" {
				return badInputf("flake reference '%s': the %s parameter of path: references is not supported yet", opts.ref, a.Name)
			}
		}
		h, mtime, err := nar.HashPathModTime(ref.Path(), nixhash.SHA256)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, nar.ErrUnsupported) {
				return badInputf("%v", err)
			}
			return err
		}
		hash, locked = h, ref.With("lastModified", mtime.Unix())
	case flakeref.TypeGitHub:
		var err error
		hash, locked, err = prefetchGitHub(ref, opts)
		if err != nil {
			return err
		}
	case flakeref.TypeGitLab, flakeref.TypeSourceHut:
		return badInputf("flake reference '%s': %s: references are not supported yet", opts.ref, ref.Type)
	default:
		return badInputf("flake reference '%s': %s references are not supported (use path:/dir or file:///x.tar.gz)", opts.ref, ref.Type)
	}
	sri := hash.Format(nixhash.SRI, true)
	if want := ref.NarHash(); want != "" && want != sri {
		// Nix's own words for it.
		return badInputf("NAR hash mismatch in input '%s', expected '%s', got '%s'", ref, want, sri)
	}
	storePath, err := nar.SourceStorePath(hash)
	if err != nil {
		return err
	}
	if opts.json {
		enc := json.NewEncoder(s.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Hash      string `json:"hash"`
			StorePath string `json:"storePath"`
		}{sri, storePath})
	}
	locked = locked.With("narHash", sri)
	fmt.Fprintf(s.Out, "Downloaded '%s' to '%s' (hash '%s').\n", locked, storePath, sri)
	return nil
}

// prefetchGitHub fetches a github: input as Nix 2.8 does (githubapi.Prefetch:
// the commit of the ref, HEAD when none, unless a rev is given, then that
// commit's tarball) and returns its hash and locked reference.
//
// For a host= input Nix 2.8 asks https://api.HOST/ (not HOST/api/v3, as
// GitHub Enterprise Server serves its API; newer Nix does that), so that is
// the default API URL there, with the token from GH_ENTERPRISE_TOKEN: a
// github.com token is never sent to another host.
func prefetchGitHub(ref flakeref.Ref, opts *nixPrefetchOptions) (*nixhash.Hash, flakeref.Ref, error) {
	apiURL := opts.apiURL
	token, err := githubapi.TokenFromEnv("")
	if err != nil {
		return nil, ref, badInputf("%v", err)
	}
	if host := ref.Host(); host != "" && host != "github.com" && !opts.apiURLSet {
		apiURL = "https://api." + host + "/"
		token = os.Getenv("GH_ENTERPRISE_TOKEN")
	}
	client, err := githubapi.New(githubapi.Config{APIURL: apiURL, Token: token})
	if err != nil {
		return nil, ref, badInputf("%v", err)
	}
	rev := ref.Rev()
	if rev == "" {
		rev = ref.Ref()
	}
	src, err := client.Prefetch(context.Background(), ref.Owner(), ref.Repo(), rev, nar.Limits{MaxBytes: opts.maxBytes})
	if err != nil {
		return nil, ref, err
	}
	locked, err := ref.LockedGitArchive(src.Rev, src.NarHash.Format(nixhash.SRI, true), src.LastModified.Unix())
	if err != nil {
		return nil, ref, err
	}
	return src.NarHash, locked, nil
}

// localTarball returns the file a tarball reference names; only file: URLs
// are fetched for now.
func localTarball(ref flakeref.Ref) (string, error) {
	u, err := url.Parse(ref.URL())
	if err != nil {
		return "", fmt.Errorf("flake reference '%s': %v", ref, err)
	}
	switch {
	case u.Scheme != "file":
		return "", fmt.Errorf("flake reference '%s': fetching over the network is not supported yet", ref)
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("flake reference '%s': a file: URL must name a local file", ref)
	case strings.HasSuffix(u.Path, ".zip"), strings.HasSuffix(u.Path, ".tar.xz"), strings.HasSuffix(u.Path, ".tar.zst"):
		return "", fmt.Errorf("flake reference '%s': zip, xz and zstd archives are not supported yet", ref)
	}
	return u.Path, nil
}
