package lockfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/nix/flakeref"
)

// These tests build real flakes, lock them with Nix 2.8 and check that
// flakectl reads and writes Nix's bytes exactly, and computes the same new
// lock as `nix flake lock --update-input`.

// world is one tree of flakes locked by Nix. Every scenario gets its own,
// since updating an input changes files other scenarios depend on.
type world struct {
	t   *testing.T
	dir string
	env []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	oracle.Require(t, "nix")
	oracle.Require(t, "git")
	dir := t.TempDir()
	empty := filepath.Join(dir, "registry.json")
	writeFile(t, empty, `{"flakes":[],"version":2}`)
	env := append(oracle.NixEnv(),
		"NIX_CONFIG=experimental-features = nix-command flakes\nsubstituters =\nflake-registry = "+empty+"\n",
		"GIT_AUTHOR_NAME=x", "GIT_AUTHOR_EMAIL=x@example.com",
		"GIT_COMMITTER_NAME=x", "GIT_COMMITTER_EMAIL=x@example.com",
		"GIT_AUTHOR_DATE=2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2020-01-01T00:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	w := &world{t: t, dir: dir, env: env}
	w.build()
	return w
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (w *world) path(name string) string { return filepath.Join(w.dir, name) }

// flake writes NAME/flake.nix with the given inputs block; @/ in it stands
// for the world's directory.
func (w *world) flake(name, inputs string) {
	w.t.Helper()
	writeFile(w.t, filepath.Join(w.path(name), "flake.nix"),
		"{\n"+strings.ReplaceAll(inputs, "@/", w.dir+"/")+"\n  outputs = _: { };\n}\n")
}

func (w *world) run(dir string, name string, args ...string) string {
	w.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = w.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out)
}

func (w *world) git(name string, args ...string) {
	w.t.Helper()
	w.run(w.path(name), "git", append([]string{"-c", "user.name=x", "-c", "user.email=x@example.com"}, args...)...)
}

func (w *world) commit(name, msg string) {
	w.t.Helper()
	w.git(name, "add", "-A")
	w.git(name, "commit", "-q", "-m", msg)
}

func (w *world) lock(name string, args ...string) []byte {
	w.t.Helper()
	w.run(w.path(name), "nix", append([]string{"flake", "lock"}, args...)...)
	data, err := os.ReadFile(filepath.Join(w.path(name), "flake.lock"))
	if err != nil {
		w.t.Fatal(err)
	}
	return data
}

const rootInputs = `  inputs.a.url = "path:@/a";
  inputs.a.inputs.nixpkgs.follows = "nixpkgs";
  inputs.b.url = "git+file://@/b";
  inputs.b.inputs.nixpkgs.follows = "nixpkgs";
  inputs.d.url = "git+file://@/d";
  inputs.nixpkgs.url = "path:@/np3";
  inputs.c = { url = "path:@/data"; flake = false; };
  inputs.u.follows = "b/util";`

// build makes the base tree:
//
//	np1 np2 np3   flakes without inputs
//	data          a plain directory (a flake = false input)
//	sub           path flake: nixpkgs -> np1
//	a             path flake: nixpkgs -> np1
//	b             git flake: nixpkgs -> np2, util -> np3, sub with
//	              sub.inputs.nixpkgs.follows = "nixpkgs", lib.follows = "sub",
//	              raw -> data (flake = false)
//	d             git flake: nixpkgs -> np1 (a second input named nixpkgs)
//	root          a and b with a.inputs.nixpkgs.follows = "nixpkgs" and
//	              b.inputs.nixpkgs.follows = "nixpkgs" (so b/sub/nixpkgs, three
//	              deep, follows b/nixpkgs which follows nixpkgs), d,
//	              nixpkgs -> np3, c -> data (flake = false), u.follows = "b/util"
//
// (Nix 2.8 cannot take an override three deep from the root, such as
// b.inputs.sub.inputs.nixpkgs.follows: it then looks b/sub up as flake:sub.)
func (w *world) build() {
	for _, n := range []string{"np1", "np2", "np3"} {
		w.flake(n, "")
	}
	writeFile(w.t, filepath.Join(w.path("data"), "hello.txt"), "hello\n")
	w.flake("sub", `  inputs.nixpkgs.url = "path:@/np1";`)
	w.flake("a", `  inputs.nixpkgs.url = "path:@/np1";`)
	w.flake("b", `  inputs.nixpkgs.url = "path:@/np2";
  inputs.util.url = "path:@/np3";
  inputs.sub.url = "path:@/sub";
  inputs.sub.inputs.nixpkgs.follows = "nixpkgs";
  inputs.lib.follows = "sub";
  inputs.raw = { url = "path:@/data"; flake = false; };`)
	w.flake("d", `  inputs.nixpkgs.url = "path:@/np1";`)
	w.flake("root", rootInputs)
	w.lock("sub")
	w.lock("a")
	for _, g := range []string{"b", "d"} {
		w.git(g, "init", "-q", "-b", "main")
		w.commit(g, "init")
		w.lock(g)
		w.commit(g, "lock")
	}
	w.lock("root")
}

// locked returns what Nix locks a flake reference to, from nix flake
// metadata. On the way it checks flakeref against the same output: the
// original URL parses to the original attributes, and the locked
// attributes print as Nix's locked URL.
func (w *world) locked(ref string) flakeref.Attrs {
	w.t.Helper()
	var meta struct {
		Locked, Original map[string]any
		URL, OriginalURL string
	}
	dec := json.NewDecoder(strings.NewReader(w.run(w.dir, "nix", "flake", "metadata", "--json", ref)))
	dec.UseNumber()
	if err := dec.Decode(&meta); err != nil {
		w.t.Fatal(err)
	}
	a, err := flakeref.AttrsFromMap(meta.Locked)
	if err != nil {
		w.t.Fatal(err)
	}
	lockedRef, err := flakeref.FromOrdered(a)
	if err != nil {
		w.t.Fatalf("flakeref rejects Nix's locked %v: %v", meta.Locked, err)
	}
	if lockedRef.String() != meta.URL {
		w.t.Errorf("locked %v prints as %q, Nix prints %q", meta.Locked, lockedRef.String(), meta.URL)
	}
	orig, err := flakeref.Parse(meta.OriginalURL)
	if err != nil {
		w.t.Fatalf("flakeref rejects Nix's original URL %q: %v", meta.OriginalURL, err)
	}
	if want, err := flakeref.FromAttrs(meta.Original); err != nil || !orig.Equal(want) {
		w.t.Errorf("%q parses to %v, Nix has %v (%v)", meta.OriginalURL, orig.Ordered(), meta.Original, err)
	}
	return a
}

// lockedPath returns what Nix locks a plain (non-flake) directory to.
func (w *world) lockedPath(dir string) flakeref.Attrs {
	w.t.Helper()
	expr := fmt.Sprintf(`let t = builtins.fetchTree { type = "path"; path = %q; }; in { inherit (t) lastModified narHash; }`, dir)
	var got struct {
		LastModified int64
		NarHash      string
	}
	if err := json.Unmarshal([]byte(w.run(w.dir, "nix", "eval", "--impure", "--json", "--expr", expr)), &got); err != nil {
		w.t.Fatal(err)
	}
	a, err := flakeref.AttrsFromMap(map[string]any{"lastModified": got.LastModified, "narHash": got.NarHash, "path": dir, "type": "path"})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func readLock(t *testing.T, path string) *LockFile {
	t.Helper()
	l, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustMarshal(t *testing.T, l *LockFile) []byte {
	t.Helper()
	out, err := l.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyRoot clones the root flake (flake.nix and flake.lock) to a new
// directory, so Nix can update one copy while the old lock stays at hand.
func (w *world) copyRoot(name string) {
	w.t.Helper()
	for _, f := range []string{"flake.nix", "flake.lock"} {
		data, err := os.ReadFile(filepath.Join(w.path("root"), f))
		if err != nil {
			w.t.Fatal(err)
		}
		writeFile(w.t, filepath.Join(w.path(name), f), string(data))
	}
}

func diffLocks(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from Nix's\n--- flakectl\n%s\n--- nix\n%s", what, got, want)
	}
}

// checkRoundTrip: a lock Nix wrote reads and writes back byte for byte.
func checkRoundTrip(t *testing.T, what string, want []byte) {
	t.Helper()
	l, err := Read(want)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	diffLocks(t, what+" rewritten", mustMarshal(t, l), want)
}

func checkFixtureShape(t *testing.T, root *LockFile) {
	t.Helper()
	// The shape the fixture promises: a clash renamed, follows at depths 1
	// to 3 and chained, flake = false. If Nix changed its mind these tell.
	nixpkgs := root.Root.Inputs["nixpkgs"].Node
	if n, err := root.Resolve([]string{"b", "sub", "nixpkgs"}); err != nil || n == nil || n != nixpkgs {
		t.Errorf("b/sub/nixpkgs resolves to %v, %v; want the root's nixpkgs", n, err)
	}
	if n, err := root.Resolve([]string{"u"}); err != nil || n == nil || n != root.Root.Inputs["b"].Node.Inputs["util"].Node {
		t.Errorf("u resolves to %v, %v; want b/util", n, err)
	}
	if root.Root.Inputs["c"].Node.Flake {
		t.Errorf("c should be flake = false")
	}
	if !bytes.Contains(mustMarshal(t, root), []byte(`"nixpkgs_2"`)) {
		t.Errorf("expected a renamed clash nixpkgs_2 in\n%s", mustMarshal(t, root))
	}
}

// checkOldVersions writes the root lock in the version 5 and 6 forms next
// to a copy of the root flake, and checks that what Nix makes of each
// (the lock `nix flake metadata --json` reports) is what flakectl reads.
func checkOldVersions(t *testing.T, w *world) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.path("root"), "flake.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []int{5, 6} {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		doc["version"] = version
		for _, n := range doc["nodes"].(map[string]any) {
			node := n.(map[string]any)
			locked, ok := node["locked"].(map[string]any)
			if !ok || version != 5 {
				continue
			}
			info := map[string]any{}
			for _, k := range []string{"narHash", "lastModified"} {
				if v, ok := locked[k]; ok {
					info[k] = v
					delete(locked, k)
				}
			}
			node["info"] = info
		}
		old, _ := json.MarshalIndent(doc, "", "  ")
		name := fmt.Sprintf("v%d", version)
		w.copyRoot(name)
		writeFile(t, filepath.Join(w.path(name), "flake.lock"), string(old))
		var meta struct{ Locks any }
		if err := json.Unmarshal([]byte(w.run(w.dir, "nix", "flake", "metadata", "--json", "path:"+w.path(name))), &meta); err != nil {
			t.Fatal(err)
		}
		l, err := Read(old)
		if err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		var ours any
		if err := json.Unmarshal(mustMarshal(t, l), &ours); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ours, meta.Locks) {
			t.Errorf("version %d: flakectl reads\n%v\nnix reads\n%v", version, ours, meta.Locks)
		}
		if reflect.DeepEqual(ours, doc) {
			t.Errorf("version %d: the old form is the same as the new; the check proves nothing", version)
		}
	}
}

