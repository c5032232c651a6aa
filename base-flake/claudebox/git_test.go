package claudebox_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

// gitRun runs git on the host in dir, with an identity and local clones
// allowed, and fails the test on an error.
func gitRun(t *testing.T, git, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(git, append([]string{"-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// gitLib is a repository with one commit, for submodules.
func gitLib(t *testing.T, git string) string {
	t.Helper()
	lib := filepath.Join(t.TempDir(), "lib")
	os.MkdirAll(lib, 0o755)
	gitRun(t, git, lib, "init", "-q")
	gitRun(t, git, lib, "commit", "-q", "--allow-empty", "-m", "lib")
	return lib
}

// gitRepo is a repository with one commit at HOME/src/NAME.
func gitRepo(t *testing.T, git, home, name string) string {
	t.Helper()
	repo := filepath.Join(home, "src", name)
	os.MkdirAll(repo, 0o755)
	gitRun(t, git, repo, "init", "-q")
	gitRun(t, git, repo, "commit", "-q", "--allow-empty", "-m", "init")
	return repo
}

// tryWrite appends to each file (making its directory) in a sandbox run
// in dir, and fails the test for each write that took.
func tryWrite(t *testing.T, env []string, dir string, files ...string) {
	t.Helper()
	out := mustRun(t, env, dir, append([]string{"--share-host-net", "--", "sh", "-c", `for f; do (mkdir -p "$(dirname "$f")"; echo x >> "$f") 2>/dev/null && echo "$f"; done; true`, "sh"}, files...)...)
	if out != "" {
		t.Errorf("written inside:\n%s", out)
	}
}

// readAll is the content of every regular file below root, by path.
func readAll(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			files[p] = string(data)
		}
		return nil
	})
	return files
}

// TestGitMetadataReadOnly: what git on the host runs from a repository (its
// hooks, the commands its config names, a submodule's, and where a .git
// file points) cannot be written from inside, while commits still work;
// and .git cannot be renamed away and replaced.
func TestGitMetadataReadOnly(t *testing.T) {
	oracle.Require(t, "bwrap")
	git := oracle.Require(t, "git")
	home, _ := project(t)
	env := baseEnv(home, claudeDir(t))
	lib := gitLib(t, git)
	repo := filepath.Join(home, "src", "app")
	os.MkdirAll(repo, 0o755)
	gitRun(t, git, repo, "init", "-q")
	writeFile(t, filepath.Join(repo, "README"), "app\n")
	gitRun(t, git, repo, "add", "README")
	gitRun(t, git, repo, "commit", "-q", "-m", "app")
	gitRun(t, git, repo, "submodule", "add", "-q", lib, "libs/lib")
	gitRun(t, git, repo, "commit", "-q", "-m", "lib")
	gitDir := filepath.Join(repo, ".git")
	before := readAll(t, filepath.Join(gitDir, "hooks"))
	for p, s := range readAll(t, filepath.Join(gitDir, "modules", "libs", "lib", "hooks")) {
		before[p] = s
	}
	for _, p := range []string{filepath.Join(gitDir, "config"), filepath.Join(gitDir, "modules", "libs", "lib", "config"), filepath.Join(repo, "libs", "lib", ".git")} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		before[p] = string(data)
	}

	// Each attempt prints its name when it succeeds; commits print theirs.
	script := `
try() { name=$1; shift; if "$@" 2>/dev/null; then echo "$name"; fi; }
try hook sh -c 'echo "touch ` + home + `/pwned" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit'
try hook-removed rm -rf .git/hooks
try fsmonitor git config core.fsmonitor "touch ` + home + `/pwned"
try hooks-path git config core.hooksPath .evil
try config-renamed mv .git/config .git/config.old
try git-renamed mv .git .git.old
try modules-renamed mv .git/modules .git/modules.old
try sub-hook sh -c 'echo x > .git/modules/libs/lib/hooks/post-checkout'
try sub-config sh -c 'echo "[core] fsmonitor = x" >> .git/modules/libs/lib/config'
try sub-pointer sh -c 'echo "gitdir: ../../evil" > libs/lib/.git'
try sub-renamed mv libs/lib libs/lib.old
echo change >> README
try commit git -c user.name=T -c user.email=t@example.com commit -q -am change
(cd libs/lib && echo x > f && git add f && try sub-commit git -c user.name=T -c user.email=t@example.com commit -q -m f)
`
	out := mustRun(t, env, repo, "--share-host-net", "--", "bash", "-c", script)
	if out != "commit\nsub-commit\n" {
		t.Errorf("inside, succeeded:\n%s\nwant only the two commits", out)
	}
	after := readAll(t, filepath.Join(gitDir, "hooks"))
	for p, s := range readAll(t, filepath.Join(gitDir, "modules", "libs", "lib", "hooks")) {
		after[p] = s
	}
	for p := range before {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		after[p] = string(data)
	}
	for p, s := range after {
		if before[p] != s {
			t.Errorf("%s changed from inside:\n%q\nwas\n%q", p, s, before[p])
		}
	}
	if log := gitRun(t, git, repo, "log", "--format=%s"); log != "change\nlib\napp\n" {
		t.Errorf("commits on the host: %q", log)
	}
	gitRun(t, git, repo, "status", "--short")
	if _, err := os.Stat(filepath.Join(home, "pwned")); err == nil {
		t.Error("git on the host ran a command the sandbox wrote")
	}

	// rm -rf .git inside leaves the mount points, config and hooks among
	// them (the rest of .git goes: the sandbox can remove any file of the
	// project), so no other .git can take its place.
	copyRepo := filepath.Join(home, "src", "copy")
	gitRun(t, git, filepath.Dir(copyRepo), "clone", "-q", repo, copyRepo)
	config, _ := os.ReadFile(filepath.Join(copyRepo, ".git", "config"))
	mustRun(t, env, copyRepo, "--share-host-net", "--", "sh", "-c", "rm -rf .git 2>/dev/null; mkdir .git/hooks 2>/dev/null; true")
	if now, err := os.ReadFile(filepath.Join(copyRepo, ".git", "config")); err != nil || string(now) != string(config) {
		t.Errorf("rm -rf .git inside: its config is now %q, %v", now, err)
	}

	// core.hooksPath in the project: that directory is read-only, and its
	// parent cannot be renamed away.
	hooked := filepath.Join(home, "src", "hooked")
	os.MkdirAll(filepath.Join(hooked, "tools", "hooks"), 0o755)
	gitRun(t, git, hooked, "init", "-q")
	gitRun(t, git, hooked, "config", "core.hooksPath", "tools/hooks")
	out = mustRun(t, env, hooked, "--share-host-net", "--", "sh", "-c",
		"echo x > tools/hooks/pre-commit && echo hook; mv tools tools.old 2>/dev/null && echo renamed; echo x > tools/other && echo writable")
	if out != "writable\n" {
		t.Errorf("with core.hooksPath tools/hooks, inside: %q, want only the write beside it", out)
	}
	// One that does not exist yet: an empty, read-only stand-in.
	gitRun(t, git, hooked, "config", "core.hooksPath", ".husky/_")
	out = mustRun(t, env, hooked, "--share-host-net", "--", "sh", "-c", "mkdir -p .husky/_ 2>/dev/null && echo made; echo x > .husky/_/pre-commit 2>/dev/null && echo hook; ls -A .husky")
	if out != "" {
		t.Errorf("with a missing core.hooksPath, inside: %q", out)
	}
	// Hooks anywhere in the project: refused.
	gitRun(t, git, hooked, "config", "core.hooksPath", ".")
	if r := claudebox(t, env, hooked, "--share-host-net", "--", "true"); r.Code != 1 || r.Stderr != "claudebox: core.hooksPath is .: in "+hooked+", any file the sandbox writes there would be a hook for git on the host; set it to a directory of hooks alone\n" {
		t.Errorf("core.hooksPath .: exit %d, %q", r.Code, r.Stderr)
	}

	// A missing hooks directory (and config) get empty read-only stand-ins.
	bare := filepath.Join(home, "src", "nohooks")
	gitRun(t, git, filepath.Dir(bare), "init", "-q", bare)
	os.RemoveAll(filepath.Join(bare, ".git", "hooks"))
	out = mustRun(t, env, bare, "--share-host-net", "--", "sh", "-c", "echo x > .git/hooks/pre-commit 2>/dev/null && echo hook; ls -A .git/hooks")
	if out != "" {
		t.Errorf("without .git/hooks, inside: %q", out)
	}

	// A linked work tree as the project: its .git file, which names the
	// git directory (outside), cannot be pointed elsewhere.
	linked := filepath.Join(home, "src", "linked")
	gitRun(t, git, repo, "worktree", "add", "-q", linked)
	pointer, _ := os.ReadFile(filepath.Join(linked, ".git"))
	out = mustRun(t, env, linked, "--share-host-net", "--", "sh", "-c", "echo 'gitdir: /tmp' > .git 2>/dev/null && echo pointer; mv .git .git.old 2>/dev/null && echo renamed; true")
	if now, _ := os.ReadFile(filepath.Join(linked, ".git")); out != "" || string(now) != string(pointer) {
		t.Errorf("a linked work tree's .git from inside: %q, now %q", out, now)
	}

	// A symbolic link for .git or its hooks: refused, with what to do.
	for _, link := range []string{".git", ".git/hooks"} {
		dir := filepath.Join(home, "src", "link"+strings.ReplaceAll(link, "/", "-"))
		real := filepath.Join(t.TempDir(), "real")
		gitRun(t, git, filepath.Dir(dir), "init", "-q", dir)
		if err := os.Rename(filepath.Join(dir, link), real); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
		want := "claudebox: " + filepath.Join(dir, link) + " is a symbolic link, which the sandbox could point elsewhere for git on the host to run hooks or config from; replace it with what it links to, or pass a --project without it\n"
		if r := claudebox(t, env, dir, "--project", ".", "--share-host-net", "--", "true"); r.Code != 1 || r.Stderr != want {
			t.Errorf("%s a link: exit %d, %q", link, r.Code, r.Stderr)
		}
	}

	// An embedded repository that .gitmodules names, a submodule whose
	// name starts with a dot, and a linked work tree elsewhere, whose
	// commondir here names the repository it takes config and hooks from.
	more := filepath.Join(home, "src", "more")
	os.MkdirAll(filepath.Join(more, "vendor"), 0o755)
	gitRun(t, git, more, "init", "-q")
	gitRun(t, git, more, "submodule", "add", "-q", lib, ".tools/lib")
	gitRun(t, git, filepath.Join(more, "vendor"), "clone", "-q", lib, "emb")
	writeFile(t, filepath.Join(more, ".gitmodules"), "[submodule \".tools/lib\"]\n\tpath = .tools/lib\n\turl = x\n[submodule \"emb\"]\n\tpath = vendor/emb\n\turl = x\n")
	gitRun(t, git, more, "commit", "-q", "-m", "more")
	gitRun(t, git, more, "worktree", "add", "-q", filepath.Join(t.TempDir(), "wt"))
	out = mustRun(t, env, more, "--share-host-net", "--", "sh", "-c", `
for f in .git/modules/.tools/lib/hooks/pre-commit vendor/emb/.git/hooks/pre-commit vendor/emb/.git/config .git/worktrees/wt/commondir; do
  echo x >> "$f" 2>/dev/null && echo "$f"
done
mv vendor/emb/.git vendor/emb/.git.old 2>/dev/null && echo renamed; true`)
	if out != "" {
		t.Errorf("written inside:\n%s", out)
	}

	// --audit names the mounts.
	a := runAudit(t, env, repo, "x86_64", "--", "true")
	var got []string
	for _, m := range a.Mounts {
		if strings.HasPrefix(m.Target, repo+"/") {
			got = append(got, m.Type+" "+strings.TrimPrefix(m.Target, repo+"/"))
		}
	}
	want := []string{"bind .git", "ro-bind .git/hooks", "ro-bind .git/config",
		"bind .git/worktrees", "bind .git/worktrees/linked", "ro-bind .git/worktrees/linked/commondir",
		"bind .git/modules", "bind .git/modules/libs",
		"bind .git/modules/libs/lib", "ro-bind .git/modules/libs/lib/hooks", "ro-bind .git/modules/libs/lib/config",
		"bind libs", "bind libs/lib", "ro-bind libs/lib/.git"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("--audit's mounts in the project:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGitMetadataTwelfthReview: the ways around the guard of git's
// metadata that a twelfth review found, each by a sandbox run whose write
// must fail (or a run that must stop with one line).
func TestGitMetadataTwelfthReview(t *testing.T) {
	oracle.Require(t, "bwrap")
	git := oracle.Require(t, "git")
	lib := gitLib(t, git)
	newRepo := func(t *testing.T, home, name string) string { return gitRepo(t, git, home, name) }
	t.Run("hooks path that is a submodule", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		gitRun(t, git, repo, "submodule", "add", "-q", lib, "tools/hooks")
		gitRun(t, git, repo, "config", "core.hooksPath", "tools/hooks")
		if out := mustRun(t, env, repo, "--share-host-net", "--", "sh", "-c", "echo x > tools/hooks/pre-commit 2>/dev/null && echo hook; true"); out != "" {
			t.Errorf("inside: %q", out)
		}
	})
	t.Run("hooks path through a linked parent", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		os.Mkdir(filepath.Join(repo, ".githooks"), 0o755)
		link := filepath.Join(t.TempDir(), "link")
		os.Symlink(filepath.Dir(repo), link)
		gitRun(t, git, repo, "config", "core.hooksPath", filepath.Join(link, "app", ".githooks"))
		if out := mustRun(t, env, repo, "--share-host-net", "--", "sh", "-c", "echo x > .githooks/pre-commit 2>/dev/null && echo hook; true"); out != "" {
			t.Errorf("inside: %q", out)
		}
	})
	t.Run("hooks path from an include and from GIT_CONFIG_COUNT", func(t *testing.T) {
		home, _ := project(t)
		repo := newRepo(t, home, "app")
		for _, d := range []string{".githooks", ".husky"} {
			os.Mkdir(filepath.Join(repo, d), 0o755)
		}
		writeFile(t, filepath.Join(home, ".gitconfig"), "[includeIf \"gitdir:~/src/\"]\n\tpath = ~/.gitinc\n")
		writeFile(t, filepath.Join(home, ".gitinc"), "[core]\n\thooksPath = .githooks\n")
		// And an include in the project, from the repository's config.
		gitRun(t, git, repo, "config", "include.path", "../shared.gitconfig")
		writeFile(t, filepath.Join(repo, "shared.gitconfig"), "[user]\n\tname = Shared\n")
		env := append(baseEnv(home, claudeDir(t)), "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.hooksPath", "GIT_CONFIG_VALUE_0=.husky")
		out := mustRun(t, env, repo, "--share-host-net", "--", "sh", "-c",
			"for f in .githooks/pre-commit .husky/pre-commit shared.gitconfig; do echo x >> $f 2>/dev/null && echo $f; done; true")
		if out != "" {
			t.Errorf("inside, written:\n%s", out)
		}
	})
	t.Run("a submodule's HEAD as a link, a link in .git/modules", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		gitRun(t, git, repo, "submodule", "add", "-q", lib, "plain")
		mod := filepath.Join(repo, ".git", "modules", "plain")
		os.Remove(filepath.Join(mod, "HEAD"))
		os.Symlink("refs/heads/master", filepath.Join(mod, "HEAD"))
		if out := mustRun(t, env, repo, "--share-host-net", "--", "sh", "-c", "echo x >> .git/modules/plain/config 2>/dev/null && echo config; true"); out != "" {
			t.Errorf("with HEAD a link, inside: %q", out)
		}
		os.Symlink(t.TempDir(), filepath.Join(repo, ".git", "modules", "elsewhere"))
		r := claudebox(t, env, repo, "--share-host-net", "--", "true")
		if r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: "+filepath.Join(repo, ".git", "modules", "elsewhere")+" is a symbolic link, which the sandbox could point elsewhere") {
			t.Errorf("a link in .git/modules: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("many git directories planted", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		for i := 0; i < 101; i++ {
			writeFile(t, filepath.Join(repo, ".git", "modules", "m"+strings.Repeat("x", i), "HEAD"), "ref: refs/heads/master\n")
		}
		r := claudebox(t, env, repo, "--share-host-net", "--", "true")
		if r.Code != 1 || r.Stderr != "claudebox: "+repo+" has more than 100 git directories of submodules; claudebox keeps each one's hooks and config read-only, and stops here (a sandbox may have made them); remove those you do not use\n" {
			t.Errorf("101 git directories: exit %d, %q", r.Code, r.Stderr)
		}
	})
}

