package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runFlakectl runs the whole CLI in-process with stdin as standard input.
func runFlakectl(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestRootCommand(t *testing.T) {
	for _, c := range []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring
		stderrLine string // substring of the single stderr line, "" for no stderr
	}{
		{"help", []string{"--help"}, 0, "Exit codes:", ""},
		{"help has examples", []string{"--help"}, 0, "flakectl nix parse --check", ""},
		{"version", []string{"version"}, 0, "flakectl ", ""},
		{"completion", []string{"completion", "bash"}, 0, "__start_flakectl", ""},
		{"unknown command", []string{"bogus"}, 2, "", `unknown command "bogus"`},
		{"unknown flag", []string{"--bogus"}, 2, "", "unknown flag: --bogus"},
		{"version takes no args", []string{"version", "x"}, 2, "", `unknown command "x"`},
		{"parse without files", []string{"nix", "parse"}, 2, "", "no files given"},
		{"parse help", []string{"nix", "parse", "--help"}, 0, "Exit codes:", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runFlakectl(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, c.code, stderr)
			}
			if !strings.Contains(stdout, c.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout, c.stdout)
			}
			if c.stderrLine == "" {
				if stderr != "" {
					t.Errorf("unexpected stderr %q", stderr)
				}
				return
			}
			if !strings.Contains(stderr, c.stderrLine) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.stderrLine)
			}
		})
	}
}

func TestNixParse(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.nix", "{ a.b = ./x; a.c = 1 + 2; }\n")
	bad := write("bad.nix", "{\n  a = 1;\n  b = ;\n}\n")
	write("pkg/default.nix", "[ ./y ]")
	if err := os.Symlink(filepath.Join(dir, "pkg", "default.nix"), filepath.Join(dir, "link.nix")); err != nil {
		t.Fatal(err)
	}

	t.Run("prints the tree with paths made absolute", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "nix", "parse", good)
		want := "{ a = { b = " + dir + "/x; c = (1 + 2); }; }\n"
		if code != 0 || stdout != want || stderr != "" {
			t.Errorf("got %d %q %q, want 0 %q", code, stdout, stderr, want)
		}
	})
	t.Run("a directory means its default.nix; symlinks are followed", func(t *testing.T) {
		code, stdout, _ := runFlakectl(t, "", "nix", "parse", filepath.Join(dir, "pkg"), filepath.Join(dir, "link.nix"))
		want := "[ (" + dir + "/pkg/y) ]\n"
		if code != 0 || stdout != want+want {
			t.Errorf("got %d %q, want %q twice", code, stdout, want)
		}
	})
	t.Run("standard input", func(t *testing.T) {
		code, stdout, _ := runFlakectl(t, "let b = 1; a = 2; in a", "nix", "parse", "-")
		if code != 0 || stdout != "(let a = 2; b = 1; in a)\n" {
			t.Errorf("got %d %q", code, stdout)
		}
	})
	t.Run("syntax error: FILE:LINE:COL on stderr, exit 1, other files still parsed", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "nix", "parse", bad, good)
		if code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if want := bad + ":3:7: syntax error, unexpected ';', expecting expression\n"; stderr != want {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
		if !strings.HasPrefix(stdout, "{ a = ") {
			t.Errorf("good file not printed: %q", stdout)
		}
	})
	t.Run("check prints only errors", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "nix", "parse", "--check", good)
		if code != 0 || stdout != "" || stderr != "" {
			t.Errorf("got %d %q %q", code, stdout, stderr)
		}
		code, stdout, stderr = runFlakectl(t, "", "nix", "parse", "--check", bad)
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, bad+":3:7: ") {
			t.Errorf("got %d %q %q", code, stdout, stderr)
		}
	})
	t.Run("unreadable file: one line, exit 2", func(t *testing.T) {
		code, stdout, stderr := runFlakectl(t, "", "nix", "parse", filepath.Join(dir, "missing.nix"))
		if code != 2 || stdout != "" || stderr != "flakectl: cannot read "+filepath.Join(dir, "missing.nix")+": no such file or directory\n" {
			t.Errorf("got %d %q %q", code, stdout, stderr)
		}
	})
}