// TestRelockMatchesNix changes one input, lets Nix update it with
// --update-input, and checks flakectl computes the same lock from the old
// lock, the input's new locked attributes and its own flake.lock.
func TestRelockMatchesNix(t *testing.T) {
	knownFollows := []Follows{
		{Input: []string{"a", "nixpkgs"}, Target: []string{"nixpkgs"}},
		{Input: []string{"b", "nixpkgs"}, Target: []string{"nixpkgs"}},
	}
	type scenario struct {
		name   string
		input  []string
		change func(w *world) (locked flakeref.Attrs, own *LockFile)
		// newFollows are overrides the root flake.nix gains in the change:
		// only a caller who passes them (FollowsKnown) can get them right.
		newFollows []Follows
		// original is the input's new declared reference, when the change
		// edits it in the root flake.nix (@/ stands for the tree).
		original string
	}
	scenarios := []scenario{
		{
			// b's flake.nix changes: nixpkgs moves, a new flake input with
			// its own nixpkgs appears, the raw input goes.
			name:  "git flake with new transitive inputs",
			input: []string{"b"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				w.flake("b", `  inputs.nixpkgs.url = "path:@/np1";
  inputs.util.url = "path:@/np3";
  inputs.sub.url = "path:@/sub";
  inputs.sub.inputs.nixpkgs.follows = "nixpkgs";
  inputs.lib.follows = "sub";
  inputs.tools.url = "git+file://@/d";`)
				w.commit("b", "v2")
				w.lock("b")
				w.commit("b", "lock v2")
				return w.locked("git+file://" + w.path("b")), readLock(w.t, filepath.Join(w.path("b"), "flake.lock"))
			},
		},
		{
			name:  "git flake new commit",
			input: []string{"d"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				checkOldVersions(w.t, w)
				writeFile(w.t, filepath.Join(w.path("d"), "README"), "new\n")
				w.commit("d", "readme")
				return w.locked("git+file://" + w.path("d")), readLock(w.t, filepath.Join(w.path("d"), "flake.lock"))
			},
		},
		{
			name:  "flake = false path input",
			input: []string{"c"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				writeFile(w.t, filepath.Join(w.path("data"), "more.txt"), "more\n")
				return w.lockedPath(w.path("data")), nil
			},
		},
		{
			name:  "root flake adds a follows for the updated input",
			input: []string{"b"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				w.flake("root", rootInputs+`
  inputs.b.inputs.util.follows = "a";`)
				writeFile(w.t, filepath.Join(w.path("b"), "README"), "new\n")
				w.commit("b", "readme")
				return w.locked("git+file://" + w.path("b")), readLock(w.t, filepath.Join(w.path("b"), "flake.lock"))
			},
			newFollows: []Follows{{Input: []string{"b", "util"}, Target: []string{"a"}}},
		},
		{
			name:  "root flake changes the declared reference",
			input: []string{"d"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				w.flake("root", strings.Replace(rootInputs, `"git+file://@/d"`, `"git+file://@/d?ref=main"`, 1))
				return w.locked("git+file://" + w.path("d") + "?ref=main"), readLock(w.t, filepath.Join(w.path("d"), "flake.lock"))
			},
			original: "git+file://@/d?ref=main",
		},
		{
			name:  "input of an input",
			input: []string{"b", "sub"},
			change: func(w *world) (flakeref.Attrs, *LockFile) {
				writeFile(w.t, filepath.Join(w.path("sub"), "extra.nix"), "{ }\n")
				return w.locked("path:" + w.path("sub")), readLock(w.t, filepath.Join(w.path("sub"), "flake.lock"))
			},
		},
	}
	// One tree for all scenarios, run in this order: each changes only
	// what later ones no longer fetch (Nix re-reads a copied input only
	// when its lock has follows the root does not override, and then by
	// its locked git revision), and the one that edits the root flake.nix
	// runs last. Building a tree per scenario would triple the Nix calls.
	order := []string{
		"git flake new commit",
		"flake = false path input",
		"input of an input",
		"git flake with new transitive inputs",
		"root flake changes the declared reference",
		"root flake adds a follows for the updated input",
	}
	if len(order) != len(scenarios) {
		t.Fatalf("order lists %d scenarios, there are %d", len(order), len(scenarios))
	}
	w := newWorld(t)
	for _, name := range []string{"root", "a", "b", "d", "sub"} {
		data, err := os.ReadFile(filepath.Join(w.path(name), "flake.lock"))
		if err != nil {
			t.Fatal(err)
		}
		checkRoundTrip(t, name+"/flake.lock", data)
	}
	old := readLock(t, filepath.Join(w.path("root"), "flake.lock"))
	checkFixtureShape(t, old)
	for _, name := range order {
		i := slices.IndexFunc(scenarios, func(sc scenario) bool { return sc.name == name })
		if i < 0 {
			t.Fatalf("no scenario %q", name)
		}
		sc := scenarios[i]
		t.Run(sc.name, func(t *testing.T) {
			w.t = t
			defer func() { w.t = nil }()
			locked, own := sc.change(w)
			updated := fmt.Sprintf("updated%d", i)
			w.copyRoot(updated)
			want := w.lock(updated, "--update-input", strings.Join(sc.input, "/"))
			if bytes.Equal(want, mustMarshal(t, old)) {
				t.Fatalf("the change made no difference to Nix's lock; the scenario proves nothing")
			}
			checkRoundTrip(t, updated+"/flake.lock", want)
			for _, known := range []bool{false, true} {
				if !known && sc.newFollows != nil {
					continue // the old lock cannot know about them
				}
				follows := append(slices.Clone(knownFollows), sc.newFollows...)
				u := Update{Input: sc.input, Locked: locked, Lock: own, Follows: follows, FollowsKnown: known}
				if sc.original != "" {
					ref, err := flakeref.Parse(strings.ReplaceAll(sc.original, "@/", w.dir+"/"))
					if err != nil {
						t.Fatal(err)
					}
					u.Original = ref.Ordered()
				}
				got, err := old.Relock(u)
				if err != nil {
					t.Fatalf("Relock (follows known: %v): %v", known, err)
				}
				diffLocks(t, fmt.Sprintf("relocked lock (follows known: %v)", known), mustMarshal(t, got), want)
			}
		})
	}
}
