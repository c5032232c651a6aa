package flakeref

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

const rev = "0123456789abcdef0123456789abcdef01234567"
const narHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

// valids: URL form in, attribute form (as JSON) and Nix's printed URL out.
// Each row is also checked against real Nix by TestParseMatchesNix.
var valids = []struct {
	in, attrs, out string
}{
	{"github:NixOS/nixpkgs", `{"owner":"NixOS","repo":"nixpkgs","type":"github"}`, "github:NixOS/nixpkgs"},
	{"github:NixOS/nixpkgs/nixos-24.11?dir=lib", `{"dir":"lib","owner":"NixOS","ref":"nixos-24.11","repo":"nixpkgs","type":"github"}`, "github:NixOS/nixpkgs/nixos-24.11?dir=lib"},
	{"github:o/r/" + strings.ToUpper(rev), `{"owner":"o","repo":"r","rev":"` + rev + `","type":"github"}`, "github:o/r/" + rev},
	{"github:o/r?rev=" + rev, `{"owner":"o","repo":"r","rev":"` + rev + `","type":"github"}`, "github:o/r/" + rev},
	{"github:o/r?ref=main", `{"owner":"o","ref":"main","repo":"r","type":"github"}`, "github:o/r/main"},
	{"github:o/r?ref=x&ref=y", `{"owner":"o","ref":"x","repo":"r","type":"github"}`, "github:o/r/x"},
	{"github:o/r/release/24.11", `{"owner":"o","ref":"release/24.11","repo":"r","type":"github"}`, "github:o/r/release/24.11"},
	{"github:o//r", `{"owner":"o","repo":"r","type":"github"}`, "github:o/r"},
	{"github:o/r?host=ghe.example.com", `{"host":"ghe.example.com","owner":"o","repo":"r","type":"github"}`, "github:o/r"},
	{"github:o/r?dir=", `{"owner":"o","repo":"r","type":"github"}`, "github:o/r"},
	{"github:o/r?dir=a%2Fb c&unknown=1", `{"dir":"a/b c","owner":"o","repo":"r","type":"github"}`, "github:o/r?dir=a%2fb%20c"},
	{"github:o/r?dir=%C3%A9", `{"dir":"é","owner":"o","repo":"r","type":"github"}`, "github:o/r?dir=%ffffffc3%ffffffa9"},
	{"github:system1/devbox?dir=base-flake", `{"dir":"base-flake","owner":"system1","repo":"devbox","type":"github"}`, "github:system1/devbox?dir=base-flake"},
	{"gitlab:o/r/v1", `{"owner":"o","ref":"v1","repo":"r","type":"gitlab"}`, "gitlab:o/r/v1"},
	{"gitlab:o/r/" + rev + "?dir=x", `{"dir":"x","owner":"o","repo":"r","rev":"` + rev + `","type":"gitlab"}`, "gitlab:o/r/" + rev + "?dir=x"},
	{"sourcehut:~o/r", `{"owner":"~o","repo":"r","type":"sourcehut"}`, "sourcehut:~o/r"},
	{"sourcehut:~o/r/main?host=git.example.org", `{"host":"git.example.org","owner":"~o","ref":"main","repo":"r","type":"sourcehut"}`, "sourcehut:~o/r/main"},
	{"git+https://example.com/x.git?ref=main&dir=a/b", `{"dir":"a/b","ref":"main","type":"git","url":"https://example.com/x.git?dir=a%2fb"}`, "git+https://example.com/x.git?dir=a%2fb&ref=main"},
	{"git+https://e.com/x?rev=" + rev + "&shallow=1&submodules=1", `{"rev":"` + rev + `","shallow":true,"submodules":true,"type":"git","url":"https://e.com/x"}`, "git+https://e.com/x?rev=" + rev + "&shallow=1"},
	{"git+https://e.com/x?rev=" + strings.ToUpper(rev), `{"rev":"` + strings.ToUpper(rev) + `","type":"git","url":"https://e.com/x"}`, "git+https://e.com/x?rev=" + rev},
	{"git+ssh://git@github.com/o/r", `{"type":"git","url":"ssh://git@github.com/o/r"}`, "git+ssh://git@github.com/o/r"},
	{"git+ssh://git@h.com:22/o/r.git?ref=main", `{"ref":"main","type":"git","url":"ssh://git@h.com:22/o/r.git"}`, "git+ssh://git@h.com:22/o/r.git?ref=main"},
	{"git+https://u:p@e.com:8080/x?ref=a@b", `{"ref":"a@b","type":"git","url":"https://u:p@e.com:8080/x"}`, "git+https://u:p@e.com:8080/x?ref=a@b"},
	{"git+http://e.com/x", `{"type":"git","url":"http://e.com/x"}`, "git+http://e.com/x"},
	{"git://e.com/x", `{"type":"git","url":"git://e.com/x"}`, "git://e.com/x"},
	{"git+file:///tmp/x", `{"type":"git","url":"file:///tmp/x"}`, "git+file:///tmp/x"},
	{"git+file:///tmp/x?shallow=0", `{"shallow":false,"type":"git","url":"file:///tmp/x"}`, "git+file:///tmp/x"},
	{"git+file:///x?ref=refs/heads/main", `{"ref":"refs/heads/main","type":"git","url":"file:///x"}`, "git+file:///x?ref=refs%2fheads%2fmain"},
	{"git+file:///tmp/x?dir=a&allRefs=1", `{"dir":"a","type":"git","url":"file:///tmp/x?allRefs=1&dir=a"}`, "git+file:///tmp/x?allRefs=1&dir=a"},
	{"git+https://e.com/a%2fb", `{"type":"git","url":"https://e.com/a%2fb"}`, "git+https://e.com/a%2fb"},
	{"hg+https://e.com/x?ref=default&dir=d&x=1", `{"dir":"d","ref":"default","type":"hg","url":"https://e.com/x?dir=d&x=1"}`, "hg+https://e.com/x?dir=d&ref=default&x=1"},
	{"hg+http://e.com/x?ref=a/b", `{"ref":"a/b","type":"hg","url":"http://e.com/x"}`, "hg+http://e.com/x?ref=a%2fb"},
	{"hg+ssh://u@h/x?shallow=1&rev=" + rev, `{"rev":"` + rev + `","type":"hg","url":"ssh://u@h/x?shallow=1"}`, "hg+ssh://u@h/x?rev=" + rev + "&shallow=1"},
	{"hg+file:///tmp/x", `{"type":"hg","url":"file:///tmp/x"}`, "hg+file:///tmp/x"},
	{"path:/tmp/x", `{"path":"/tmp/x","type":"path"}`, "path:/tmp/x"},
	{"path:./rel", `{"path":"./rel","type":"path"}`, "path:./rel"},
	{"path:/tmp/a%20b", `{"path":"/tmp/a%20b","type":"path"}`, "path:/tmp/a%20b"},
	{"path:/x?narHash=sha256-47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D&lastModified=12&revCount=3",
		`{"lastModified":12,"narHash":"` + narHash + `","path":"/x","revCount":3,"type":"path"}`,
		"path:/x?lastModified=12&narHash=sha256-47DEQpj8HBSa+%2fTImW+5JCeuQeRkm5NMpJWZG3hSuFU=&revCount=3"},
	{"/tmp/x", `{"path":"/tmp/x","type":"path"}`, "path:/tmp/x"},
	{"https://x/y.tar.gz", `{"type":"tarball","url":"https://x/y.tar.gz"}`, "https://x/y.tar.gz"},
	{"http://x/y.tar.xz", `{"type":"tarball","url":"http://x/y.tar.xz"}`, "http://x/y.tar.xz"},
	{"https://x/y.zip?dir=d&foo=b%20r", `{"dir":"d","type":"tarball","url":"https://x/y.zip?dir=d&foo=b%20r"}`, "https://x/y.zip?dir=d&foo=b%20r"},
	{"file:///tmp/y.tar.gz", `{"type":"tarball","url":"file:///tmp/y.tar.gz"}`, "file:///tmp/y.tar.gz"},
	{"file:///tmp/x.tar.gz?narHash=sha256-47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D",
		`{"narHash":"` + narHash + `","type":"tarball","url":"file:///tmp/x.tar.gz?narHash=sha256-47DEQpj8HBSa+%2fTImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`,
		"file:///tmp/x.tar.gz?narHash=sha256-47DEQpj8HBSa+%2fTImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
	{"nixpkgs", `{"id":"nixpkgs","type":"indirect"}`, "flake:nixpkgs"},
	{"nixpkgs/nixos-24.11", `{"id":"nixpkgs","ref":"nixos-24.11","type":"indirect"}`, "flake:nixpkgs/nixos-24.11"},
	{"nixpkgs/" + rev, `{"id":"nixpkgs","rev":"` + rev + `","type":"indirect"}`, "flake:nixpkgs/" + rev},
	{"flake:nixpkgs/nixos-24.11", `{"id":"nixpkgs","ref":"nixos-24.11","type":"indirect"}`, "flake:nixpkgs/nixos-24.11"},
	{"flake:nixpkgs/nixos-24.11/" + rev, `{"id":"nixpkgs","ref":"nixos-24.11","rev":"` + rev + `","type":"indirect"}`, "flake:nixpkgs/nixos-24.11/" + rev},
	{"flake:nixpkgs?dir=x", `{"dir":"x","id":"nixpkgs","type":"indirect"}`, "flake:nixpkgs?dir=x"},
}

// invalids: malformed references and a word the error must contain.
var invalids = []struct {
	in, want string
}{
	{"", "empty reference"},
	{"github:foo", "missing repository name (want github:OWNER/REPO)"},
	{"github:o/", "missing repository name"},
	{"github:/r", "missing repository name"},
	{"gitlab:", "missing owner and repository name"},
	{"github:o/r/bad~ref", `"bad~ref" is not a commit hash or branch/tag name`},
	{"github:o/r/@x", `"@x" is not a commit hash or branch/tag name`},
	{"github:o/r/main?ref=a", "two branch/tag names"},
	{"github:o/r?ref=a+b", `ref "a+b" is not a valid branch/tag name`},
	{"github:o/r?rev=0123", `rev "0123" is not a commit hash`},
	{"github:o/r/" + rev + "?rev=" + rev, "two commit hashes"},
	{"github:o/r?ref=main&rev=" + rev, "both a branch/tag name (main) and a commit hash"},
	{"github:o/r?host=bad_host", `host "bad_host" is not a valid host name`},
	{"github:o/r#packages", `unexpected fragment "packages"`},
	{"git+https://e.com/x?ref=..bad", `ref "..bad" is not a valid git branch/tag name`},
	{"git+https://e.com/x?ref=@", `ref "@" is not a valid git branch/tag name`},
	{"git+https://e.com/x?ref=a%20b", `ref "a b" is not a valid git branch/tag name`},
	{"git+https://e.com/a b", "not a valid URL"},
	{"git+https://e.com/é", "not a valid URL"},
	{"git+file://host/tmp/x", `a file URL cannot have a host ("host")`},
	{"path:/tmp/x?dir=sub", `path URLs take no "dir" parameter`},
	{"path:/tmp/x?lastModified=abc", `lastModified "abc" is not a non-negative integer`},
	{"path:/x?rev=abc", `rev "abc" is not a commit hash`},
	{"path:/x?narHash=abc", `narHash "abc" is not an SRI hash`},
	{"https://x/y", "does not name an archive"},
	{"file:///tmp/x", "does not name an archive"},
	{"foo:bar", `unsupported scheme "foo"`},
	{"hg://e.com/x", `unsupported scheme "hg"`},
	{"hg+https://e.com/x?ref=a@b", `ref "a@b" is not a valid Mercurial branch/tag name`},
	{"flake:1nix", `"1nix" is not a valid flake ID`},
	{"flake:nixpkgs/a/b/c", "too many path parts"},
	{"nixpkgs/a/b", `"b" is not a commit hash`},
	{"flake:nixpkgs/@", `"@" is not a commit hash or branch/tag name`},
	{"./rel", `write "path:./rel"`},
	{".\n", `write "path:.\n"`},
	{"/x?\n", `write "path:/x?\n"`},
}

func TestParse(t *testing.T) {
	for _, tc := range valids {
		r, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		got := marshal(r.Attrs())
		if got != tc.attrs {
			t.Errorf("Parse(%q).Attrs() = %s, want %s", tc.in, got, tc.attrs)
		}
		if s := r.String(); s != tc.out {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, s, tc.out)
		}
		// Attribute form round trip is exact for every reference.
		var m map[string]any
		if err := json.Unmarshal([]byte(got), &m); err != nil {
			t.Fatal(err)
		}
		back, err := FromAttrs(m)
		if err != nil {
			t.Errorf("FromAttrs(%s): %v", got, err)
		} else if !back.Equal(r) {
			t.Errorf("FromAttrs(%s) = %v, want %v", got, back.Ordered(), r.Ordered())
		}
	}
}