// TestGitMetadataThirteenthReview: the ways around the guard that a
// thirteenth review found.
func TestGitMetadataThirteenthReview(t *testing.T) {
	oracle.Require(t, "bwrap")
	git := oracle.Require(t, "git")
	lib := gitLib(t, git)
	newRepo := func(t *testing.T, home, name string) string { return gitRepo(t, git, home, name) }
	t.Run("PATH kept by its physical path", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		proj := filepath.Join(home, "proj")
		os.MkdirAll(filepath.Join(proj, "evil", "bin"), 0o755)
		os.Symlink("/usr", filepath.Join(proj, "lnk"))
		mustRun(t, env, proj, "--share-host-net", "--", "true") // a project now
		ran := filepath.Join(t.TempDir(), "ran")
		writeFile(t, filepath.Join(proj, "evil", "bin", "bwrap"), "#!/bin/sh\necho bwrap >>"+ran+"\nexit 1\n")
		os.Chmod(filepath.Join(proj, "evil", "bin", "bwrap"), 0o755)
		other := filepath.Join(home, "other")
		os.MkdirAll(other, 0o755)
		for _, entry := range []string{filepath.Join(proj, "lnk", "bin"), "/usr/.." + filepath.Join(proj, "evil", "bin")} {
			out := mustRun(t, append(env, "PATH="+entry+":"+hostPath(claudeDir(t))), other, "--share-host-net", "--", "sh", "-c", `echo "$PATH"`)
			if strings.Contains(out, proj) {
				t.Errorf("PATH=%s...: inside %q", entry, out)
			}
		}
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("the sandbox's bwrap ran on the host: %s", b)
		}
	})
	t.Run("a submodule named ..x", func(t *testing.T) {
		home, _ := project(t)
		repo := newRepo(t, home, "app")
		gitRun(t, git, repo, "submodule", "add", "-q", "--name", "..x", lib, "sm")
		tryWrite(t, baseEnv(home, claudeDir(t)), repo, ".git/modules/..x/config", ".git/modules/..x/hooks/post-checkout")
	})
	t.Run("a git directory as the project", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		bare := filepath.Join(home, "src", "bare.git")
		gitRun(t, git, filepath.Dir(bare), "clone", "-q", "--bare", repo, bare)
		for _, dir := range []string{filepath.Join(repo, ".git"), bare, filepath.Join(bare, "hooks")} {
			gitDir := dir
			if filepath.Base(dir) == "hooks" {
				gitDir = filepath.Dir(dir)
			}
			r := claudebox(t, env, dir, "--project", ".", "--share-host-net", "--", "true")
			if r.Code != 1 || r.Stderr != "claudebox: refusing to mount "+dir+" read-write: it is or lies in "+gitDir+", a git directory, whose hooks and config git on the host runs; pass its work tree as --project\n" {
				t.Errorf("--project %s: exit %d, %q", dir, r.Code, r.Stderr)
			}
		}
	})
	t.Run("relative hooks paths in linked work trees", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		writeFile(t, filepath.Join(repo, ".githooks", "pre-commit"), "#!/bin/sh\n")
		gitRun(t, git, repo, "add", ".githooks")
		gitRun(t, git, repo, "commit", "-q", "-m", "hooks")
		gitRun(t, git, repo, "config", "core.hooksPath", ".githooks")
		gitRun(t, git, repo, "worktree", "add", "-q", "wt")
		tryWrite(t, env, repo, "wt/.githooks/pre-commit", "wt/.git")
		// The project a linked work tree elsewhere.
		outside := filepath.Join(home, "src", "feature")
		gitRun(t, git, repo, "worktree", "add", "-q", outside)
		tryWrite(t, env, outside, ".githooks/pre-commit", ".git")
	})
	t.Run("config.worktree with the extension on", func(t *testing.T) {
		home, _ := project(t)
		repo := newRepo(t, home, "app")
		gitRun(t, git, repo, "config", "extensions.worktreeConfig", "true")
		gitRun(t, git, repo, "worktree", "add", "-q", filepath.Join(t.TempDir(), "wt"))
		tryWrite(t, baseEnv(home, claudeDir(t)), repo, ".git/config.worktree", ".git/worktrees/wt/config.worktree")
	})
	t.Run("git's own config and templates in the project", func(t *testing.T) {
		home, _ := project(t)
		dots := filepath.Join(home, "dots")
		writeFile(t, filepath.Join(dots, "gitconfig"), "[init]\n\ttemplateDir = "+filepath.Join(dots, "template")+"\n")
		os.MkdirAll(filepath.Join(dots, "template", "hooks"), 0o755)
		os.Symlink(filepath.Join(dots, "gitconfig"), filepath.Join(home, ".gitconfig"))
		tryWrite(t, baseEnv(home, claudeDir(t)), dots, "gitconfig", "template/hooks/post-checkout")
	})
	t.Run("paths claudebox cannot place", func(t *testing.T) {
		home, _ := project(t)
		repo := newRepo(t, home, "app")
		gitRun(t, git, repo, "config", "core.hooksPath", "~root/../tmp/hooks")
		r := claudebox(t, baseEnv(home, claudeDir(t)), repo, "--share-host-net", "--", "true")
		if r.Code != 1 || r.Stderr != "claudebox: a git config names ~root/../tmp/hooks, and claudebox cannot tell where git takes that; write it as an absolute path\n" {
			t.Errorf("hooksPath ~root/...: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("links where git keeps submodules", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		repo := newRepo(t, home, "app")
		os.Symlink("/usr/share", filepath.Join(repo, ".git", "modules"))
		r := claudebox(t, env, repo, "--share-host-net", "--", "true")
		if r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: "+filepath.Join(repo, ".git", "modules")+" is a symbolic link,") {
			t.Errorf(".git/modules a link: exit %d, %q", r.Code, r.Stderr)
		}
		os.Remove(filepath.Join(repo, ".git", "modules"))
		os.Symlink("/etc/shadow", filepath.Join(repo, ".gitmodules"))
		if r := claudebox(t, env, repo, "--share-host-net", "--", "true"); r.Code != 0 {
			t.Errorf(".gitmodules a link: exit %d, %q", r.Code, r.Stderr)
		}
	})
}

