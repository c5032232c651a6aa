package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/nix-community/go-nix/pkg/nixhash"
	"github.com/spf13/cobra"

	"github.com/system1/devbox/nix/nar"
)

func init() {
	nixSubcommands = append(nixSubcommands, newNixPrefetchCmd)
}

type nixPrefetchOptions struct {
	ref      string
	json     bool
	maxBytes int64
}

func newNixPrefetchCmd(s *streams) *cobra.Command {
	opts := &nixPrefetchOptions{}
	cmd := &cobra.Command{
		Use:   "prefetch REF",
		Short: "Compute a flake input's narHash and store path, as `nix flake prefetch` does",
		Long: `Compute what 'nix flake prefetch REF' computes for a flake input (its NAR hash,
its store path and its locked reference) without Nix and without writing
anything to disk. The tarball is hashed as it streams in memory.

REF is a local tarball, file:///x.tar.gz (also .tgz, .tar, .tar.bz2), or a
local directory, path:/dir. github: references are not supported yet.

The text output is the line Nix 2.8 prints (on stderr; flakectl prints it on
stdout). --json prints what 'nix flake prefetch --json' prints on Nix 2.8:
{"hash":…,"storePath":…}.

Archives are refused, with exit code 2, when they hold absolute or '..'
paths, entries that pass through a symlink, hard links to anything but an
earlier file of the archive, devices or fifos, other than exactly one
top-level entry, or more file bytes than --max-size. Symlink targets are kept
verbatim, whatever they point at, as Nix keeps them.`,
		Example: `  # The narHash of a tarball, as Nix would lock it
  flakectl nix prefetch file:///tmp/src.tar.gz

  # The same, for scripts
  flakectl nix prefetch --json file:///tmp/src.tar.gz | jq -r .hash

  # A local directory
  flakectl nix prefetch path:/home/me/project`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ref = args[0]
			return nixPrefetchRun(s, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, `print {"hash":…,"storePath":…} as nix flake prefetch --json does`)
	cmd.Flags().Int64Var(&opts.maxBytes, "max-size", nar.DefaultMaxBytes, "refuse a tarball whose files hold more than this many bytes in total")
	return cmd
}

func nixPrefetchRun(s *streams, opts *nixPrefetchOptions) error {
	ref, err := parsePrefetchRef(opts.ref)
	if err != nil {
		return badInputf("%v", err)
	}
	var (
		hash    *nixhash.Hash
		lockedQ = ref.query
	)
	switch ref.kind {
	case refTarball:
		f, err := os.Open(ref.localPath)
		if err != nil {
			return badInputf("%v", err)
		}
		defer f.Close()
		hash, err = nar.HashTarball(f, nar.Limits{MaxBytes: opts.maxBytes})
		if err != nil {
			return badInputf("tarball '%s': %v", opts.ref, err)
		}
	case refPath:
		var mtime int64
		h, t, err := nar.HashPathModTime(ref.localPath, nixhash.SHA256)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, nar.ErrUnsupported) {
				return badInputf("%v", err)
			}
			return err
		}
		hash, mtime = h, t.Unix()
		lockedQ["lastModified"] = strconv.FormatInt(mtime, 10)
	}
	storePath, err := nar.SourceStorePath(hash)
	if err != nil {
		return err
	}
	sri := hash.Format(nixhash.SRI, true)
	if opts.json {
		enc := json.NewEncoder(s.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Hash      string `json:"hash"`
			StorePath string `json:"storePath"`
		}{sri, storePath})
	}
	lockedQ["narHash"] = sri
	fmt.Fprintf(s.Out, "Downloaded '%s' to '%s' (hash '%s').\n", ref.urlWithQuery(lockedQ), storePath, sri)
	return nil
}

// prefetchRef is the little of a flake reference that prefetch needs. It is
// kept apart so that it can give way to nix/flakeref once that lands.
type prefetchRef struct {
	kind      refKind
	base      string            // the reference up to its query, printed verbatim as Nix does
	localPath string            // the file or directory to read
	query     map[string]string // decoded query parameters
}

type refKind int

const (
	refTarball refKind = iota
	refPath
)

// tarballSuffixes are the file names Nix 2.8 takes for a tarball input.
var tarballSuffixes = []string{".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"}

func parsePrefetchRef(s string) (*prefetchRef, error) {
	rest, fragment, hasFragment := strings.Cut(s, "#")
	if hasFragment {
		return nil, fmt.Errorf("unexpected fragment '%s' in flake reference '%s'", fragment, s)
	}
	base, rawQuery, _ := strings.Cut(rest, "?")
	query, err := decodeQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("flake reference '%s': %v", s, err)
	}
	scheme, _, _ := strings.Cut(base, ":")
	ref := &prefetchRef{base: base, query: query}
	switch scheme {
	case "path":
		ref.kind, ref.localPath = refPath, strings.TrimPrefix(base, "path:")
		if len(query) > 0 {
			return nil, fmt.Errorf("flake reference '%s': query parameters on path: references are not supported yet", s)
		}
		if ref.localPath == "" {
			return nil, fmt.Errorf("flake reference '%s' has no path", s)
		}
		return ref, nil
	case "file", "http", "https":
		if !hasAnySuffix(base, tarballSuffixes) {
			return nil, fmt.Errorf("flake reference '%s': only tarballs (%s) are supported", s, strings.Join(tarballSuffixes, ", "))
		}
		if scheme != "file" {
			return nil, fmt.Errorf("flake reference '%s': fetching over the network is not supported yet", s)
		}
		u, err := url.Parse(base)
		if err != nil {
			return nil, fmt.Errorf("flake reference '%s': %v", s, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("flake reference '%s': a file: URL must name a local file", s)
		}
		if strings.HasSuffix(base, ".zip") || strings.HasSuffix(base, ".tar.xz") || strings.HasSuffix(base, ".tar.zst") {
			return nil, fmt.Errorf("flake reference '%s': zip, xz and zstd archives are not supported yet", s)
		}
		ref.kind, ref.localPath = refTarball, u.Path
		return ref, nil
	case "github", "gitlab", "sourcehut", "git+https", "git+ssh", "git+file", "git+http", "git", "flake":
		return nil, fmt.Errorf("flake reference '%s': %s: references are not supported yet", s, scheme)
	}
	return nil, fmt.Errorf("flake reference '%s' is not supported (use path:/dir or file:///x.tar.gz)", s)
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// decodeQuery reads a URL query as Nix does: name=value pairs split on '&',
// both percent-decoded.
func decodeQuery(raw string) (map[string]string, error) {
	q := map[string]string{}
	if raw == "" {
		return q, nil
	}
	for _, kv := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		dk, err := url.PathUnescape(k)
		if err != nil {
			return nil, err
		}
		dv, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		if _, dup := q[dk]; !dup {
			q[dk] = dv
		}
	}
	return q, nil
}

// urlWithQuery prints the reference with query q as Nix's ParsedURL does:
// parameters sorted by name, each percent-encoded.
func (r *prefetchRef) urlWithQuery(q map[string]string) string {
	if len(q) == 0 {
		return r.base
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(r.base)
	for i, k := range names {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(nixPercentEncode(k))
		b.WriteByte('=')
		b.WriteString(nixPercentEncode(q[k]))
	}
	return b.String()
}

// nixPercentEncode is Nix 2.8's percentEncode: it keeps letters, digits and
// -._~!$&'()*+,;=:@ and writes every other byte as lowercase %xx.
func nixPercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}