// TestURLRoundTrip: the URL Nix prints parses back to the same reference
// whenever the URL form can hold every attribute (it cannot hold a
// github "host", nor non-ASCII in ?dir=, which Nix 2.8 mis-escapes).
func TestURLRoundTrip(t *testing.T) {
	for _, tc := range valids {
		r, err := Parse(tc.in)
		if err != nil || r.Host() != "" || strings.Contains(tc.out, "%ffffff") {
			continue // the URL form cannot say these
		}
		if _, ok := r.Get("submodules"); ok || r.Attrs()["shallow"] == false {
			continue // Nix prints neither submodules nor shallow=0
		}
		if r.Type == TypeGit && r.Rev() != strings.ToLower(r.Rev()) {
			continue // Nix prints the rev in lower case but keeps the attribute as written
		}
		s := r.String()
		again, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q) (printed from %q): %v", s, tc.in, err)
			continue
		}
		if !again.Equal(r) {
			t.Errorf("Parse(String()) of %q = %v, want %v", tc.in, again.Ordered(), r.Ordered())
		}
		if again.String() != s {
			t.Errorf("String() not stable for %q: %q then %q", tc.in, s, again.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range invalids {
		r, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.in, r.Ordered(), tc.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("Parse(%q) error = %q, want one line containing %q", tc.in, msg, tc.want)
		}
		if !strings.HasPrefix(msg, "invalid flake reference ") {
			t.Errorf("Parse(%q) error = %q, want it to name the reference", tc.in, msg)
		}
	}
}

