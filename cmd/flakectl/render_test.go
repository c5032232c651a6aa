package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/render"
)

// renderFreshBase renders base-flake/platform.yaml with the render package,
// the reference the command's output is compared with.
func renderFreshBase(t *testing.T, config string) []render.File {
	t.Helper()
	files, err := render.Base(loadPlan(t, config))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// renderTestConfig copies the real platform.yaml into a fresh directory.
func renderTestConfig(t *testing.T) (dir, config string) {
	t.Helper()
	dir = t.TempDir()
	data, err := os.ReadFile("../../base-flake/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(dir, "platform.yaml")
	if err := os.WriteFile(config, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, config
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRenderBase(t *testing.T) {
	dir, config := renderTestConfig(t)
	want := renderFreshBase(t, config)
	flake, template := filepath.Join(dir, "flake.nix"), filepath.Join(dir, "template", "flake.nix")

	t.Run("warns when the claudebox script is missing", func(t *testing.T) {
		out := t.TempDir()
		code, _, stderr := runFlakectl(t, "", "render", "base", "--config", config, "--out", out)
		script := filepath.Join(out, "claudebox", "claudebox.sh")
		if code != 0 || !strings.HasSuffix(stderr, "\nflakectl: warning: "+script+" does not exist; the flake will not evaluate without it\n") {
			t.Fatalf("got %d %q", code, stderr)
		}
	})
	writeTestFile(t, filepath.Join(dir, "claudebox", "claudebox.sh"), standInClaudebox)
	t.Run("writes both files next to the config", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "render", "base", "--config", config)
		if code != 0 || stdout != "" || stderr != "wrote "+flake+"\nwrote "+template+"\n" {
			t.Fatalf("got %d %q %q", code, stdout, stderr)
		}
		for _, f := range want {
			if got := readFile(t, filepath.Join(dir, f.Path)); got != string(f.Data) {
				t.Errorf("%s differs from a fresh render", f.Path)
			}
		}
	})
	t.Run("writes nothing when the bytes are the same", func(t *testing.T) {
		old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, p := range []string{flake, template} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr := runFlakectl(t, "", "render", "base", "--config", config)
		if code != 0 || stderr != dir+" is up to date\n" {
			t.Fatalf("got %d %q", code, stderr)
		}
		for _, p := range []string{flake, template} {
			if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(old) {
				t.Errorf("%s was rewritten", p)
			}
		}
	})
	t.Run("check passes quietly when up to date", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "render", "base", "--config", config, "--check")
		if code != 0 || stdout != "" || stderr != "" {
			t.Fatalf("got %d %q %q", code, stdout, stderr)
		}
	})
	t.Run("check prints a unified diff, exits 1 and writes nothing", func(t *testing.T) {
		edited := strings.Replace(readFile(t, flake), "pkgs.jq\n", "pkgs.jq\n          pkgs.extra\n", 1)
		if err := os.WriteFile(flake, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(template); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runFlakectl(t, "", "render", "base", "--config", config, "--check")
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		for _, want := range []string{"--- " + flake + "\n", "+++ " + flake + " (rendered)\n", "@@ ", "\n-          pkgs.extra\n", "+++ " + template + " (rendered)\n", "+    devbox.url = "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("diff lacks %q:\n%s", want, stdout)
			}
		}
		if stderr != "flakectl: "+dir+" is out of date with "+config+": run 'flakectl render base' and commit the result\n" {
			t.Errorf("stderr %q", stderr)
		}
		if readFile(t, flake) != edited {
			t.Error("--check changed flake.nix")
		}
		if _, err := os.Stat(template); !os.IsNotExist(err) {
			t.Error("--check created template/flake.nix")
		}
	})
	t.Run("--out", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "new", "base")
		code, _, stderr := runFlakectl(t, "", "render", "base", "--config", config, "--out", out)
		if code != 0 || readFile(t, filepath.Join(out, "flake.nix")) != string(want[0].Data) {
			t.Fatalf("got %d %q", code, stderr)
		}
	})
}

func TestRenderBaseErrors(t *testing.T) {
	dir, config := renderTestConfig(t)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(readFile(t, config), "formatter:", "formater:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		line string // the one stderr line, after "flakectl: "
	}{
		{"missing config", []string{"--config", filepath.Join(dir, "none.yaml")}, 2, "reading config " + filepath.Join(dir, "none.yaml") + ": no such file or directory"},
		{"bad config", []string{"--config", bad}, 2, bad + ":"},
		{"arguments", []string{"--config", config, "extra"}, 2, `unknown command "extra"`},
		{"output is a file", []string{"--config", config, "--out", notDir}, 2, "--out " + notDir + " is not a directory"},
		{"output under a file", []string{"--config", config, "--out", filepath.Join(notDir, "x")}, 1, "reading " + filepath.Join(notDir, "x", "flake.nix") + ": not a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runFlakectl(t, "", append([]string{"render", "base"}, c.args...)...)
			if code != c.code || stdout != "" {
				t.Errorf("got %d %q, want exit %d", code, stdout, c.code)
			}
			if !strings.HasPrefix(stderr, "flakectl: "+c.line) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting %q", stderr, "flakectl: "+c.line)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // platform.yaml, bad.yaml, file
		t.Errorf("failed renders left files behind: %v", entries)
	}
}

func TestRenderHelp(t *testing.T) {
	for _, args := range [][]string{{"render", "base", "--help"}, {"render", "--help"}, {"render"}} {
		code, stdout, _ := runFlakectl(t, "", args...)
		for _, want := range []string{"Exit codes:", "  1  --check found", "flakectl render base --check"} {
			if code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("flakectl %s (exit %d) lacks %q", strings.Join(args, " "), code, want)
			}
		}
	}
}
