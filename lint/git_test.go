package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/internal/oracle"
)

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lintDir(t *testing.T, dir string) []string {
	t.Helper()
	res, err := Run([]Tree{{FS: os.DirFS(dir), Start: ".", OSDir: dir}}, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range res.Diagnostics {
		if d.Rule == Untracked {
			out = append(out, d.File)
		}
	}
	return out
}

// TestUntracked uses real git repositories: untracked files are reported,
// committed, staged and intent-to-add files are not, in every index
// version git writes and in a worktree (whose .git is a file).
func TestUntracked(t *testing.T) {
	oracle.Require(t, "git")
	src, err := os.ReadFile("testdata/src/good/flake.nix")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("testdata/src/good/flake.lock")
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"2", "3", "4"} {
		t.Run("index version "+version, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			gitCmd(t, dir, "init", "-q")
			writeFile(t, filepath.Join(dir, "flake.nix"), string(src))
			writeFile(t, filepath.Join(dir, "flake.lock"), string(lock))
			writeFile(t, filepath.Join(dir, "a/flake.nix"), string(src))
			writeFile(t, filepath.Join(dir, "a/flake.lock"), string(lock))
			writeFile(t, filepath.Join(dir, "deep/er/flake.nix"), string(src))
			writeFile(t, filepath.Join(dir, "deep/er/flake.lock"), string(lock))
			if got := strings.Join(lintDir(t, dir), " "); got != "a/flake.lock a/flake.nix deep/er/flake.lock deep/er/flake.nix flake.lock flake.nix" {
				t.Errorf("fresh repository: untracked %q", got)
			}
			gitCmd(t, dir, "add", "flake.nix", "a/flake.lock")
			gitCmd(t, dir, "add", "--intent-to-add", "deep/er/flake.nix")
			if version == "3" {
				// An intent-to-add entry makes git write extended flags.
				gitCmd(t, dir, "update-index", "--index-version", "3")
			} else {
				gitCmd(t, dir, "update-index", "--index-version", version)
			}
			if got := strings.Join(lintDir(t, dir), " "); got != "a/flake.nix deep/er/flake.lock flake.lock" {
				t.Errorf("after git add: untracked %q", got)
			}
		})
	}
	t.Run("worktree", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		main := filepath.Join(dir, "main")
		gitCmd(t, dir, "init", "-q", main)
		writeFile(t, filepath.Join(main, "flake.nix"), string(src))
		gitCmd(t, main, "add", "flake.nix")
		gitCmd(t, main, "commit", "-q", "-m", "x")
		wt := filepath.Join(dir, "wt")
		gitCmd(t, main, "worktree", "add", "-q", wt)
		writeFile(t, filepath.Join(wt, "flake.lock"), string(lock))
		if got := strings.Join(lintDir(t, wt), " "); got != "flake.lock" {
			t.Errorf("worktree: untracked %q, want flake.lock", got)
		}
	})
}
