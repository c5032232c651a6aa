package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// runDevbox runs the whole CLI in-process with stdin as standard input.
func runDevbox(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}

// isolate gives the CLI an empty home, state directory and Docker config,
// and an engine address where nothing listens, so no test reaches a real
// daemon by accident.
func isolate(t *testing.T) (home string) {
	t.Helper()
	home = t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(home, "no-engine.sock"))
	for _, v := range []string{"DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION", "GITHUB_TOKEN", "CLAUDE_CONFIG_DIR",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION", "DEVBOX_CREDENTIALS_VOLUME"} {
		t.Setenv(v, "")
	}
	return home
}

func TestHelp(t *testing.T) {
	isolate(t)
	code, stdout, _ := runDevbox(t, "", "--help")
	if code != 0 || !strings.Contains(stdout, "Exit codes:") || !strings.Contains(stdout, "devbox create myapp acme/app --port 3000:3000") {
		t.Errorf("devbox --help: exit %d\n%s", code, stdout)
	}
	for _, cmd := range []string{"init", "create", "attach", "list", "stop", "rm", "logs"} {
		code, stdout, stderr := runDevbox(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(stdout, "Examples:\n") || !strings.Contains(stdout, "\n  devbox "+cmd+" ") || stderr != "" {
			t.Errorf("devbox %s --help: exit %d, no examples?\n%s%s", cmd, code, stdout, stderr)
		}
	}
}

// Bad input is refused with one line and exit 2 before any engine is asked.
func TestUsageErrors(t *testing.T) {
	home := isolate(t)
	emptyToken := filepath.Join(home, "empty-token")
	if err := os.WriteFile(emptyToken, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		env    string // GITHUB_TOKEN
		args   []string
		stderr string
	}{
		{"unknown command", "", []string{"bogus"}, `devbox: unknown command "bogus" for "devbox"`},
		{"unknown flag", "", []string{"create", "--bogus"}, "devbox: unknown flag: --bogus (see 'devbox create --help')"},
		{"create without a repo", "", []string{"create", "app"}, "devbox: accepts 2 arg(s), received 1 (see 'devbox --help')"},
		{"bad name", "tok", []string{"create", "_app", "acme/app"}, `devbox: invalid name "_app": use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters`},
		{"name with a slash", "tok", []string{"create", "a/b", "acme/app"}, `devbox: invalid name "a/b"`},
		{"long name", "tok", []string{"create", strings.Repeat("a", 64), "acme/app"}, "at most 63 characters"},
		{"repo URL", "tok", []string{"create", "app", "https://github.com/acme/app"}, "devbox: repository must be OWNER/REPO, not a URL: https://github.com/acme/app (for https://github.com/acme/app use acme/app)"},
		{"repo without owner", "tok", []string{"create", "app", "app"}, `devbox: repository must be OWNER/REPO: "app"`},
		{"bad port", "tok", []string{"create", "app", "acme/app", "--port", "3000"}, `devbox: invalid --port "3000": not HOST:CONTAINER (want HOST:CONTAINER, e.g. 3000:3000, 127.0.0.1:8080:80 or 5353:53/udp)`},
		{"port out of range", "tok", []string{"create", "app", "acme/app", "-p", "70000:80"}, "ports are numbers from 1 to 65535"},
		{"port protocol", "tok", []string{"create", "app", "acme/app", "-p", "80:80/icmp"}, "protocol must be tcp, udp or sctp"},
		{"bad host IP", "tok", []string{"create", "app", "acme/app", "-p", "localhost:80:80"}, "not an IP address: localhost"},
		{"bad docker mode", "tok", []string{"create", "app", "acme/app", "--docker", "socket"}, `devbox: invalid --docker "socket": want dind, host or none`},
		{"no token", "", []string{"create", "app", "acme/app"}, "devbox: no GitHub token: export GITHUB_TOKEN=github_pat_... or pass --token-file FILE"},
		{"empty token file", "tok", []string{"create", "app", "acme/app", "--token-file", emptyToken}, "devbox: the token file " + emptyToken + " is empty"},
		{"missing token file", "", []string{"create", "app", "acme/app", "--token-file", filepath.Join(home, "nope")}, "devbox: cannot read the token file: open " + filepath.Join(home, "nope") + ": no such file or directory"},
		{"token with spaces", "github_pat_a b", []string{"create", "app", "acme/app"}, "devbox: the GitHub token contains whitespace; it must be one line"},
		{"attach with a command but no --", "", []string{"attach", "app", "make"}, "devbox: attach takes one NAME; put the command after --: devbox attach app -- make"},
		{"attach bad name", "", []string{"attach", "../x"}, `devbox: invalid name "../x"`},
		{"region without bedrock", "", []string{"init", "--region", "eu-west-1"}, "devbox: --region is for --bedrock"},
		{"bedrock without region", "", []string{"init", "--bedrock"}, "devbox: --bedrock needs the AWS region of your Bedrock models: --region us-east-1 (or set AWS_REGION)"},
		{"stop without a name", "", []string{"stop"}, "devbox: accepts 1 arg(s), received 0"},
		{"list takes no arguments", "", []string{"list", "x"}, `devbox: unknown command "x" for "devbox list"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GITHUB_TOKEN", c.env)
			code, stdout, stderr := runDevbox(t, "", c.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, c.stderr) && !strings.Contains(stderr, c.stderr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want 2 and one line with %q", code, stdout, stderr, c.stderr)
			}
			if c.env != "" && c.env != "tok" && strings.Contains(stderr, c.env) {
				t.Errorf("the token is in the error: %q", stderr)
			}
		})
	}
}

func TestInitSources(t *testing.T) {
	t.Run("no Claude login", func(t *testing.T) {
		home := isolate(t)
		code, _, stderr := runDevbox(t, "", "init")
		want := "devbox: no Claude login at " + filepath.Join(home, ".claude", ".credentials.json") + ": log in with 'claude' on this machine first"
		if code != 1 || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "or use --bedrock") {
			t.Errorf("exit %d %q; want 1 and %q", code, stderr, want)
		}
	})
	t.Run("no AWS files", func(t *testing.T) {
		home := isolate(t)
		code, _, stderr := runDevbox(t, "", "init", "--bedrock", "--region", "us-east-1", "--import-aws")
		want := "devbox: --import-aws: neither " + filepath.Join(home, ".aws", "config") + " nor " + filepath.Join(home, ".aws", "credentials") + " exists; run 'aws configure' (or 'aws configure sso') first\n"
		if code != 1 || stderr != want {
			t.Errorf("exit %d %q; want 1 and %q", code, stderr, want)
		}
	})
	t.Run("settings that are not a JSON object", func(t *testing.T) {
		home := isolate(t)
		settings := filepath.Join(home, ".claude", "settings.json")
		writeTestFile(t, settings, `["secret-value"]`, 0o600)
		code, _, stderr := runDevbox(t, "", "init", "--bedrock", "--region", "us-east-1")
		if code != 2 || !strings.HasPrefix(stderr, "devbox: "+settings+": not a JSON object") || strings.Contains(stderr, "secret-value") {
			t.Errorf("exit %d %q", code, stderr)
		}
	})
	t.Run("sources moved by CLAUDE_CONFIG_DIR and AWS_*_FILE", func(t *testing.T) {
		home := isolate(t)
		t.Setenv("CLAUDE_CONFIG_DIR", filepath.Join(home, "claude-elsewhere"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "aws-creds"))
		writeTestFile(t, filepath.Join(home, "claude-elsewhere", ".credentials.json"), "{}", 0o600)
		writeTestFile(t, filepath.Join(home, "aws-creds"), "[default]\n", 0o600)
		files, notes, err := collectCredentials(initOptions{importAWS: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.rel+" <- "+f.from)
		}
		want := []string{
			"claude/.credentials.json <- " + filepath.Join(home, "claude-elsewhere", ".credentials.json"),
			"aws/credentials <- " + filepath.Join(home, "aws-creds"),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(notes) != 2 || !strings.Contains(notes[0], "settings.json") || !strings.Contains(notes[1], filepath.Join(home, ".aws", "config")) {
			t.Errorf("notes: %q", notes)
		}
	})
}

func TestBedrockSettings(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", `{"env":{"AWS_REGION":"eu-west-1","CLAUDE_CODE_USE_BEDROCK":"1"}}`, ""},
		{`{"model":"x","env":{"FOO":"bar","AWS_REGION":"us-east-1"}}`, `{"env":{"AWS_REGION":"eu-west-1","CLAUDE_CODE_USE_BEDROCK":"1","FOO":"bar"},"model":"x"}`, ""},
		{`{"env":"x"}`, "", `"env" is not an object`},
		{`{`, "", "not a JSON object"},
	} {
		got, err := bedrockSettings([]byte(c.in), "eu-west-1")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		var compact bytes.Buffer
		if err != nil || json.Compact(&compact, got) != nil || compact.String() != c.want {
			t.Errorf("%q: got %s (%v), want %s", c.in, got, err, c.want)
		}
	}
}

func TestCredentialsArchive(t *testing.T) {
	data, err := credentialsArchive([]credFile{{rel: "claude/.credentials.json", data: []byte("a")}, {rel: "aws/config", data: []byte("bb")}, {rel: "claude/settings.json", data: []byte("c")}})
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(data))
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %o %d:%d %d", h.Name, h.Mode, h.Uid, h.Gid, h.Size))
	}
	want := "aws/ 700 1000:1000 0\nclaude/ 700 1000:1000 0\nclaude/.credentials.json 600 1000:1000 1\naws/config 600 1000:1000 2\nclaude/settings.json 600 1000:1000 1"
	if strings.Join(got, "\n") != want {
		t.Errorf("archive:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestParsePorts(t *testing.T) {
	exposed, bindings, err := parsePorts([]string{"3000:3000", "127.0.0.1:8080:80", "5353:53/udp", "3001:3000"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p, bs := range bindings {
		if _, ok := exposed[p]; !ok {
			t.Errorf("%v bound but not exposed", p)
		}
		for _, b := range bs {
			ip := ""
			if b.HostIP.IsValid() {
				ip = b.HostIP.String() + ":"
			}
			got = append(got, ip+b.HostPort+"->"+p.String())
		}
	}
	sort.Strings(got)
	if want := "127.0.0.1:8080->80/tcp 3000->3000/tcp 3001->3000/tcp 5353->53/udp"; strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
}

func TestTokenFiles(t *testing.T) {
	home := isolate(t)
	path, err := writeTokenFile("app", "github_pat_x")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "state", "devbox", "tokens")
	if filepath.Dir(path) != dir {
		t.Errorf("token file %s is not in %s", path, dir)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", p, err, fi.Mode().Perm(), want)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "github_pat_x\n" {
		t.Errorf("token file holds %q", data)
	}
	// A label naming a file elsewhere is not trusted with a removal.
	outside := filepath.Join(home, "precious")
	writeTestFile(t, outside, "keep", 0o600)
	for _, p := range []string{outside, dir + "/../../precious"} {
		if err := removeTokenFile(p); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("removeTokenFile removed a file outside the tokens directory: %v", err)
	}
	if err := removeTokenFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("token file still there: %v", err)
	}
	t.Setenv("XDG_STATE_HOME", "")
	if d, _ := stateDir(); d != filepath.Join(home, ".local", "state", "devbox") {
		t.Errorf("state dir without XDG_STATE_HOME: %s", d)
	}
}

func TestSocketPath(t *testing.T) {
	home := isolate(t)
	for host, want := range map[string]string{
		"unix:///var/run/docker.sock":                     "/var/run/docker.sock",
		"unix:///run/user/1000/podman/podman.sock":        "/run/user/1000/podman/podman.sock", // rootless, on this machine
		"unix://" + home + "/.docker/run/docker.sock":     "/var/run/docker.sock",              // Docker Desktop's VM
		"unix://" + home + "/.colima/default/docker.sock": "/var/run/docker.sock",
		"tcp://10.0.0.5:2376":                             "/var/run/docker.sock",
	} {
		if got := (&engine{host: host}).socketPath(); got != want {
			t.Errorf("%s: %s, want %s", host, got, want)
		}
	}
}
