package lint

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

// driftWorld is a set of small local flakes that real Nix 2.8 can lock
// offline: path: and git+file: inputs only.
type driftWorld struct {
	dir string
	env []string
}

func (w *driftWorld) path(name string) string { return filepath.Join(w.dir, name) }

func (w *driftWorld) nix(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("nix", append(args, "--option", "substituters", "")...)
	cmd.Dir = dir
	cmd.Env = w.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nix %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

func newDriftWorld(t *testing.T) *driftWorld {
	oracle.Require(t, "nix")
	oracle.Require(t, "git")
	dir := t.TempDir()
	// A local registry, so indirect inputs (flake:util) resolve offline.
	registry := filepath.Join(dir, "registry.json")
	writeFile(t, registry, fmt.Sprintf(`{"flakes": [
  {"from": {"type": "indirect", "id": "util"}, "to": {"type": "path", "path": %q}},
  {"from": {"type": "indirect", "id": "extra"}, "to": {"type": "path", "path": %q}}
], "version": 2}`, filepath.Join(dir, "util"), filepath.Join(dir, "np")))
	w := &driftWorld{dir: dir, env: oracle.NixEnv("HOME="+filepath.Join(dir, "home"),
		"NIX_CONFIG=experimental-features = nix-command flakes\nsubstituters =\nflake-registry = "+registry+"\n")}
	writeFile(t, w.path("np/flake.nix"), "{ outputs = _: { n = 1; }; }\n")
	writeFile(t, w.path("np2/flake.nix"), "{ outputs = _: { n = 2; }; }\n")
	writeFile(t, w.path("data/x"), "not a flake\n")
	// a: a flake with its own nixpkgs input and lock, as devbox has.
	writeFile(t, w.path("a/flake.nix"), fmt.Sprintf("{ inputs.nixpkgs.url = %q; inputs.util.url = %q; outputs = _: { }; }\n", "path:"+w.path("np2"), "path:"+w.path("util")))
	writeFile(t, w.path("util/flake.nix"), fmt.Sprintf("{ inputs.nixpkgs.url = %q; outputs = _: { }; }\n", "path:"+w.path("np2")))
	w.nix(t, w.path("util"), "flake", "lock")
	w.nix(t, w.path("a"), "flake", "lock")
	// g: a flake in a git repository, reached with git+file:.
	writeFile(t, w.path("g/flake.nix"), "{ outputs = _: { }; }\n")
	gitCmd(t, w.path("g"), "init", "-q")
	gitCmd(t, w.path("g"), "add", "flake.nix")
	gitCmd(t, w.path("g"), "commit", "-q", "-m", "g")
	return w
}

// flakeWith is a root flake.nix with the given inputs text; %[1]s in it is
// the world's directory.
func (w *driftWorld) flakeWith(inputs string) string {
	outputs := "\n  outputs = { self, ... }: { };"
	if strings.Contains(inputs, "outputs =") {
		outputs = ""
	}
	return "{\n" + strings.ReplaceAll(inputs, "@", w.dir) + outputs + "\n}\n"
}

// TestLockDriftMatchesNix locks a root flake with real Nix, edits its
// flake.nix, and checks that lint reports lock-drift exactly when
// `nix flake lock` then rewrites flake.lock.
func TestLockDriftMatchesNix(t *testing.T) {
	w := newDriftWorld(t)
	base := `  inputs.nixpkgs.url = "path:@/np";
  inputs.a.url = "path:@/a";
  inputs.a.inputs.nixpkgs.follows = "nixpkgs";
  inputs.data = { url = "path:@/data"; flake = false; };
  inputs.g.url = "git+file://@/g";`
	cases := []struct {
		name, before, after string
	}{
		{"unchanged", base, base},
		{"same inputs, other spelling", base, `  inputs = {
    nixpkgs = { url = "path:@/np"; };
    a = { url = "path:@/a"; inputs = { nixpkgs.follows = "nixpkgs"; }; };
    data.url = "path:@/data";
    data.flake = false;
    g.url = "git+file://@/g";
  };`},
		{"attribute form of the same reference", base, strings.Replace(base, `inputs.nixpkgs.url = "path:@/np";`, `inputs.nixpkgs = { type = "path"; path = "@/np"; };`, 1)},
		{"absolute path for path:", base, strings.Replace(base, `"path:@/np"`, `"@/np"`, 1)},
		{"url changed", base, strings.Replace(base, "@/np\"", "@/np2\"", 1)},
		{"input added", base, base + "\n  inputs.np2.url = \"path:@/np2\";"},
		{"input removed", base, strings.Replace(base, `  inputs.g.url = "git+file://@/g";`, "", 1)},
		{"follows override removed", base, strings.Replace(base, `  inputs.a.inputs.nixpkgs.follows = "nixpkgs";`, "", 1)},
		{"follows override added", strings.Replace(base, `  inputs.a.inputs.nixpkgs.follows = "nixpkgs";`, "", 1), base},
		{"follows target changed", base + "\n  inputs.np2.url = \"path:@/np2\";", strings.Replace(base, `follows = "nixpkgs"`, `follows = "np2"`, 1) + "\n  inputs.np2.url = \"path:@/np2\";"},
		{"deep follows override added", base, base + "\n  inputs.a.inputs.util.inputs.nixpkgs.follows = \"nixpkgs\";"},
		{"override of an input the input lacks", base, base + "\n  inputs.a.inputs.nope.follows = \"nixpkgs\";"},
		{"top-level input becomes a follows", base + "\n  inputs.np2.url = \"path:@/np2\";", base + "\n  inputs.np2.follows = \"nixpkgs\";"},
		{"top-level follows becomes a url", base + "\n  inputs.np2.follows = \"nixpkgs\";", base + "\n  inputs.np2.url = \"path:@/np2\";"},
		{"top-level follows unchanged", base + "\n  inputs.np2.follows = \"a/nixpkgs\";", base + "\n  inputs.np2.follows = \"a/nixpkgs\";"},
		{"url override of an input's input", base, base + "\n  inputs.a.inputs.util.url = \"path:@/util\";"},
		{"url override changed", base + "\n  inputs.a.inputs.util.url = \"path:@/util\";", base + "\n  inputs.a.inputs.util.url = \"path:@/np\";"},
		{"outputs argument becomes an input", base, base + "\n  outputs = { self, extra, ... }: { };"},
		{"outputs argument that is an input", base, base + "\n  outputs = { self, nixpkgs, a, ... }: { };"},
		{"indirect input by registry", base + "\n  inputs.util.url = \"flake:util\";", base + "\n  inputs.util.url = \"flake:util\";"},
		{"url override to the same source", base, base + "\n  inputs.a.inputs.util.url = \"path:@/util\";"},
		{"deep url override", base, base + "\n  inputs.a.inputs.util.inputs.nixpkgs.url = \"path:@/np\";"},
		{"flake = false added", base, strings.Replace(base, `inputs.g.url = "git+file://@/g";`, `inputs.g = { url = "git+file://@/g"; flake = false; };`, 1)},
		{"followed input removed", base + "\n  inputs.np2.follows = \"a/nixpkgs\";", base},
		{"flake = false dropped", base, strings.Replace(base, "flake = false; ", "", 1)},
		{"git+file: ref added", base, strings.Replace(base, `"git+file://@/g"`, `"git+file://@/g?ref=master"`, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "flake.nix"), w.flakeWith(c.before))
			w.nix(t, dir, "flake", "lock")
			before, err := os.ReadFile(filepath.Join(dir, "flake.lock"))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "flake.nix"), w.flakeWith(c.after))

			res, err := Run([]Tree{{FS: os.DirFS(dir), Start: "."}}, Options{Config: lockDriftOnly()})
			if err != nil {
				t.Fatal(err)
			}
			var findings []string
			for _, d := range res.Diagnostics {
				findings = append(findings, d.String())
			}

			w.nix(t, dir, "flake", "lock")
			after, err := os.ReadFile(filepath.Join(dir, "flake.lock"))
			if err != nil {
				t.Fatal(err)
			}
			nixChanged := !bytes.Equal(before, after)
			if nixChanged != (len(findings) > 0) {
				t.Errorf("nix flake lock changed the lock: %v; lint found: %q\nflake.nix:\n%s\nlock before:\n%s\nlock after:\n%s",
					nixChanged, findings, w.flakeWith(c.after), before, after)
			}
			if !nixChanged {
				return
			}
			// Once Nix has relocked, lint must agree the lock is current.
			res, err = Run([]Tree{{FS: os.DirFS(dir), Start: "."}}, Options{Config: lockDriftOnly()})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Diagnostics) > 0 {
				t.Errorf("after nix flake lock, lint still finds %v\nlock before:\n%s\nlock after:\n%s", res.Diagnostics, before, after)
			}
		})
	}
}

