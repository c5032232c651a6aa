package claudebox_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
)

// TestHostPathsFromSandboxedPlaces: what claudebox mounts or runs by a path
// the host gives (SSL_CERT_FILE, tools on PATH) is never taken from where a
// sandbox writes, where it could have planted a link to any file of the
// user's (an eleventh review read ~/.git-credentials and ~/.ssh so).
func TestHostPathsFromSandboxedPlaces(t *testing.T) {
	oracle.Require(t, "bwrap")
	const secret = "https://u:ghp_" + marker + "@github.com\n"
	setup := func(t *testing.T) (home, proj string, env []string) {
		home, _ = project(t)
		proj = filepath.Join(home, "proj")
		writeFile(t, filepath.Join(home, ".git-credentials"), secret)
		writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), marker+"-ssh\n")
		os.MkdirAll(proj, 0o755)
		return home, proj, baseEnv(home, claudeDir(t))
	}
	t.Run("SSL_CERT_FILE in the project", func(t *testing.T) {
		home, proj, env := setup(t)
		writeFile(t, filepath.Join(proj, "certs", "ca.pem"), "CERT\n")
		env = append(env, "SSL_CERT_FILE="+filepath.Join(proj, "certs", "ca.pem"))
		mustRun(t, env, proj, "--share-host-net", "--", "sh", "-c", "mv certs certs.old && mkdir certs && ln -s ../../.git-credentials certs/ca.pem")
		out := mustRun(t, env, proj, "--share-host-net", "--", "sh", "-c", `cat "$SSL_CERT_FILE" 2>/dev/null; true`)
		if strings.Contains(out, marker) {
			t.Errorf("a link the sandbox planted for SSL_CERT_FILE showed %s inside: %q", filepath.Join(home, ".git-credentials"), out)
		}
	})
	t.Run("SSL_CERT_FILE in another project", func(t *testing.T) {
		home, proj, env := setup(t)
		other := filepath.Join(home, "corp-certs")
		writeFile(t, filepath.Join(other, "ca.pem"), "CERT\n")
		mustRun(t, env, other, "--share-host-net", "--", "true") // a project now
		// By its path, and through a link outside any project.
		os.Symlink(filepath.Join(other, "ca.pem"), filepath.Join(home, "ca.pem"))
		for _, cert := range []string{filepath.Join(other, "ca.pem"), filepath.Join(home, "ca.pem")} {
			r := claudebox(t, append(env, "SSL_CERT_FILE="+cert), proj, "--share-host-net", "--", "true")
			want := "claudebox: SSL_CERT_FILE " + cert + " leads through " + filepath.Join(other, "ca.pem") + ", where a sandbox writes (a project of claudebox's, or its store), so that it could point there any file of yours; point SSL_CERT_FILE at a bundle outside your projects\n"
			if r.Code != 1 || r.Stderr != want {
				t.Errorf("SSL_CERT_FILE=%s: exit %d, %q", cert, r.Code, r.Stderr)
			}
		}
	})
	t.Run("SSL_CERT_FILE through links elsewhere", func(t *testing.T) {
		home, proj, env := setup(t)
		bundle := filepath.Join(t.TempDir(), "bundle.pem")
		writeFile(t, bundle, "CERT "+marker[:4]+"\n")
		os.Symlink(bundle, filepath.Join(home, "corp.pem"))
		cert := filepath.Join(home, "corp.pem")
		out := mustRun(t, append(env, "SSL_CERT_FILE="+cert), proj, "--share-host-net", "--", "sh", "-c", `echo "$SSL_CERT_FILE"; cat "$SSL_CERT_FILE"`)
		if out != cert+"\nCERT "+marker[:4]+"\n" {
			t.Errorf("a bundle through a link: %q", out)
		}
	})
	t.Run("a tool linked into the project", func(t *testing.T) {
		home, proj, env := setup(t)
		writeFile(t, filepath.Join(proj, "tools", "bin", "claude"), "#!/bin/sh\necho fake claude\n")
		os.Chmod(filepath.Join(proj, "tools", "bin", "claude"), 0o755)
		bin := filepath.Join(home, "bin")
		os.MkdirAll(bin, 0o755)
		os.Symlink(filepath.Join(proj, "tools", "bin", "claude"), filepath.Join(bin, "claude"))
		env = append(env, "PATH="+bin+":"+hostPath(claudeDir(t)))
		r := claudebox(t, env, proj, "--share-host-net", "--", "true")
		want := "claudebox: the tool " + filepath.Join(bin, "claude") + " leads through " + filepath.Join(proj, "tools", "bin", "claude") + ", where a sandbox writes (a project of claudebox's, or its store), so that it could point there any file of yours; install it elsewhere, or take it off PATH\n"
		if r.Code != 1 || r.Stderr != want {
			t.Errorf("a tool linked into the project: exit %d, %q", r.Code, r.Stderr)
		}
	})
	t.Run("PATH in another project", func(t *testing.T) {
		// Host tools (bwrap first of all) are not looked up where a
		// sandbox writes: another project's bin/ on PATH.
		home, proj, env := setup(t)
		other := filepath.Join(home, "other")
		os.MkdirAll(filepath.Join(other, "bin"), 0o755)
		mustRun(t, env, other, "--share-host-net", "--", "true") // a project now
		ran := filepath.Join(t.TempDir(), "ran")
		for _, tool := range []string{"bwrap", "mkdir", "readlink", "sha256sum", "nsenter"} {
			writeFile(t, filepath.Join(other, "bin", tool), "#!/bin/sh\necho "+tool+" >>"+ran+"\nexit 1\n")
			os.Chmod(filepath.Join(other, "bin", tool), 0o755)
		}
		mustRun(t, append(env, "PATH="+filepath.Join(other, "bin")+":"+hostPath(claudeDir(t))), proj, "--share-host-net", "--", "true")
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("tools in another project's bin/ ran on the host: %s", b)
		}
	})
	t.Run("PATH in a project of a shared config, or of a long path", func(t *testing.T) {
		// Earlier projects are known whatever their config, and by the
		// SHA-256 of a path too long for a file name.
		home, proj, env := setup(t)
		shared := filepath.Join(t.TempDir(), "shared")
		long := filepath.Join(home, strings.Repeat("d", 100), strings.Repeat("e", 100), strings.Repeat("f", 60))
		for _, c := range []struct {
			dir string
			env []string
		}{{filepath.Join(home, "p5"), append(env[:len(env):len(env)], "CLAUDEBOX_CONFIG_DIR="+shared)}, {long, env}} {
			os.MkdirAll(filepath.Join(c.dir, "bin"), 0o755)
			mustRun(t, c.env, c.dir, "--share-host-net", "--", "true") // a project now
			ran := filepath.Join(t.TempDir(), "ran")
			writeFile(t, filepath.Join(c.dir, "bin", "bwrap"), "#!/bin/sh\necho bwrap >>"+ran+"\nexit 1\n")
			os.Chmod(filepath.Join(c.dir, "bin", "bwrap"), 0o755)
			os.Symlink(filepath.Join(home, ".git-credentials"), filepath.Join(c.dir, "ca.pem"))
			mustRun(t, append(env, "PATH="+filepath.Join(c.dir, "bin")+":"+hostPath(claudeDir(t))), proj, "--share-host-net", "--", "true")
			if b, err := os.ReadFile(ran); err == nil {
				t.Errorf("a tool in %s ran on the host: %s", c.dir, b)
			}
			r := claudebox(t, append(env, "SSL_CERT_FILE="+filepath.Join(c.dir, "ca.pem")), proj, "--share-host-net", "--", "cat", filepath.Join(c.dir, "ca.pem"))
			if r.Code != 1 || strings.Contains(r.Stdout, marker) || !strings.Contains(r.Stderr, "where a sandbox writes") {
				t.Errorf("SSL_CERT_FILE in %s: exit %d, %q %q", c.dir, r.Code, r.Stdout, r.Stderr)
			}
		}
	})
	t.Run("PATH in a project in /usr/src", func(t *testing.T) {
		// Entries in /usr are taken by name, but /usr/src may hold
		// projects. In a mount namespace of its own with a tmpfs there.
		if os.Getuid() != 0 {
			t.Skip("needs root for a private tmpfs on /usr/src")
		}
		unshare := oracle.Require(t, "unshare")
		_, proj, env := setup(t)
		ran := filepath.Join(t.TempDir(), "ran")
		sh := `set -e; mount -t tmpfs none /usr/src; mkdir -p /usr/src/p/bin; cd /usr/src/p
bash "$SCRIPT" --share-host-net -- true
printf '#!/bin/sh\necho bwrap >>%s\nexit 1\n' "$RAN" >bin/bwrap; chmod +x bin/bwrap
cd "$PROJ"; PATH=/usr/src/p/bin:$PATH bash "$SCRIPT" --share-host-net -- true`
		cmd := exec.Command(unshare, "--mount", "sh", "-c", sh)
		cmd.Env = append(env, "RAN="+ran, "SCRIPT="+script, "PROJ="+proj)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("claudebox with /usr/src/p/bin on PATH: %v\n%s", err, out)
		}
		if b, err := os.ReadFile(ran); err == nil {
			t.Errorf("a tool of the project /usr/src/p ran on the host: %s", b)
		}
	})
	t.Run("a home of secrets that is a link", func(t *testing.T) {
		home, _, env := setup(t)
		real := filepath.Join(t.TempDir(), "gnupg")
		writeFile(t, filepath.Join(real, "private.key"), marker+"\n")
		os.Symlink(real, filepath.Join(home, ".gnupg"))
		for _, dir := range []string{real, filepath.Dir(real)} {
			r := claudebox(t, env, dir, "--project", ".", "--share-host-net", "--", "true")
			if r.Code != 1 || r.Stderr != "claudebox: refusing to mount "+dir+" read-write: it overlaps "+real+", where ~/.gnupg leads, where secrets are kept; cd into a project or pass --project DIR\n" {
				t.Errorf("in %s: exit %d, %q", dir, r.Code, r.Stderr)
			}
		}
	})
	t.Run("a project where secrets are kept", func(t *testing.T) {
		home, proj, env := setup(t)
		for _, dir := range []string{".ssh", ".config/gh", ".aws/sso"} {
			os.MkdirAll(filepath.Join(home, dir), 0o700)
			r := claudebox(t, env, filepath.Join(home, dir), "--share-host-net", "--", "true")
			top, _, _ := strings.Cut(dir, "/")
			if dir == ".config/gh" {
				top = dir
			}
			if r.Code != 1 || r.Stderr != "claudebox: refusing to mount "+filepath.Join(home, dir)+" read-write: it is in ~/"+top+", where secrets are kept; cd into a project or pass --project DIR\n" {
				t.Errorf("in ~/%s: exit %d, %q", dir, r.Code, r.Stderr)
			}
		}
		// And by a link a sandbox planted in its project, which the user
		// then enters by its name.
		mustRun(t, env, proj, "--share-host-net", "--", "ln", "-s", "../.ssh", "web")
		if r := claudebox(t, env, filepath.Join(proj, "web"), "--share-host-net", "--", "cat", "id_ed25519"); r.Code != 1 || strings.Contains(r.Stdout, marker) {
			t.Errorf("through a link into ~/.ssh: exit %d, %q", r.Code, r.Stdout)
		}
	})
	t.Run("functions from the environment", func(t *testing.T) {
		_, proj, env := setup(t)
		env = append(env, "BASH_FUNC_cd%%=() { echo wrapper >&2; command cd \"$@\"; }",
			"BASH_FUNC_exec%%=() { echo wrapper >&2; }", "BASH_FUNC_builtin%%=() { :; }", "BASH_FUNC_unset%%=() { :; }")
		r := claudebox(t, env, proj, "--share-host-net", "--", "true")
		if r.Code != 0 || strings.Contains(r.Stderr, "wrapper") {
			t.Errorf("with cd and exec functions in the environment: exit %d, %q", r.Code, r.Stderr)
		}
	})
}
