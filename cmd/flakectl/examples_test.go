package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite examples/ from flakectl init")

// examples are the product repos in examples/, each made by flakectl init
// with these arguments (its README shows the command).
var examples = []example{
	{"node-service", []string{"--package", "nodejs_20", "--package", "pnpm", "--envrc"}},
	{"python-tool", []string{"--package", "python311", "--package", "uv", "--package", "ruff", "--shell", "ci"}},
}

type example struct {
	dir  string
	args []string
}

// files are the files flakectl init writes for the example.
func (e example) files() []string {
	for _, a := range e.args {
		if a == "--envrc" {
			return []string{"flake.nix", ".envrc"}
		}
	}
	return []string{"flake.nix"}
}

func (e example) command() string {
	return "flakectl init examples/" + e.dir + " " + strings.Join(e.args, " ")
}

// TestExamples wants examples/ to hold what flakectl init writes today
// (TestNixOffline checks them with Nix).
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			dir := filepath.Join("..", "..", "examples", ex.dir)
			fresh := t.TempDir()
			if code, _, stderr := runFlakectl(t, "", append([]string{"init", fresh}, ex.args...)...); code != 0 {
				t.Fatalf("init: %s", stderr)
			}
			if *update {
				args := append([]string{"init", dir, "--force"}, ex.args...)
				if code, _, stderr := runFlakectl(t, "", args...); code != 0 {
					t.Fatalf("init: %s", stderr)
				}
			}
			for _, name := range ex.files() {
				want := readFile(t, filepath.Join(fresh, name))
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(got) != want {
					t.Errorf("examples/%s/%s is not what `%s` writes; run: go test ./cmd/flakectl -run TestExamples -update", ex.dir, name, ex.command())
				}
			}
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if err != nil || !strings.Contains(string(readme), ex.command()) {
				t.Errorf("examples/%s/README.md should show the command that made it: %s", ex.dir, ex.command())
			}
		})
	}
}