// lockDriftOnly is a configuration with every rule but lock-drift off.
func lockDriftOnly() *Config {
	c := &Config{Rules: map[string]string{}}
	for _, r := range Rules {
		if r != LockDrift {
			c.Rules[r.Name] = "off"
		}
	}
	if err := c.complete(); err != nil {
		panic(err)
	}
	return c
}

// TestNixLockedMonorepo: a git repository with two flakes whose locks real
// Nix wrote (follows, an input's own inputs, flake = false) lints clean; a
// missing follows shows as duplicate-input, and once its fix is applied and
// Nix relocks, the lock holds one copy and lint is clean again.
func TestNixLockedMonorepo(t *testing.T) {
	w := newDriftWorld(t)
	repo := t.TempDir()
	gitCmd(t, repo, "init", "-q")
	root := w.flakeWith(`  inputs.nixpkgs.url = "path:@/np2";
  inputs.a.url = "path:@/a";
  inputs.data = { url = "path:@/data"; flake = false; };`)
	api := w.flakeWith(`  inputs = {
    nixpkgs.url = "path:@/np2";
    a = {
      url = "path:@/a";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.util.inputs.nixpkgs.follows = "nixpkgs";
    };
  };`)
	writeFile(t, filepath.Join(repo, "flake.nix"), root)
	writeFile(t, filepath.Join(repo, "services/api/flake.nix"), api)
	gitCmd(t, repo, "add", "flake.nix", "services/api/flake.nix")
	w.nix(t, repo, "flake", "lock")
	w.nix(t, filepath.Join(repo, "services/api"), "flake", "lock")
	gitCmd(t, repo, "add", "flake.lock", "services/api/flake.lock")

	cfg := &Config{Rules: map[string]string{"devbox-input": "off", "devbox-shell": "off", "stale": "off"}}
	if err := cfg.complete(); err != nil {
		t.Fatal(err)
	}
	lintRepo := func() *Result {
		t.Helper()
		res, err := Run([]Tree{{FS: os.DirFS(repo), Start: ".", Display: repo, OSDir: repo}}, Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// np2 three times in the root's lock: its own, a's and a/util's; twice
	// in services/api's, whose deep follows Nix 2.8 ignores. Only a's copy
	// can be removed from the root flake.
	res := lintRepo()
	var got []string
	for _, d := range res.Diagnostics {
		rel, _ := filepath.Rel(repo, d.File)
		got = append(got, fmt.Sprintf("%s %s fixes=%d %s", rel, d.Rule.Name, len(d.Fixes), d.Message[strings.LastIndex(d.Message, ":")+1:]))
	}
	want := []string{
		`flake.nix duplicate-input fixes=1  add inputs.a.inputs.nixpkgs.follows = "nixpkgs";`,
		`flake.nix duplicate-input fixes=0  input a/util/nixpkgs is one, and Nix 2.8 cannot make it follow from this flake (overrides reach only an input's own inputs)`,
		`services/api/flake.nix duplicate-input fixes=0  input a/util/nixpkgs is one, and Nix 2.8 cannot make it follow from this flake (overrides reach only an input's own inputs)`,
	}
	if res.Flakes != 2 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%d flakes, diagnostics:\n%s\nwant:\n%s", res.Flakes, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ApplyFixes(res.Diagnostics); err != nil {
		t.Fatal(err)
	}
	// The fixed flake now drifts from its lock, until Nix relocks it.
	res = lintRepo()
	drifts := 0
	for _, d := range res.Diagnostics {
		if d.Rule == LockDrift {
			drifts++
		}
	}
	if drifts != 1 {
		t.Errorf("after the fix, before relocking: %v, want one lock-drift", res.Diagnostics)
	}
	w.nix(t, repo, "flake", "lock")
	res = lintRepo()
	if len(res.Diagnostics) != 2 || res.Diagnostics[0].Rule != DuplicateInput || !strings.Contains(res.Diagnostics[0].Message, "has 2 copies") || len(res.Diagnostics[0].Fixes) != 0 {
		fixed, _ := os.ReadFile(filepath.Join(repo, "flake.nix"))
		lock, _ := os.ReadFile(filepath.Join(repo, "flake.lock"))
		t.Errorf("after the fix and nix flake lock: %v\n%s\n%s", res.Diagnostics, fixed, lock)
	}
}
