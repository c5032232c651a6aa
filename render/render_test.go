package render

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (to create it, run: go test ./render -run '%s' -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendered %s differs from %s; if the change is intended, run: go test ./render -run '%s' -update\n%s",
			name, path, t.Name(), lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing line, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + itoa(i+1) + ":\n- " + wl + "\n+ " + gl
		}
	}
	return ""
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func loadTestPlatform(t *testing.T, path string) *BasePlan {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPlatform(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// goldenCases are every rendered file the golden and Nix parse tests check.
func goldenCases(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, cfg := range []struct{ name, path string }{
		{"base", "../base-flake/platform.yaml"},
		{"odd", "testdata/odd-platform.yaml"},
	} {
		files, err := Base(loadTestPlatform(t, cfg.path))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			out[cfg.name+"-"+strings.ReplaceAll(f.Path, "/", "-")] = f.Data
		}
	}
	withPackages := DefaultProject()
	withPackages.Packages = [][]string{{"nodejs_20"}, {"python3Packages", "requests"}, {"if"}, {"a'b"}}
	withPackages.Shells = []string{"default", "ci", "or"}
	withPackages.DevboxURL = "github:acme/devbox/v1.2?dir=base-flake"
	for name, p := range map[string]ProjectPlan{"project-default.nix": DefaultProject(), "project-packages.nix": withPackages} {
		data, err := Project(p)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	envrc, err := Envrc()
	if err != nil {
		t.Fatal(err)
	}
	out["envrc"] = envrc
	return out
}

func TestGolden(t *testing.T) {
	for name, data := range goldenCases(t) {
		t.Run(name, func(t *testing.T) { golden(t, name, data) })
	}
}

// TestRenderedFilesParseWithNix has nix-instantiate --parse accept every
// rendered Nix file (Base and Project already check them with our parser).
func TestRenderedFilesParseWithNix(t *testing.T) {
	instantiate := oracle.Require(t, "nix-instantiate")
	dir := t.TempDir()
	for name, data := range goldenCases(t) {
		if name == "envrc" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(instantiate, "--parse", p).CombinedOutput(); err != nil {
				t.Errorf("nix-instantiate --parse rejects rendered %s: %v\n%s", name, err, out)
			}
		})
	}
}

// TestCheckedInBaseFlake wants base-flake/ to hold exactly what render base
// makes of base-flake/platform.yaml (CI also runs flakectl render base --check).
func TestCheckedInBaseFlake(t *testing.T) {
	files, err := Base(loadTestPlatform(t, "../base-flake/platform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	diff, err := Diff("../base-flake", files)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("base-flake/ is stale; run: go run ./cmd/flakectl render base\n%s", diff)
	}
}

func TestProjectValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*ProjectPlan)
		msg  string
	}{
		{"no shells", func(p *ProjectPlan) { p.Shells = nil }, "the first shell must be default"},
		{"default not first", func(p *ProjectPlan) { p.Shells = []string{"dev", "default"} }, "the first shell must be default"},
		{"bad shell", func(p *ProjectPlan) { p.Shells = append(p.Shells, "a b") }, `shell name "a b" is not a name`},
		{"bad package", func(p *ProjectPlan) { p.Packages = [][]string{{"a", ""}} }, `package "a." is not a Nix attribute path`},
		{"empty package", func(p *ProjectPlan) { p.Packages = [][]string{{}} }, `package "" is not a Nix attribute path`},
		{"empty URL", func(p *ProjectPlan) { p.DevboxURL = "" }, "devbox URL: invalid flake reference"},
		{"bad URL", func(p *ProjectPlan) { p.DevboxURL = "github:x" }, `devbox URL: invalid flake reference "github:x"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultProject()
			c.edit(&p)
			_, err := Project(p)
			if err == nil || !strings.HasPrefix(err.Error(), c.msg) {
				t.Errorf("error %v, want %q", err, c.msg)
			}
		})
	}
}