// TestGitMetadataFourteenthReview: the ways around the guard that a
// fourteenth review found.
func TestGitMetadataFourteenthReview(t *testing.T) {
	oracle.Require(t, "bwrap")
	git := oracle.Require(t, "git")
	lib := gitLib(t, git)
	t.Run("a separate git directory in the project", func(t *testing.T) {
		home, _ := project(t)
		p := filepath.Join(home, "src", "p")
		os.MkdirAll(filepath.Dir(p), 0o755)
		gitRun(t, git, filepath.Dir(p), "init", "-q", "--separate-git-dir="+filepath.Join(p, ".gitreal"), p)
		tryWrite(t, baseEnv(home, claudeDir(t)), p, ".gitreal/hooks/pre-commit", ".gitreal/config")
	})
	t.Run("an absolute hooks path, the project no repository", func(t *testing.T) {
		home, _ := project(t)
		tools := filepath.Join(home, "tools")
		os.MkdirAll(filepath.Join(tools, "githooks"), 0o755)
		writeFile(t, filepath.Join(home, ".gitconfig"), "[core]\n\thooksPath = "+filepath.Join(tools, "githooks")+"\n")
		tryWrite(t, baseEnv(home, claudeDir(t)), tools, "githooks/pre-commit")
	})
	t.Run("git's config missing where a link leads into the project", func(t *testing.T) {
		home, _ := project(t)
		dots := filepath.Join(home, "dots")
		writeFile(t, filepath.Join(dots, "git", "ignore"), "*.o\n")
		os.MkdirAll(filepath.Join(home, ".config"), 0o755)
		os.Symlink(filepath.Join(dots, "git"), filepath.Join(home, ".config", "git"))
		os.Symlink(filepath.Join(dots, "gitconfig"), filepath.Join(home, ".gitconfig")) // dangling
		tryWrite(t, baseEnv(home, claudeDir(t)), dots, "git/config", "gitconfig")
	})
	t.Run("a hooks path in GIT_CONFIG_GLOBAL, and the file itself", func(t *testing.T) {
		home, _ := project(t)
		dots := filepath.Join(home, "dots")
		os.MkdirAll(filepath.Join(dots, "hooks"), 0o755)
		writeFile(t, filepath.Join(dots, "gitconfig"), "[core]\n\thooksPath = "+filepath.Join(dots, "hooks")+"\n")
		tryWrite(t, append(baseEnv(home, claudeDir(t)), "GIT_CONFIG_GLOBAL="+filepath.Join(dots, "gitconfig")), dots, "hooks/pre-commit", "gitconfig")
	})
	t.Run("a hooks path in config.worktree", func(t *testing.T) {
		home, _ := project(t)
		p := filepath.Join(home, "src", "p")
		os.MkdirAll(p, 0o755)
		gitRun(t, git, p, "init", "-q")
		gitRun(t, git, p, "config", "extensions.worktreeConfig", "true")
		gitRun(t, git, p, "config", "--worktree", "core.hooksPath", ".githooks")
		tryWrite(t, baseEnv(home, claudeDir(t)), p, ".githooks/pre-commit")
	})
	t.Run("GIT_TEMPLATE_DIR in the project", func(t *testing.T) {
		home, _ := project(t)
		dots := filepath.Join(home, "dots")
		os.MkdirAll(filepath.Join(dots, "tmpl", "hooks"), 0o755)
		tryWrite(t, append(baseEnv(home, claudeDir(t)), "GIT_TEMPLATE_DIR="+filepath.Join(dots, "tmpl")), dots, "tmpl/hooks/post-checkout")
	})
	t.Run("a shared config of an earlier run on PATH", func(t *testing.T) {
		home, _ := project(t)
		env := baseEnv(home, claudeDir(t))
		cfg := filepath.Join(t.TempDir(), "cfg")
		pd := filepath.Join(home, "pd")
		os.MkdirAll(pd, 0o755)
		mustRun(t, append(env, "CLAUDEBOX_CONFIG_DIR="+cfg), pd, "--share-host-net", "--", "true")
		ran := filepath.Join(t.TempDir(), "ran")
		writeFile(t, filepath.Join(cfg, "local", "bwrap"), "#!/bin/sh\necho bwrap >>"+ran+"\nexit 1\n")
		os.Chmod(filepath.Join(cfg, "local", "bwrap"), 0o755)
		mustRun(t, append(env, "PATH="+filepath.Join(cfg, "local")+":"+hostPath(claudeDir(t))), pd, "--share-host-net", "--", "true")
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("a tool in an earlier run's shared config ran on the host: %s", b)
		}
	})
	t.Run("an embedded repository in an embedded one", func(t *testing.T) {
		home, _ := project(t)
		p := filepath.Join(home, "src", "p")
		os.MkdirAll(p, 0o755)
		gitRun(t, git, p, "init", "-q")
		gitRun(t, git, p, "clone", "-q", lib, "mid")
		gitRun(t, git, filepath.Join(p, "mid"), "clone", "-q", lib, "inner")
		writeFile(t, filepath.Join(p, ".gitmodules"), "[submodule \"mid\"]\n\tpath = mid\n")
		writeFile(t, filepath.Join(p, "mid", ".gitmodules"), "[submodule \"inner\"]\n\tpath = inner\n")
		tryWrite(t, baseEnv(home, claudeDir(t)), p, "mid/.git/config", "mid/inner/.git/config", "mid/inner/.git/hooks/pre-commit")
	})
	t.Run("many work trees planted", func(t *testing.T) {
		home, _ := project(t)
		p := filepath.Join(home, "src", "p")
		os.MkdirAll(p, 0o755)
		gitRun(t, git, p, "init", "-q")
		for i := 0; i < 101; i++ {
			writeFile(t, filepath.Join(p, ".git", "worktrees", "w"+strings.Repeat("x", i), "commondir"), "../..\n")
		}
		r := claudebox(t, baseEnv(home, claudeDir(t)), p, "--share-host-net", "--", "true")
		if r.Code != 1 || !strings.HasPrefix(r.Stderr, "claudebox: "+p+" has more than 100 git directories of submodules and work trees;") {
			t.Errorf("101 work trees: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("a submodule's checkout as the project", func(t *testing.T) {
		home, _ := project(t)
		p := filepath.Join(home, "src", "p")
		os.MkdirAll(p, 0o755)
		gitRun(t, git, p, "init", "-q")
		gitRun(t, git, p, "submodule", "add", "-q", lib, "sub")
		r := claudebox(t, baseEnv(home, claudeDir(t)), filepath.Join(p, "sub"), "--share-host-net", "--", "true")
		if r.Code != 0 || r.Stderr != "" {
			t.Errorf("in a submodule's checkout: exit %d, %q", r.Code, r.Stderr)
		}
	})
}