func TestFromAttrsErrors(t *testing.T) {
	for _, tc := range []struct {
		attrs map[string]any
		want  string
	}{
		{map[string]any{"owner": "o", "repo": "r"}, `missing "type" attribute`},
		{map[string]any{"type": 1}, `"type" is not a string`},
		{map[string]any{"type": "svn", "url": "https://x"}, `unsupported type "svn"`},
		{map[string]any{"type": "hg", "url": "https://x", "lastModified": 1}, `unsupported attribute "lastModified" for type hg`},
		{map[string]any{"type": "github", "owner": "o"}, `missing "repo" attribute`},
		{map[string]any{"type": "github", "owner": "o", "repo": "r", "bogus": "x"}, `unsupported attribute "bogus" for type github`},
		{map[string]any{"type": "github", "owner": "o", "repo": "r", "lastModified": "12"}, `attribute "lastModified" is a string, want a int`},
		{map[string]any{"type": "github", "owner": "o", "repo": "r", "lastModified": 1.5}, `number 1.5 is not a non-negative integer`},
		{map[string]any{"type": "github", "owner": "o", "repo": "r", "rev": "abc"}, `rev "abc" is not a commit hash`},
		{map[string]any{"type": "path", "path": "/x", "narHash": "md5:x"}, `narHash "md5:x" is not an SRI hash`},
		{map[string]any{"type": "git", "url": "not a url"}, `url "not a url" is not a valid URL`},
		{map[string]any{"type": "indirect", "id": "1x"}, `"1x" is not a valid flake ID`},
		{map[string]any{"type": "github", "owner": map[string]any{}, "repo": "r"}, `attribute "owner": a JSON object is not allowed`},
	} {
		_, err := FromAttrs(tc.attrs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromAttrs(%v) error = %v, want %q", tc.attrs, err, tc.want)
		}
	}
}

