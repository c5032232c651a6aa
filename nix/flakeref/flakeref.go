// Package flakeref parses and prints Nix flake references in their two
// forms, the URL form (`github:NixOS/nixpkgs/nixos-24.11?dir=lib`) and the
// attribute form stored in flake.lock (`{"type":"github","owner":…}`), with
// the rules of Nix 2.8 — including its quirks, because the point is to
// produce exactly what Nix produces.
//
// Parse does no filesystem or network access: a bare path is read as a
// `path:` reference even where Nix would notice a git repository around it.
package flakeref

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Reference types, the value of the "type" attribute.
const (
	TypeGitHub    = "github"
	TypeGitLab    = "gitlab"
	TypeSourceHut = "sourcehut"
	TypeGit       = "git"
	TypePath      = "path"
	TypeTarball   = "tarball"
	TypeIndirect  = "indirect"
	TypeMercurial = "hg"
)

// Ref is a flake reference. Its attribute form is Type plus the sorted
// attributes; the URL form is computed from them by String. The zero Ref is
// not valid; get one from Parse or FromAttrs.
type Ref struct {
	// Type is one of the Type* constants.
	Type string
	// attrs holds every attribute except "type", including the flake's
	// "dir", sorted by name. Unexported so it stays sorted and valid.
	attrs Attrs
}

// Error is a malformed flake reference. Its message names the reference and
// the part that is wrong.
type Error struct {
	Ref string // the reference as given (URL form, or attributes as JSON-ish text)
	Msg string // what is wrong, and what was wanted
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid flake reference %q: %s", e.Ref, e.Msg)
}

func errorf(ref, format string, a ...any) error {
	return &Error{Ref: ref, Msg: fmt.Sprintf(format, a...)}
}

