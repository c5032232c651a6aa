package lockfile

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/nix/flakeref"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// v7-clash-follows.lock is a lock Nix 2.8 wrote (paths renamed to /src);
// v5-info.lock is the same lock in version 5 form, with narHash and
// lastModified under "info". Reading either writes Nix's v7 bytes.
func TestReadVersions(t *testing.T) {
	want := readTestdata(t, "v7-clash-follows.lock")
	for _, name := range []string{"v7-clash-follows.lock", "v5-info.lock"} {
		l, err := Read(readTestdata(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		diffLocks(t, name, mustMarshal(t, l), want)
	}
	v6 := bytes.Replace(want, []byte(`"version": 7`), []byte(`"version": 6`), 1)
	l, err := Read(v6)
	if err != nil || l.Version != 6 {
		t.Fatalf("version 6: %v, %v", l, err)
	}
	diffLocks(t, "version 6", mustMarshal(t, l), want)
}

func TestNew(t *testing.T) {
	want := "{\n  \"nodes\": {\n    \"root\": {}\n  },\n  \"root\": \"root\",\n  \"version\": 7\n}\n"
	if got := string(mustMarshal(t, New())); got != want {
		t.Errorf("New().Marshal() = %q, want %q", got, want)
	}
}

func node(typ, path string) *Node {
	a := flakeref.Attrs{}.Set("type", typ).Set("path", path)
	return &Node{Locked: a.Set("narHash", "sha256-AAAA"), Original: a, Flake: true}
}

// TestNaming: keys come from the input name that first reaches a node,
// depth first in sorted order; a clash takes the first free _N, even when
// an input is itself called nixpkgs_2 or root.
func TestNaming(t *testing.T) {
	np1, np2, np3 := node("path", "/np1"), node("path", "/np2"), node("path", "/np3")
	shared := node("path", "/shared")
	a := node("path", "/a")
	a.Inputs = map[string]Input{"nixpkgs": {Node: np1}, "shared": {Node: shared}}
	b := node("path", "/b")
	b.Inputs = map[string]Input{"nixpkgs": {Node: np2}, "root": {Node: shared}, "up": {Follows: []string{}}}
	l := New()
	l.Root.Inputs = map[string]Input{"a": {Node: a}, "b": {Node: b}, "nixpkgs_2": {Node: np3}, "root": {Node: node("path", "/r")}}
	out := string(mustMarshal(t, l))
	for _, want := range []string{
		`"nixpkgs": "nixpkgs"`,       // a's, visited first
		`"nixpkgs": "nixpkgs_2"`,     // b's
		`"nixpkgs_2": "nixpkgs_2_2"`, // the root's input called nixpkgs_2: its own name is taken
		`"root": "shared"`,           // b/root is the node a/shared named first
		`"root": "root_2"`,           // the root's input called root
		`"up": []`,                   // follows the root
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	again, err := Read([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if out2 := string(mustMarshal(t, again)); out2 != out {
		t.Errorf("not stable:\n%s\nthen\n%s", out, out2)
	}
}

// readErrors are malformed locks and the one-line error Read gives each;
// FuzzRead starts from them too.
const lockedX = `"locked": {"type": "path", "path": "/x", "narHash": "sha256-AAAA"}, "original": {"type": "path", "path": "/x"}`

var readErrors = []struct{ name, in, want string }{
	{"not json", `{`, "not a JSON object"},
	{"array", `[]`, "not a JSON object"},
	{"trailing", `{"version": 7, "root": "root", "nodes": {"root": {}}} x`, "trailing data"},
	{"no version", `{"root": "root", "nodes": {"root": {}}}`, `missing "version"`},
	{"version 4", `{"version": 4, "root": "root", "nodes": {"root": {}}}`, "unsupported version 4"},
	{"version 8", `{"version": 8, "root": "root", "nodes": {"root": {}}}`, "unsupported version 8 (flakectl reads versions 5 to 7"},
	{"version string", `{"version": "7", "root": "root", "nodes": {"root": {}}}`, `"version" is "7"`},
	{"no root", `{"version": 7, "nodes": {"root": {}}}`, `missing "root"`},
	{"root not string", `{"version": 7, "root": 1, "nodes": {"root": {}}}`, `"root" is 1, want a string`},
	{"missing root node", `{"version": 7, "root": "top", "nodes": {"root": {}}}`, `root node "top" is not in "nodes"`},
	{"no nodes", `{"version": 7, "root": "root"}`, `missing "nodes"`},
	{"dangling", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "gone"}}}}`, `node "root" input "a" names node "gone", which does not exist`},
	{"cycle to root", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"inputs": {"up": "root"}, ` + lockedX + `}}}`, `node "a" input "up" points back to node "root": a cycle`},
	{"cycle", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"inputs": {"b": "b"}, ` + lockedX + `}, "b": {"inputs": {"a": "a"}, ` + lockedX + `}}}`, `node "b" input "a" points back to node "a"`},
	{"no locked", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"original": {"type": "path", "path": "/x"}}}}`, `node "a" has no "locked" attributes`},
	{"no type", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"path": "/x"}, "original": {"type": "path", "path": "/x"}}}}`, `node "a" locked has no "type"`},
	{"nested attr", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "path", "path": {}}, "original": {"type": "path", "path": "/x"}}}}`, `attribute "path": a JSON object is not allowed`},
	{"float attr", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "path", "path": "/x", "lastModified": 1.5}, "original": {"type": "path", "path": "/x"}}}}`, `number 1.5 is not a non-negative integer`},
	{"negative attr", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "path", "path": "/x", "revCount": -1}, "original": {"type": "path", "path": "/x"}}}}`, `number -1 is not a non-negative integer`},
	{"bad input", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": 3}}}}`, `node "root" input "a" is 3, want a node key or a follows path`},
	{"input object", "{\"version\": 7, \"root\": \"root\", \"nodes\": {\"root\": {\"inputs\": {\"a\": {\n}}}}}", `node "root" input "a" is {}, want a node key or a follows path`},
	{"version array", "{\"version\": [\n7], \"root\": \"root\"}", `"version" is [7], want a number`},
	{"bad follows", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": [1]}}}}`, `follows path element 1 is not a string`},
	{"follows nowhere", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": ["b"]}}}}`, `input "a" follows "b": input "b" does not exist`},
	{"follows cycle", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": ["b"], "b": ["a"]}}}}`, `a cycle of follows`},
	{"mutable", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "path", "path": "/x"}, "original": {"type": "path", "path": "/x"}}}}`, `node "a" is locked to nothing (its locked attributes have neither narHash nor rev)`},
	{"bad attribute", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "github", "owner": "o", "repo": "r", "narHash": "sha256-AAAA", "color": "red"}, "original": {"type": "github", "owner": "o", "repo": "r"}}}}`, `node "a" locked: unsupported attribute "color" for type github`},
	{"bad rev", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "github", "owner": "o", "repo": "r", "rev": "abc"}, "original": {"type": "github", "owner": "o", "repo": "r"}}}}`, `node "a" locked: rev "abc" is not a commit hash`},
	{"bad original", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "path", "path": "/x", "narHash": "sha256-AAAA"}, "original": {"type": "path"}}}}`, `node "a" original: missing "path" attribute`},
	{"string", `"x"`, "not a JSON object: the value is a JSON string, want an object"},
	{"flake not bool", `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"flake": "no", ` + lockedX + `}}}`, `node "a": "flake" is a JSON string, want true or false`},
	{"syntax", `{"version": 7,, }`, "invalid character ',' looking for beginning of object key string (at byte 15)"},
	{"bad utf8", "{\"version\": 7, \"root\": \"r\xff\", \"nodes\": {}}", "not valid UTF-8"},
}