func TestLockedGitArchive(t *testing.T) {
	orig, err := Parse("github:system1/devbox/main?dir=base-flake&host=ghe.example.com")
	if err != nil {
		t.Fatal(err)
	}
	locked, err := orig.LockedGitArchive(strings.ToUpper(rev), narHash, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"dir":"base-flake","host":"ghe.example.com","lastModified":1700000000,"narHash":"` + narHash + `","owner":"system1","repo":"devbox","rev":"` + rev + `","type":"github"}`
	if got := marshal(locked.Attrs()); got != want {
		t.Errorf("locked = %s, want %s", got, want)
	}
	if got := orig.Ref(); got != "main" {
		t.Errorf("the original changed: ref %q", got)
	}
	for _, bad := range []func() (Ref, error){
		func() (Ref, error) { return orig.LockedGitArchive("abc", narHash, 1) },
		func() (Ref, error) { return orig.LockedGitArchive(rev, "sha256:x", 1) },
		func() (Ref, error) { return orig.LockedGitArchive(rev, narHash, -1) },
		func() (Ref, error) { p, _ := Parse("path:/x"); return p.LockedGitArchive(rev, narHash, 1) },
	} {
		if _, err := bad(); err == nil {
			t.Errorf("LockedGitArchive accepted bad input")
		}
	}
}

func TestFromAttrsNumbers(t *testing.T) {
	for _, v := range []any{int(7), int64(7), uint64(7), float64(7), json.Number("7")} {
		r, err := FromAttrs(map[string]any{"type": "path", "path": "/x", "lastModified": v})
		if err != nil {
			t.Fatalf("lastModified %T: %v", v, err)
		}
		if n, ok := r.LastModified(); !ok || n != 7 {
			t.Errorf("lastModified %T = %v %v, want int64 7", v, n, ok)
		}
		if got := r.Attrs()["lastModified"]; got != int64(7) {
			t.Errorf("Attrs()[lastModified] = %#v, want int64(7)", got)
		}
	}
}

// nixView is what Nix 2.8 makes of a reference: the attributes it stores in
// the registry and the URL `nix registry list` prints, or its error.
type nixView struct {
	attrs string
	url   string
	err   string
}

// askNix asks Nix 2.8 about many references at once, offline: `nix registry
// add --registry FILE` stores the parsed attribute form (one process per
// reference, run a few at a time), then one `nix registry list` over all
// the accepted entries prints their URL forms.
func askNix(t *testing.T, refs []string) map[string]nixView {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`{"flakes":[],"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(oracle.NixEnv(),
		"NIX_CONFIG=experimental-features = nix-command flakes\nsubstituters =\nflake-registry = "+empty+"\n",
		"XDG_CONFIG_HOME="+dir)
	type entry struct {
		From, To map[string]any
		Exact    bool `json:"exact,omitempty"`
	}
	views := make([]nixView, len(refs))
	entries := make([][]json.RawMessage, len(refs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			file := filepath.Join(dir, fmt.Sprintf("r%d.json", i))
			add := exec.Command("nix", "registry", "add", "--registry", file, fmt.Sprintf("id%d", i), ref)
			add.Env = env
			if out, err := add.CombinedOutput(); err != nil {
				views[i].err = strings.TrimSpace(string(out))
				return
			}
			data, err := os.ReadFile(file)
			if err != nil {
				views[i].err = err.Error()
				return
			}
			var reg struct{ Flakes []json.RawMessage }
			var one struct{ Flakes []struct{ To map[string]any } }
			if json.Unmarshal(data, &reg) != nil || json.Unmarshal(data, &one) != nil || len(reg.Flakes) != 1 {
				views[i].err = "unreadable registry: " + string(data)
				return
			}
			views[i].attrs = marshal(one.Flakes[0].To)
			entries[i] = reg.Flakes
		}()
	}
	wg.Wait()
	var all []json.RawMessage
	for _, e := range entries {
		all = append(all, e...)
	}
	data, _ := json.Marshal(map[string]any{"version": 2, "flakes": all})
	if err := os.MkdirAll(filepath.Join(dir, "nix"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nix", "registry.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	list := exec.Command("nix", "registry", "list")
	list.Env = env
	out, err := list.Output()
	if err != nil {
		t.Fatalf("nix registry list: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "user" {
			continue
		}
		var i int
		if _, err := fmt.Sscanf(f[1], "flake:id%d", &i); err == nil && i < len(views) {
			views[i].url = f[2]
		}
	}
	res := map[string]nixView{}
	for i, ref := range refs {
		if views[i].err == "" && views[i].url == "" {
			t.Fatalf("nix registry list printed nothing for %q:\n%s", ref, out)
		}
		res[ref] = views[i]
	}
	return res
}

func marshal(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestParseMatchesNix checks every table row against Nix 2.8 itself: the
// same attributes, the same printed URL, and the same accept/reject.
func TestParseMatchesNix(t *testing.T) {
	oracle.Require(t, "nix")
	var refs []string
	for _, tc := range valids {
		if tc.in != "/tmp/x" { // nix resolves bare paths against the filesystem
			refs = append(refs, tc.in)
		}
	}
	for _, tc := range invalids {
		if tc.in != "" && !strings.HasPrefix(tc.in, ".") && !strings.HasPrefix(tc.in, "/") { // nix reads these as local paths
			refs = append(refs, tc.in)
		}
	}
	data, err := os.ReadFile(filepath.Join("testdata", "nix-refs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			generated = append(generated, line)
		}
	}
	refs = append(refs, generated...)
	nix := askNix(t, refs)
	for _, ref := range generated {
		view := nix[ref]
		r, err := Parse(ref)
		switch {
		case view.err != "" && err == nil:
			t.Errorf("nix rejects %q (%s) but Parse accepts it as %s", ref, view.err, marshal(r.Attrs()))
		case view.err == "" && err != nil:
			t.Errorf("nix accepts %q (attrs %s) but Parse rejects it: %v", ref, view.attrs, err)
		case err == nil:
			if got := marshal(r.Attrs()); got != view.attrs {
				t.Errorf("%q: attrs %s, nix %s", ref, got, view.attrs)
			}
			if r.String() != view.url {
				t.Errorf("%q: printed %q, nix %q", ref, r.String(), view.url)
			}
		}
	}
	for _, tc := range valids {
		view, ok := nix[tc.in]
		if !ok {
			continue
		}
		if view.err != "" {
			t.Errorf("nix rejects %q: %s", tc.in, view.err)
			continue
		}
		r, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := marshal(r.Attrs()); got != view.attrs {
			t.Errorf("%q: attrs %s, nix %s", tc.in, got, view.attrs)
		}
		if r.String() != view.url {
			t.Errorf("%q: printed %q, nix %q", tc.in, r.String(), view.url)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(view.attrs), &m)
		if back, err := FromAttrs(m); err != nil || back.String() != view.url {
			t.Errorf("FromAttrs(%s) = %q, %v; want it to print %q", view.attrs, back.String(), err, view.url)
		}
	}
	for _, tc := range invalids {
		if view, ok := nix[tc.in]; ok && view.err == "" {
			t.Errorf("nix accepts %q (attrs %s) but Parse rejects it", tc.in, view.attrs)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range valids {
		f.Add(tc.in)
	}
	for _, tc := range invalids {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error for %q: %q", s, err)
			}
			return
		}
		_ = r.String()
		back, err := FromAttrs(r.Attrs())
		if err != nil {
			t.Fatalf("Parse(%q) gave attrs FromAttrs rejects: %v", s, err)
		}
		if !back.Equal(r) {
			t.Fatalf("attribute round trip of %q: %v != %v", s, back.Ordered(), r.Ordered())
		}
	})
}
