package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/render"
)

// The tests here prove rendered flakes with real Nix, offline: every input is
// overridden with a small fake flake from testdata/nixfakes (see its README).

// nixFlakes is a base flake rendered by flakectl into a temporary directory
// and locked against the fakes, shared by the subtests of TestNixOffline.
type nixFlakes struct {
	nix, git string
	fakes    string // absolute testdata/nixfakes
	base     string // the rendered, locked base flake
	plan     *render.BasePlan
}

// standInClaudebox is the script used until base-flake/claudebox/claudebox.sh
// is committed: the flake only reads it as text.
const standInClaudebox = "echo 'claudebox stand-in for tests'\n"

func newNixFlakes(t *testing.T) *nixFlakes {
	t.Helper()
	f := &nixFlakes{nix: oracle.Require(t, "nix"), git: oracle.Require(t, "git")}
	fakes, err := filepath.Abs(filepath.Join("testdata", "nixfakes"))
	if err != nil {
		t.Fatal(err)
	}
	f.fakes = fakes
	config := filepath.Join("..", "..", "base-flake", "platform.yaml")
	f.plan = loadPlan(t, config)
	f.base = filepath.Join(t.TempDir(), "base")
	if code, _, stderr := runFlakectl(t, "", "render", "base", "--config", config, "--out", f.base); code != 0 {
		t.Fatalf("render base: %s", stderr)
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "base-flake", f.plan.Claudebox.Script))
	if os.IsNotExist(err) {
		script, err = []byte(standInClaudebox), nil
	}
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(f.base, f.plan.Claudebox.Script), string(script))
	f.run(t, f.base, "flake", "lock", "path:"+f.base,
		"--override-input", "nixpkgs", "path:"+f.fake("nixpkgs"),
		"--override-input", "flake-utils", "path:"+f.fake("flake-utils"),
		"--override-input", "flake-utils/systems", "path:"+f.fake("systems"),
		"--override-input", "claude-code", "path:"+f.fake("claude-code"))
	return f
}

func (f *nixFlakes) fake(name string) string { return filepath.Join(f.fakes, name) }

