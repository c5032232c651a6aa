package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/render"
)

func TestInit(t *testing.T) {
	template := readFile(t, "../../base-flake/template/flake.nix")

	t.Run("default options write the base flake's template, creating DIR", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "new", "repo")
		code, stdout, stderr := runFlakectl(t, "", "init", dir)
		if code != 0 || stderr != "" {
			t.Fatalf("got %d %q", code, stderr)
		}
		if got := readFile(t, filepath.Join(dir, "flake.nix")); got != template {
			t.Errorf("flake.nix differs from base-flake/template/flake.nix:\n%s", got)
		}
		for _, want := range []string{"wrote " + filepath.Join(dir, "flake.nix") + "\n", "Next steps:", "cd " + dir + " && nix develop .#staging"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, ".envrc")); !os.IsNotExist(err) {
			t.Error(".envrc written without --envrc")
		}
		if st, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("flake.nix mode %v, want 0644", st.Mode())
		}
	})
	t.Run("packages, shells, devbox URL and .envrc", func(t *testing.T) {
		dir := t.TempDir()
		code, _, stderr := runFlakectl(t, "", "init", dir, "--package", "nodejs_20", "--package", "python3Packages.requests",
			"--shell", "ci", "--shell", "default", "--devbox-url", "github:acme/devbox?dir=base-flake", "--envrc")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want, err := render.Project(render.ProjectPlan{
			DevboxURL: "github:acme/devbox?dir=base-flake",
			Packages:  [][]string{{"nodejs_20"}, {"python3Packages", "requests"}},
			Shells:    []string{"default", "ci"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(dir, "flake.nix")); got != string(want) {
			t.Errorf("flake.nix:\n%s\nwant:\n%s", got, want)
		}
		envrc, _ := render.Envrc()
		if got := readFile(t, filepath.Join(dir, ".envrc")); got != string(envrc) || !strings.Contains(got, "use flake\n") {
			t.Errorf(".envrc %q", got)
		}
	})
	t.Run("identical files are fine; different ones need --force", func(t *testing.T) {
		dir := t.TempDir()
		if code, _, stderr := runFlakectl(t, "", "init", dir, "--envrc"); code != 0 {
			t.Fatalf("first init: %d %s", code, stderr)
		}
		code, stdout, stderr := runFlakectl(t, "", "init", dir, "--envrc")
		if code != 0 || !strings.Contains(stdout, "2 file(s) already up to date") {
			t.Fatalf("second init: %d %q %q", code, stdout, stderr)
		}
		code, _, stderr = runFlakectl(t, "", "init", dir, "--package", "jq")
		flake := filepath.Join(dir, "flake.nix")
		if code != 1 || stderr != "flakectl: "+flake+" exists and differs from the flake init would write (use --force to overwrite it)\n" {
			t.Errorf("different file: got %d %q", code, stderr)
		}
		if readFile(t, flake) != template {
			t.Error("refused init changed flake.nix")
		}
		if code, _, stderr := runFlakectl(t, "", "init", dir, "--package", "jq", "--force"); code != 0 {
			t.Fatalf("--force: %d %s", code, stderr)
		}
		if !strings.Contains(readFile(t, flake), "pkgs.jq\n") {
			t.Error("--force did not overwrite flake.nix")
		}
	})
	t.Run("a refusal writes nothing at all", func(t *testing.T) {
		dir := t.TempDir()
		envrc := filepath.Join(dir, ".envrc")
		if err := os.WriteFile(envrc, []byte("use nix\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runFlakectl(t, "", "init", dir, "--envrc")
		if code != 1 || !strings.Contains(stderr, envrc+" exists and differs") {
			t.Errorf("got %d %q", code, stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("refused init left %v", entries)
		}
	})
	t.Run("git add --intent-to-add in a git repository", func(t *testing.T) {
		git, err := exec.LookPath("git")
		if err != nil {
			t.Skip("git not installed")
		}
		repo := t.TempDir()
		if out, err := exec.Command(git, "init", "-q", repo).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v %s", err, out)
		}
		sub := filepath.Join(repo, "svc")
		if code, _, stderr := runFlakectl(t, "", "init", sub, "--envrc"); code != 0 {
			t.Fatalf("init: %d %s", code, stderr)
		}
		out, err := exec.Command(git, "-C", repo, "ls-files").Output()
		if err != nil || string(out) != "svc/.envrc\nsvc/flake.nix\n" {
			t.Errorf("git ls-files: %q %v, want the two files known to git", out, err)
		}
	})
	t.Run("outside git nothing is added", func(t *testing.T) {
		dir := t.TempDir()
		if code, _, stderr := runFlakectl(t, "", "init", dir); code != 0 || stderr != "" {
			t.Fatalf("init: %d %s", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); !os.IsNotExist(err) {
			t.Error("init created a git repository")
		}
	})
}

func TestInitErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		line string // the one stderr line, after "flakectl: "
	}{
		{"package with a space", []string{"--package", "node js"}, `--package: "node js" is not a Nix attribute path`},
		{"package with an empty name", []string{"--package", "python3Packages..requests"}, `--package: "python3Packages..requests" is not a Nix attribute path (empty name)`},
		{"package starting with a digit", []string{"--package", "1password"}, `--package: "1password" is not a Nix attribute path ("1password" is not a name`},
		{"package with interpolation", []string{"--package", "${x}"}, `--package: "\${x}" is not a Nix attribute path`},
		{"installable", []string{"--package", "nixpkgs#jq"}, `--package: "nixpkgs#jq" is not a Nix attribute path`},
		{"empty package", []string{"--package", ""}, `--package: empty attribute path`},
		{"shell name", []string{"--shell", "a.b"}, `shell name "a.b" is not a name`},
		{"shell twice", []string{"--shell", "ci", "--shell", "ci"}, `shell "ci" is given twice`},
		{"devbox URL", []string{"--devbox-url", "github:"}, `--devbox-url: invalid flake reference "github:"`},
		{"DIR is a file", []string{file}, file + " is not a directory"},
		{"two dirs", []string{dir, dir}, "accepts at most 1 arg(s), received 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"init"}, c.args...)
			if c.name != "DIR is a file" && c.name != "two dirs" {
				args = append(args, dir)
			}
			code, stdout, stderr := runFlakectl(t, "", args...)
			if code != 2 || stdout != "" {
				t.Errorf("got %d %q, want exit 2", code, stdout)
			}
			if !strings.HasPrefix(stderr, "flakectl: "+c.line) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting %q", stderr, "flakectl: "+c.line)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("rejected inits left files: %v", entries)
	}
}

func TestInitHelp(t *testing.T) {
	code, stdout, _ := runFlakectl(t, "", "init", "--help")
	for _, want := range []string{"Exit codes:", "  2  usage error", "flakectl init services/api --package nodejs_20"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("init --help (exit %d) lacks %q", code, want)
		}
	}
}