var (
	flakeIDRegex = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*$`)
	// Branch/tag names in github:, gitlab:, sourcehut: and flake: refs.
	refRegex = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_./-]*$`)
	revRegex = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	// Instance hosts of github/gitlab/sourcehut refs (Nix 2.8 allows no '-').
	hostRegex = regexp.MustCompile(`^[a-zA-Z0-9.]*$`)
	// The short indirect form: ID, ID/REF, ID/REV, ID/REF/REV.
	flakeIDRefRegex = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_-]*(?:/(?:[0-9a-fA-F]{40}|[a-zA-Z0-9][a-zA-Z0-9_./-]*(?:/[0-9a-fA-F]{40})?))?$`)
	sriRegex        = regexp.MustCompile(`^(md5|sha1|sha256|sha512)-[A-Za-z0-9+/]+=*$`)
)

// badGitRef reports whether name is not a valid git branch or tag name, by
// git's rules (refs.c), as Nix checks them for git inputs.
func badGitRef(name string) bool {
	if name == "" || name == "@" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "/") ||
		strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") {
		return true
	}
	for _, bad := range []string{"//", "/.", "..", "\\", "*", ".lock/", "@{"} {
		if strings.Contains(name, bad) {
			return true
		}
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
			strings.ContainsRune(":?^~[", c) {
			return true
		}
	}
	return false
}

// Parse reads a flake reference in URL form: github:, gitlab:, sourcehut:,
// git+https://, git+ssh://, git+http://, git+file://, git://, hg+https://
// (and hg+http, hg+ssh, hg+file), path:,
// tarball URLs (file/http/https ending in .tar.gz, .zip, …), flake:ID and
// the bare indirect form (nixpkgs, nixpkgs/nixos-24.11), and absolute paths.
func Parse(s string) (Ref, error) {
	if s == "" {
		return Ref{}, errorf(s, "empty reference (want e.g. github:OWNER/REPO, path:/DIR or nixpkgs)")
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return Ref{}, errorf(s, "unexpected fragment %q (a flake reference names a flake, not an output; drop the '#…')", s[i+1:])
	}
	if flakeIDRefRegex.MatchString(s) {
		return parseIndirect(s, s, nil)
	}
	u, isURL, err := parseURL(s)
	if err != nil {
		return Ref{}, errorf(s, "%v", err)
	}
	if !isURL {
		if strings.HasPrefix(s, "/") {
			if strings.Contains(s, "?") {
				return Ref{}, errorf(s, "a bare path takes no parameters (write %q)", "path:"+s)
			}
			return parsePathURL(s, parsedURL{scheme: "path", path: path.Clean(s)})
		}
		if strings.Contains(s, ":") {
			return Ref{}, errorf(s, "not a valid URL (check for spaces or characters that need %%-escaping)")
		}
		if strings.HasPrefix(s, ".") {
			return Ref{}, errorf(s, "relative path without a scheme (write %q)", "path:"+s)
		}
		return Ref{}, errorf(s, "not a flake ID, URL or absolute path (want e.g. github:OWNER/REPO, path:/DIR or nixpkgs)")
	}
	switch u.scheme {
	case "flake":
		return parseIndirect(s, u.path, u.query)
	case TypeGitHub, TypeGitLab, TypeSourceHut:
		return parseGitArchive(s, u)
	case "git", "git+http", "git+https", "git+ssh", "git+file":
		return parseGit(s, u)
	case "hg+http", "hg+https", "hg+ssh", "hg+file":
		return parseMercurial(s, u)
	case "path":
		return parsePathURL(s, u)
	case "file", "http", "https":
		if !hasArchiveSuffix(u.path) {
			return Ref{}, errorf(s, "%s URL does not name an archive (want a path ending in .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar.zst, .tar or .zip, or use git+%s:// for a repository)", u.scheme, u.scheme)
		}
		attrs := Attrs{{"url", u.String()}}
		if h, ok := u.query["narHash"]; ok {
			if !sriRegex.MatchString(h) {
				return Ref{}, errorf(s, "narHash %q is not an SRI hash (want sha256-BASE64)", h)
			}
			attrs = attrs.Set("narHash", h)
		}
		return withDir(Ref{Type: TypeTarball, attrs: attrs}, u.query), nil
	default:
		return Ref{}, errorf(s, "unsupported scheme %q (want github:, gitlab:, sourcehut:, git+https:, git+ssh:, git+file:, hg+https:, path:, flake: or a tarball URL)", u.scheme)
	}
}

var archiveSuffixes = []string{".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"}

func hasArchiveSuffix(path string) bool {
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(path, suf) {
			return true
		}
	}
	return false
}

// withDir records the flake's subdirectory (?dir=), which belongs to the
// flake reference rather than to the fetcher; an empty dir means none.
func withDir(r Ref, query map[string]string) Ref {
	if d := query["dir"]; d != "" {
		r.attrs = r.attrs.Set("dir", d)
	}
	return r
}

func parseIndirect(s, path string, query map[string]string) (Ref, error) {
	parts := splitNonEmpty(path)
	attrs := Attrs{}
	switch len(parts) {
	case 1:
	case 2:
		switch {
		case revRegex.MatchString(parts[1]):
			attrs = attrs.Set("rev", strings.ToLower(parts[1]))
		case refRegex.MatchString(parts[1]):
			attrs = attrs.Set("ref", parts[1])
		default:
			return Ref{}, errorf(s, "%q is not a commit hash or branch/tag name", parts[1])
		}
	case 3:
		if !refRegex.MatchString(parts[1]) {
			return Ref{}, errorf(s, "%q is not a branch/tag name", parts[1])
		}
		if !revRegex.MatchString(parts[2]) {
			return Ref{}, errorf(s, "%q is not a commit hash (want 40 hex digits)", parts[2])
		}
		attrs = attrs.Set("ref", parts[1]).Set("rev", strings.ToLower(parts[2]))
	case 0:
		return Ref{}, errorf(s, "missing flake ID (want flake:ID[/REF][/REV])")
	default:
		return Ref{}, errorf(s, "too many path parts (want flake:ID[/REF][/REV])")
	}
	if !flakeIDRegex.MatchString(parts[0]) {
		return Ref{}, errorf(s, "%q is not a valid flake ID (want a letter, then letters, digits, '_' or '-')", parts[0])
	}
	attrs = attrs.Set("id", parts[0])
	return withDir(Ref{Type: TypeIndirect, attrs: attrs}, query), nil
}

// splitNonEmpty splits on '/' dropping empty parts, as Nix's tokenizeString.
func splitNonEmpty(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseGitArchive(s string, u parsedURL) (Ref, error) {
	parts := splitNonEmpty(u.path)
	var ref, rev string
	switch {
	case len(parts) == 0:
		return Ref{}, errorf(s, "missing owner and repository name (want %s:OWNER/REPO)", u.scheme)
	case len(parts) == 1:
		return Ref{}, errorf(s, "missing repository name (want %s:OWNER/REPO)", u.scheme)
	case len(parts) == 3:
		switch {
		case revRegex.MatchString(parts[2]):
			rev = strings.ToLower(parts[2])
		case refRegex.MatchString(parts[2]):
			ref = parts[2]
		default:
			return Ref{}, errorf(s, "%q is not a commit hash or branch/tag name", parts[2])
		}
	case len(parts) > 3:
		ref = strings.Join(parts[2:], "/")
		if !refRegex.MatchString(ref) {
			return Ref{}, errorf(s, "%q is not a branch/tag name", ref)
		}
	}
	attrs := Attrs{{"owner", parts[0]}, {"repo", parts[1]}}
	if v, ok := u.query["rev"]; ok {
		if rev != "" {
			return Ref{}, errorf(s, "two commit hashes (in the path and in ?rev=); give one")
		}
		if err := checkRev(s, v); err != nil {
			return Ref{}, err
		}
		rev = strings.ToLower(v)
	}
	if v, ok := u.query["ref"]; ok {
		if !refRegex.MatchString(v) {
			return Ref{}, errorf(s, "ref %q is not a valid branch/tag name", v)
		}
		if ref != "" {
			return Ref{}, errorf(s, "two branch/tag names (in the path and in ?ref=); give one")
		}
		ref = v
	}
	if ref != "" && rev != "" {
		return Ref{}, errorf(s, "both a branch/tag name (%s) and a commit hash (%s); give one", ref, rev)
	}
	if v, ok := u.query["host"]; ok {
		if !hostRegex.MatchString(v) {
			return Ref{}, errorf(s, "host %q is not a valid host name (Nix 2.8 allows letters, digits and '.')", v)
		}
		attrs = attrs.Set("host", v)
	}
	if ref != "" {
		attrs = attrs.Set("ref", ref)
	}
	if rev != "" {
		attrs = attrs.Set("rev", rev)
	}
	return withDir(Ref{Type: u.scheme, attrs: attrs}, u.query), nil
}

// checkRev reports a rev that is not a full commit hash, as Nix requires.
func checkRev(s, rev string) error {
	if !revRegex.MatchString(rev) {
		return errorf(s, "rev %q is not a commit hash (want 40 hex digits)", rev)
	}
	return nil
}

func parseGit(s string, u parsedURL) (Ref, error) {
	repo := u.withQuery()
	repo.scheme = strings.TrimPrefix(u.scheme, "git+")
	attrs := Attrs{}
	for _, name := range sortedKeys(u.query) {
		value := u.query[name]
		switch name {
		case "rev":
			if err := checkRev(s, value); err != nil {
				return Ref{}, err
			}
			attrs = attrs.Set(name, value)
			delete(repo.query, name)
		case "ref":
			if badGitRef(value) {
				return Ref{}, errorf(s, "ref %q is not a valid git branch/tag name", value)
			}
			attrs = attrs.Set(name, value)
			delete(repo.query, name)
		case "shallow", "submodules":
			attrs = attrs.Set(name, value == "1")
			delete(repo.query, name)
		}
		// Everything else, "dir" included, stays in the repository URL:
		// Nix 2.8 does the same, so its lock files carry url=…?dir=….
	}
	attrs = attrs.Set("url", repo.String())
	return withDir(Ref{Type: TypeGit, attrs: attrs}, u.query), nil
}

// parseMercurial reads hg+http(s)/hg+ssh/hg+file URLs: like git, but only
// rev and ref leave the repository URL, and refs follow refRegex.
func parseMercurial(s string, u parsedURL) (Ref, error) {
	repo := u.withQuery()
	repo.scheme = strings.TrimPrefix(u.scheme, "hg+")
	attrs := Attrs{}
	if v, ok := u.query["rev"]; ok {
		if err := checkRev(s, v); err != nil {
			return Ref{}, err
		}
		attrs = attrs.Set("rev", v)
		delete(repo.query, "rev")
	}
	if v, ok := u.query["ref"]; ok {
		if !refRegex.MatchString(v) {
			return Ref{}, errorf(s, "ref %q is not a valid Mercurial branch/tag name", v)
		}
		attrs = attrs.Set("ref", v)
		delete(repo.query, "ref")
	}
	attrs = attrs.Set("url", repo.String())
	return withDir(Ref{Type: TypeMercurial, attrs: attrs}, u.query), nil
}

func parsePathURL(s string, u parsedURL) (Ref, error) {
	attrs := Attrs{{"path", u.path}}
	for _, name := range sortedKeys(u.query) {
		value := u.query[name]
		switch name {
		case "rev":
			if err := checkRev(s, value); err != nil {
				return Ref{}, err
			}
			attrs = attrs.Set(name, value)
		case "narHash":
			if !sriRegex.MatchString(value) {
				return Ref{}, errorf(s, "narHash %q is not an SRI hash (want sha256-BASE64)", value)
			}
			attrs = attrs.Set(name, value)
		case "revCount", "lastModified":
			n, err := parseUint(value)
			if err != nil {
				return Ref{}, errorf(s, "%s %q is not a non-negative integer", name, value)
			}
			attrs = attrs.Set(name, n)
		default:
			return Ref{}, errorf(s, "path URLs take no %q parameter (allowed: rev, revCount, lastModified, narHash)", name)
		}
	}
	return Ref{Type: TypePath, attrs: attrs}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func parseUint(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.ParseInt(s, 10, 64)
}

// allowed lists the attributes Nix 2.8 accepts for each type, with the kind
// of value each takes ("dir" belongs to every flake reference).
var allowed = map[string]map[string]string{
	TypeGitHub:    {"owner": "string", "repo": "string", "ref": "string", "rev": "string", "narHash": "string", "lastModified": "int", "host": "string"},
	TypeGitLab:    {"owner": "string", "repo": "string", "ref": "string", "rev": "string", "narHash": "string", "lastModified": "int", "host": "string"},
	TypeSourceHut: {"owner": "string", "repo": "string", "ref": "string", "rev": "string", "narHash": "string", "lastModified": "int", "host": "string"},
	TypeGit: {"url": "string", "ref": "string", "rev": "string", "shallow": "bool", "submodules": "bool", "allRefs": "bool",
		"lastModified": "int", "revCount": "int", "narHash": "string", "name": "string"},
	TypeMercurial: {"url": "string", "ref": "string", "rev": "string", "revCount": "int", "narHash": "string", "name": "string"},
	TypePath:      {"path": "string", "rev": "string", "revCount": "int", "lastModified": "int", "narHash": "string"},
	TypeTarball:   {"url": "string", "narHash": "string", "name": "string"},
	TypeIndirect:  {"id": "string", "ref": "string", "rev": "string", "narHash": "string"},
}

var required = map[string][]string{
	TypeGitHub: {"owner", "repo"}, TypeGitLab: {"owner", "repo"}, TypeSourceHut: {"owner", "repo"},
	TypeGit: {"url"}, TypeMercurial: {"url"}, TypePath: {"path"}, TypeTarball: {"url"}, TypeIndirect: {"id"},
}

// KnownType reports whether FromAttrs understands references of type t.
// Nix 2.8 knows no others but mercurial's; lock files written by other Nix
// versions may hold some.
func KnownType(t string) bool {
	_, ok := allowed[t]
	return ok
}

// FromAttrs reads a flake reference in attribute form, e.g. an `original` or
// `locked` object of flake.lock as decoded by encoding/json. Numbers may be
// float64, json.Number or any Go integer; they are stored as int64.
func FromAttrs(m map[string]any) (Ref, error) {
	attrs, err := AttrsFromMap(m)
	if err != nil {
		return Ref{}, errorf(describe(m), "%v", err)
	}
	return FromOrdered(attrs)
}

// FromOrdered is FromAttrs for attributes already in Attrs form (including
// "type").
func FromOrdered(attrs Attrs) (Ref, error) {
	desc := describe(attrs.Map())
	t, ok := attrs.Get("type")
	if !ok {
		return Ref{}, errorf(desc, "missing \"type\" attribute")
	}
	typ, ok := t.(string)
	if !ok {
		return Ref{}, errorf(desc, "\"type\" is not a string")
	}
	names, ok := allowed[typ]
	if !ok {
		return Ref{}, errorf(desc, "unsupported type %q (want github, gitlab, sourcehut, git, hg, path, tarball or indirect)", typ)
	}
	r := Ref{Type: typ, attrs: attrs.Delete("type")}
	for _, a := range r.attrs {
		kind := names[a.Name]
		if a.Name == "dir" {
			kind = "string"
		}
		if kind == "" {
			return Ref{}, errorf(desc, "unsupported attribute %q for type %s", a.Name, typ)
		}
		if got := valueKind(a.Value); got != kind {
			return Ref{}, errorf(desc, "attribute %q is a %s, want a %s", a.Name, got, kind)
		}
	}
	for _, name := range required[typ] {
		if _, ok := r.attrs.Get(name); !ok {
			return Ref{}, errorf(desc, "missing %q attribute", name)
		}
	}
	if rev := r.Rev(); rev != "" && !revRegex.MatchString(rev) {
		return Ref{}, errorf(desc, "rev %q is not a commit hash (want 40 hex digits)", rev)
	}
	if h := r.Str("narHash"); h != "" && !sriRegex.MatchString(h) {
		return Ref{}, errorf(desc, "narHash %q is not an SRI hash (want sha256-BASE64)", h)
	}
	if typ == TypeIndirect && !flakeIDRegex.MatchString(r.Str("id")) {
		return Ref{}, errorf(desc, "%q is not a valid flake ID", r.Str("id"))
	}
	if typ == TypeGit && r.Str("ref") != "" && badGitRef(r.Str("ref")) {
		return Ref{}, errorf(desc, "ref %q is not a valid git branch/tag name", r.Str("ref"))
	}
	if typ == TypeMercurial && r.Str("ref") != "" && !refRegex.MatchString(r.Str("ref")) {
		return Ref{}, errorf(desc, "ref %q is not a valid Mercurial branch/tag name", r.Str("ref"))
	}
	if typ == TypeGit || typ == TypeMercurial || typ == TypeTarball {
		if _, isURL, err := parseURL(r.Str("url")); !isURL || err != nil {
			return Ref{}, errorf(desc, "url %q is not a valid URL", r.Str("url"))
		}
	}
	return r, nil
}

func valueKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "int"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}

// describe renders attributes for an error message, compactly and sorted.
func describe(m map[string]any) string {
	attrs, err := AttrsFromMap(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = fmt.Sprintf("%s=%v", a.Name, a.Value)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// Attrs returns the attribute form: the JSON object Nix stores in flake.lock
// (numbers as int64).
func (r Ref) Attrs() map[string]any {
	m := r.attrs.Map()
	m["type"] = r.Type
	return m
}

// Ordered returns the attribute form, "type" included, sorted by name.
func (r Ref) Ordered() Attrs {
	return r.attrs.Set("type", r.Type)
}

// Equal reports whether r and o are the same reference attribute for
// attribute.
func (r Ref) Equal(o Ref) bool { return r.Type == o.Type && r.attrs.Equal(o.attrs) }

// Get returns the attribute name ("type" is not an attribute here).
func (r Ref) Get(name string) (any, bool) { return r.attrs.Get(name) }

// Str returns a string attribute, or "" when absent or not a string.
func (r Ref) Str(name string) string {
	v, _ := r.attrs.Get(name)
	s, _ := v.(string)
	return s
}

// Int returns an integer attribute (lastModified, revCount).
func (r Ref) Int(name string) (int64, bool) {
	v, _ := r.attrs.Get(name)
	n, ok := v.(int64)
	return n, ok
}

// With returns r with one attribute set; it does not validate. Use it to
// build a locked reference from an original one (With("rev", …)).
func (r Ref) With(name string, value any) Ref {
	r.attrs = r.attrs.Set(name, value)
	return r
}

// Without returns r without the attribute name.
func (r Ref) Without(name string) Ref {
	r.attrs = r.attrs.Delete(name)
	return r
}

// LockedGitArchive returns what Nix 2.8 records as `locked` for a github,
// gitlab or sourcehut reference once resolved to commit rev: the reference
// without "ref", with rev, narHash and lastModified ("dir" and "host"
// stay). One home for that rule, for prefetch and bump.
func (r Ref) LockedGitArchive(rev, narHash string, lastModified int64) (Ref, error) {
	switch r.Type {
	case TypeGitHub, TypeGitLab, TypeSourceHut:
	default:
		return Ref{}, fmt.Errorf("%s is a %s reference, not github, gitlab or sourcehut", r, r.Type)
	}
	if !revRegex.MatchString(rev) {
		return Ref{}, fmt.Errorf("rev %q is not a commit hash (want 40 hex digits)", rev)
	}
	if !sriRegex.MatchString(narHash) {
		return Ref{}, fmt.Errorf("narHash %q is not an SRI hash (want sha256-BASE64)", narHash)
	}
	if lastModified < 0 {
		return Ref{}, fmt.Errorf("lastModified %d is negative", lastModified)
	}
	return r.Without("ref").With("rev", strings.ToLower(rev)).With("narHash", narHash).With("lastModified", lastModified), nil
}

func (r Ref) Dir() string     { return r.Str("dir") }
func (r Ref) Owner() string   { return r.Str("owner") }
func (r Ref) Repo() string    { return r.Str("repo") }
func (r Ref) Host() string    { return r.Str("host") }
func (r Ref) Ref() string     { return r.Str("ref") }
func (r Ref) Rev() string     { return r.Str("rev") }
func (r Ref) URL() string     { return r.Str("url") }
func (r Ref) Path() string    { return r.Str("path") }
func (r Ref) ID() string      { return r.Str("id") }
func (r Ref) NarHash() string { return r.Str("narHash") }

// LastModified returns the lastModified attribute (seconds since the epoch).
func (r Ref) LastModified() (int64, bool) { return r.Int("lastModified") }

// String returns the URL form exactly as Nix 2.8 prints it (nix flake
// metadata, nix registry list). Like Nix it drops what the URL form cannot
// say: a github/gitlab/sourcehut "host", lastModified and narHash of
// archive refs; and it prints non-ASCII bytes in ?dir= as %ffffffXX.
func (r Ref) String() string {
	extra := map[string]string{}
	if d := r.Dir(); d != "" {
		extra["dir"] = d
	}
	var u parsedURL
	switch r.Type {
	case TypeGitHub, TypeGitLab, TypeSourceHut:
		path := r.Owner() + "/" + r.Repo()
		if ref := r.Ref(); ref != "" {
			path += "/" + ref
		}
		if rev := r.Rev(); rev != "" {
			path += "/" + strings.ToLower(rev)
		}
		u = parsedURL{scheme: r.Type, path: path}
	case TypeIndirect:
		path := r.ID()
		if ref := r.Ref(); ref != "" {
			path += "/" + ref
		}
		if rev := r.Rev(); rev != "" {
			path += "/" + strings.ToLower(rev)
		}
		u = parsedURL{scheme: "flake", path: path}
	case TypeGit:
		parsed, ok, err := parseURL(r.URL())
		if !ok || err != nil {
			return "git+" + r.URL()
		}
		u = parsed.withQuery()
		if u.scheme != "git" {
			u.scheme = "git+" + u.scheme
		}
		if rev := r.Rev(); rev != "" {
			u.query["rev"] = strings.ToLower(rev)
		}
		if ref := r.Ref(); ref != "" {
			u.query["ref"] = ref
		}
		if v, _ := r.Get("shallow"); v == true {
			u.query["shallow"] = "1"
		}
	case TypeMercurial:
		parsed, ok, err := parseURL(r.URL())
		if !ok || err != nil {
			return "hg+" + r.URL()
		}
		u = parsed.withQuery()
		u.scheme = "hg+" + u.scheme
		if rev := r.Rev(); rev != "" {
			u.query["rev"] = strings.ToLower(rev)
		}
		if ref := r.Ref(); ref != "" {
			u.query["ref"] = ref
		}
	case TypePath:
		u = parsedURL{scheme: "path", path: r.Path(), query: map[string]string{}}
		for _, a := range r.attrs {
			if a.Name == "path" {
				continue
			}
			u.query[a.Name] = queryValue(a.Value)
		}
	case TypeTarball:
		parsed, ok, err := parseURL(r.URL())
		if !ok || err != nil {
			return r.URL()
		}
		u = parsed.withQuery()
		if h := r.NarHash(); h != "" {
			u.query["narHash"] = h
		}
	default:
		return r.Type + ":?"
	}
	if u.query == nil {
		u.query = map[string]string{}
	}
	for k, v := range extra {
		u.query[k] = v
	}
	return u.String()
}

// queryValue prints an attribute as Nix's attrsToQuery does.
func queryValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}