func loadPlan(t *testing.T, config string) *render.BasePlan {
	t.Helper()
	data, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := render.LoadPlatform(config, data)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs nix in dir, offline (no substituters), and returns its stdout
// and stderr; a failure fails the test with Nix's message.
func (f *nixFlakes) run(t *testing.T, dir string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(f.nix, append(args, "--option", "substituters", "")...)
	cmd.Dir = dir
	cmd.Env = oracle.NixEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("nix %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// evalJSON evaluates a flake output, applies fn and decodes the JSON into v.
func (f *nixFlakes) evalJSON(t *testing.T, dir, installable, fn string, v any) {
	t.Helper()
	out, _ := f.run(t, dir, "eval", "--json", installable, "--apply", fn)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("nix eval %s: %v in %q", installable, err, out)
	}
}

// evalExprJSON is evalJSON for an expression, e.g. (builtins.getFlake "path:…")
// for a flake's whole outputs.
func (f *nixFlakes) evalExprJSON(t *testing.T, dir, expr, fn string, v any) {
	t.Helper()
	out, _ := f.run(t, dir, "eval", "--json", "--impure", "--expr", "("+fn+") "+expr)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("nix eval %s: %v in %q", expr, err, out)
	}
}

// storeNames turns "/nix/store/HASH-name …" into the names.
func storeNames(paths string) []string {
	var names []string
	for _, p := range strings.Fields(paths) {
		base := filepath.Base(p)
		if i := strings.IndexByte(base, '-'); i >= 0 {
			base = base[i+1:]
		}
		names = append(names, base)
	}
	return names
}

// gitRepo makes an empty git repository, as a product repo starts.
func (f *nixFlakes) gitRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command(f.git, "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	return dir
}

// lockProject locks a project flake with devbox overridden by the locked base
// flake (whose own lock points at the fakes), then runs nix flake check.
func (f *nixFlakes) lockAndCheck(t *testing.T, dir string) {
	t.Helper()
	f.run(t, dir, "flake", "lock", "--override-input", "devbox", "path:"+f.base)
	f.run(t, dir, "flake", "check")
}

// expectedName is the derivation name the fakes give a package: its
// attribute name in the fake nixpkgs, read with Nix; a package of another
// input (claude-code#default) is named after the input.
func (f *nixFlakes) expectedNames(t *testing.T, refs []render.PackageRef) []string {
	t.Helper()
	var exprs []string
	for _, r := range refs {
		if r.Input != "" {
			exprs = append(exprs, render.Quote(r.Input))
			continue
		}
		exprs = append(exprs, "pkgs."+render.AttrPath(r.Attr...)+".name")
	}
	var names []string
	f.evalJSON(t, f.fakes, "path:"+f.fake("nixpkgs")+"#legacyPackages.x86_64-linux", "pkgs: [ "+strings.Join(exprs, " ")+" ]", &names)
	return names
}

func TestNixOffline(t *testing.T) {
	f := newNixFlakes(t)
	var basePackages []render.PackageRef
	for _, g := range f.plan.PackageGroups {
		basePackages = append(basePackages, g.Packages...)
	}
	wantBase := f.expectedNames(t, basePackages)
	var baseShell []string // the base shell's packages, as Nix evaluates them
	f.evalJSON(t, f.base, "path:"+f.base+"#devShells.x86_64-linux.default", "s: map (d: d.name) s.nativeBuildInputs", &baseShell)

	t.Run("base flake check", func(t *testing.T) {
		t.Parallel()
		f.run(t, f.base, "flake", "check", "path:"+f.base)
	})
	t.Run("base flake outputs", func(t *testing.T) {
		t.Parallel()
		var got struct {
			Lib         []string `json:"lib"`
			Runtime     []string `json:"runtime"`
			Text        string   `json:"text"`
			Formatter   string   `json:"formatter"`
			Description string   `json:"description"`
			Welcome     string   `json:"welcome"`
			Systems     []string `json:"systems"`
		}
		f.evalExprJSON(t, f.base, "(builtins.getFlake "+render.Quote("path:"+f.base)+")", `f: let s = "x86_64-linux"; names = map (d: d.name); in {
			lib = names (f.lib.basePackages s);
			runtime = names f.packages.${s}.claudebox.runtimeInputs;
			text = f.packages.${s}.claudebox.text;
			formatter = f.formatter.${s}.name;
			description = f.templates.default.description;
			welcome = f.templates.default.welcomeText;
			systems = builtins.attrNames f.devShells;
		}`, &got)
		if !reflect.DeepEqual(got.Lib, wantBase) {
			t.Errorf("lib.basePackages: %v, want platform.yaml's %v", got.Lib, wantBase)
		}
		if want := append(append([]string(nil), wantBase...), "claudebox"); !reflect.DeepEqual(baseShell, want) {
			t.Errorf("base dev shell packages: %v, want %v", baseShell, want)
		}
		if want := f.expectedNames(t, f.plan.Claudebox.RuntimeInputs); !reflect.DeepEqual(got.Runtime, want) {
			t.Errorf("claudebox runtimeInputs: %v, want %v", got.Runtime, want)
		}
		if want := readFile(t, filepath.Join(f.base, f.plan.Claudebox.Script)); got.Text != want {
			t.Errorf("claudebox text is not %s", f.plan.Claudebox.Script)
		}
		if want := f.expectedNames(t, []render.PackageRef{f.plan.Formatter}); got.Formatter != want[0] {
			t.Errorf("formatter %q, want %q", got.Formatter, want[0])
		}
		if got.Description != f.plan.Template.Description || got.Welcome != f.plan.Template.WelcomeText {
			t.Errorf("templates.default: %q %q", got.Description, got.Welcome)
		}
		if !slices.Contains(got.Systems, "x86_64-linux") || !slices.Contains(got.Systems, "aarch64-darwin") {
			t.Errorf("devShells for %v", got.Systems)
		}
	})
	t.Run("nix flake init -t and flakectl init write the same flake.nix", func(t *testing.T) {
		t.Parallel()
		byNix, byFlakectl := f.gitRepo(t), f.gitRepo(t)
		_, stderr := f.run(t, byNix, "flake", "init", "-t", "path:"+f.base)
		if code, _, stderr := runFlakectl(t, "", "init", byFlakectl); code != 0 {
			t.Fatalf("flakectl init: %s", stderr)
		}
		if a, b := readFile(t, filepath.Join(byNix, "flake.nix")), readFile(t, filepath.Join(byFlakectl, "flake.nix")); a != b {
			t.Errorf("nix flake init wrote:\n%s\nflakectl init wrote:\n%s", a, b)
		}
		if first := strings.SplitN(f.plan.Template.WelcomeText, "\n", 2)[0]; !strings.Contains(stderr, strings.TrimLeft(first, "# ")) {
			t.Errorf("nix flake init did not print the welcome text: %q", stderr)
		}
		for _, dir := range []string{byNix, byFlakectl} {
			out, err := exec.Command(f.git, "-C", dir, "ls-files").Output()
			if err != nil || string(out) != "flake.nix\n" {
				t.Errorf("%s: git ls-files %q, want flake.nix", dir, out)
			}
		}
		f.lockAndCheck(t, byFlakectl)
	})
	t.Run("an init'ed project has the base shell and its own packages", func(t *testing.T) {
		t.Parallel()
		dir := f.gitRepo(t)
		pkgs := []string{"nodejs_20", "python3Packages.requests"}
		if code, _, stderr := runFlakectl(t, "", "init", dir, "--package", pkgs[0], "--package", pkgs[1], "--shell", "ci", "--envrc"); code != 0 {
			t.Fatalf("flakectl init: %s", stderr)
		}
		f.lockAndCheck(t, dir)
		var refs []render.PackageRef
		for _, p := range pkgs {
			r, err := render.ParsePackageRef(p)
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, r)
		}
		wantProject := f.expectedNames(t, refs)
		type shell struct {
			Native []string `json:"native"`
			Build  []string `json:"build"`
			Name   string   `json:"name"`
			Drv    string   `json:"drv"`
		}
		var shells map[string]shell
		f.evalJSON(t, dir, ".#devShells.x86_64-linux", `shells: builtins.mapAttrs (n: s: {
			native = map (d: d.name) s.nativeBuildInputs;
			build = map (d: d.name) s.buildInputs;
			name = s.DEVBOX_SHELL;
			drv = s.drvPath;
		}) shells`, &shells)
		var names []string
		for n := range shells {
			names = append(names, n)
		}
		sort.Strings(names)
		if !reflect.DeepEqual(names, []string{"ci", "default"}) {
			t.Errorf("shells %v, want ci and default", names)
		}
		for name, s := range shells {
			if !reflect.DeepEqual(s.Native, baseShell) {
				t.Errorf("%s shell: inputs from the base shell %v, want %v", name, s.Native, baseShell)
			}
			if !reflect.DeepEqual(s.Build, wantProject) {
				t.Errorf("%s shell: project packages %v, want %v", name, s.Build, wantProject)
			}
			if s.Name != name || !strings.HasPrefix(s.Drv, "/nix/store/") {
				t.Errorf("%s shell: DEVBOX_SHELL %q, drvPath %q", name, s.Name, s.Drv)
			}
		}
		// nix develop builds the shell and runs a command in it, as a
		// developer would: the environment holds the base shell's packages
		// and the project's.
		stdout, _ := f.run(t, dir, "develop", ".#ci", "-c", "bash", "-c", `printf '%s\n' "$DEVBOX_SHELL" "$nativeBuildInputs" "$buildInputs"`)
		lines := strings.Split(stdout, "\n")
		if len(lines) < 3 || lines[0] != "ci" || !reflect.DeepEqual(storeNames(lines[1]), baseShell) || !reflect.DeepEqual(storeNames(lines[2]), wantProject) {
			t.Errorf("nix develop .#ci: environment %q, want DEVBOX_SHELL=ci, the base shell's %v and the project's %v", stdout, baseShell, wantProject)
		}
		var lock struct {
			Nodes map[string]struct {
				Inputs map[string]any `json:"inputs"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "flake.lock"))), &lock); err != nil {
			t.Fatal(err)
		}
		var nixpkgsNodes []string
		for k := range lock.Nodes {
			if strings.HasPrefix(k, "nixpkgs") {
				nixpkgsNodes = append(nixpkgsNodes, k)
			}
		}
		if len(nixpkgsNodes) != 1 || fmt.Sprint(lock.Nodes["root"].Inputs["nixpkgs"]) != "[devbox nixpkgs]" {
			t.Errorf("the lock should hold one nixpkgs, the project's following devbox's: nodes %v, root nixpkgs %v", nixpkgsNodes, lock.Nodes["root"].Inputs["nixpkgs"])
		}
	})
	for _, ex := range examples {
		t.Run("example "+ex.dir, func(t *testing.T) {
			t.Parallel()
			dir := f.gitRepo(t)
			for _, name := range ex.files() {
				writeTestFile(t, filepath.Join(dir, name), readFile(t, filepath.Join("..", "..", "examples", ex.dir, name)))
			}
			if out, err := exec.Command(f.git, "-C", dir, "add", ".").CombinedOutput(); err != nil {
				t.Fatalf("git add: %v %s", err, out)
			}
			f.lockAndCheck(t, dir)
		})
	}
}