func TestReadErrors(t *testing.T) {
	for _, tc := range readErrors {
		_, err := Read([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Read error = %v, want one line containing %q", tc.name, err, tc.want)
		}
	}
}

// A type Nix 2.8 does not know (a newer Nix's "file") is kept as it is.
func TestReadUnknownType(t *testing.T) {
	in := `{"version": 7, "root": "root", "nodes": {"root": {"inputs": {"a": "a"}}, "a": {"locked": {"type": "file", "url": "https://x/y", "narHash": "sha256-AAAA", "extra": 1}, "original": {"type": "file", "url": "https://x/y"}}}}`
	l, err := Read([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Root.Inputs["a"].Node.Locked.Get("extra"); v != int64(1) {
		t.Errorf("extra = %#v, want 1", v)
	}
}

func TestReadFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flake.lock")
	writeFile(t, path, `{"version": 9}`)
	_, err := ReadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), "invalid lock file "+path+": unsupported version 9") {
		t.Errorf("ReadFile error = %v, want it to name the file", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flake.lock")
	want := readTestdata(t, "v7-clash-follows.lock")
	l, err := Read(readTestdata(t, "v5-info.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	diffLocks(t, "WriteFile", got, want)
	// Unchanged bytes are not rewritten: the file keeps its mtime.
	past := time.Unix(1_000_000_000, 0)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || !st.ModTime().Equal(past) {
		t.Errorf("WriteFile rewrote an unchanged lock")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d files behind", len(entries))
	}
	bad := &LockFile{Version: 7, Root: &Node{Inputs: map[string]Input{"a": {Node: &Node{}}}}}
	if err := bad.WriteFile(path); err == nil {
		t.Errorf("WriteFile of a node without locked attributes succeeded")
	}
	got2, _ := os.ReadFile(path)
	diffLocks(t, "lock after a failed write", got2, want)
}

func TestResolve(t *testing.T) {
	l, err := Read(readTestdata(t, "v7-clash-follows.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path []string
		want string // the locked path of the node reached; "" for an error
	}{
		{nil, "root"},
		{[]string{"a"}, "/src/a"},
		{[]string{"a", "nixpkgs"}, "/src/np3"}, // follows the root's nixpkgs
		{[]string{"b", "nixpkgs"}, "/src/np2"},
		{[]string{"nixpkgs"}, "/src/np3"},
		{[]string{"a", "nixpkgs", "x"}, ""},
		{[]string{"zzz"}, ""},
	} {
		n, err := l.Resolve(tc.path)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("Resolve(%v) = %v, want an error", tc.path, n)
		case tc.want == "root" && n != l.Root:
			t.Errorf("Resolve(%v) = %v, %v; want the root", tc.path, n, err)
		case tc.want != "" && tc.want != "root":
			if err != nil {
				t.Errorf("Resolve(%v): %v", tc.path, err)
			} else if got, _ := n.Locked.Get("path"); got != tc.want {
				t.Errorf("Resolve(%v) reaches %v, want %s", tc.path, got, tc.want)
			}
		}
	}
}

func TestRelockErrors(t *testing.T) {
	l, err := Read(readTestdata(t, "v7-clash-follows.lock"))
	if err != nil {
		t.Fatal(err)
	}
	locked := flakeref.Attrs{}.Set("type", "path").Set("path", "/new").Set("narHash", "sha256-AAAA")
	for _, tc := range []struct {
		name string
		u    Update
		want string
	}{
		{"no input", Update{Locked: locked}, "no input to update"},
		{"empty element", Update{Input: []string{"a", ""}, Locked: locked}, "has an empty element"},
		{"no type", Update{Input: []string{"a"}, Locked: flakeref.Attrs{}.Set("path", "/x")}, `the new locked attributes have no "type"`},
		{"mutable", Update{Input: []string{"c"}, Locked: flakeref.Attrs{}.Set("type", "path").Set("path", "/x")}, `input "c" is locked to nothing`},
		{"bad locked", Update{Input: []string{"c"}, Locked: locked.Set("owner", "o")}, `the new locked attributes: invalid flake reference`},
		{"follows", Update{Input: []string{"a", "nixpkgs"}, Locked: locked}, `input "a/nixpkgs" follows "nixpkgs"; update that input instead`},
		{"missing", Update{Input: []string{"zz", "nixpkgs"}, Locked: locked}, `input "zz" is not in the lock file`},
		{"new without original", Update{Input: []string{"zz"}, Locked: locked}, `input "zz" is new to the lock file; give its original reference`},
	} {
		_, err := l.Relock(tc.u)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Relock error = %v, want %q", tc.name, err, tc.want)
		}
	}
	// A new flake = false input is added as such.
	l2, err := l.Relock(Update{Input: []string{"zz"}, Locked: locked, Original: locked, NotFlake: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := l2.Root.Inputs["zz"].Node; n == nil || n.Flake {
		t.Errorf("new input zz = %+v, want a flake = false node", n)
	}
}

// TestEscapingMatchesNix: strings are escaped as nlohmann's dump does.
// `nix registry add` decodes ?dir= and writes registry.json with the same
// dump(2) as flake.lock, so every byte from 0x01 to 0x7f and some UTF-8
// go through Nix and come back in its escaping.
func TestEscapingMatchesNix(t *testing.T) {
	oracle.Require(t, "nix")
	var raw strings.Builder
	for c := 1; c < 0x80; c++ {
		raw.WriteByte(byte(c))
	}
	raw.WriteString("é€😀")
	var enc strings.Builder
	for _, c := range []byte(raw.String()) {
		enc.WriteString("%" + strings.ToUpper(hex2(c)))
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "registry.json")
	cmd := exec.Command("nix", "registry", "add", "--registry", file, "x", "github:o/r?dir="+enc.String())
	cmd.Env = oracle.NixEnv("XDG_CONFIG_HOME=" + dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix registry add: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, line := range strings.Split(string(data), "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, `"dir": `) {
			want = strings.TrimSuffix(strings.TrimPrefix(s, `"dir": `), ",")
		}
	}
	var b bytes.Buffer
	writeString(&b, raw.String())
	if b.String() != want {
		t.Errorf("escaped\n%s\nnix\n%s", b.String(), want)
	}
	// And Read gives back the very string.
	var back string
	if err := json.Unmarshal([]byte(want), &back); err != nil || back != raw.String() {
		t.Errorf("decoding Nix's escaping: %q, %v", back, err)
	}
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func BenchmarkReadMarshal(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "v7-clash-follows.lock"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		l, err := Read(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
