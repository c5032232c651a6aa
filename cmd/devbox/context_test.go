package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// fakeEngine answers the two calls of `devbox list` on a unix socket, as a
// Docker daemon with API 1.41 (podman 4's) does, listing one devbox.
func fakeEngine(t *testing.T, dir, name string) string {
	t.Helper()
	sock := filepath.Join(dir, name+".sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(fakeEngineHandler(t, name))
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return "unix://" + sock
}

func fakeEngineHandler(t *testing.T, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		switch {
		case r.URL.Path == "/_ping":
			_, _ = w.Write([]byte("OK"))
		case r.URL.Path == "/v1.41/containers/json" && strings.Contains(r.URL.Query().Get("filters"), labelName):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"Id":"abc","Names":["/devbox-` + name + `"],"Image":"devbox-base:latest","Created":1700000000,
				"State":"running","Status":"Up 2 hours","Labels":{"` + labelName + `":"` + name + `","` + labelRepo + `":"acme/app"},
				"Ports":[{"IP":"0.0.0.0","PrivatePort":3000,"PublicPort":3000,"Type":"tcp"},{"IP":"::","PrivatePort":3000,"PublicPort":3000,"Type":"tcp"}]}]`))
		default:
			t.Errorf("fake engine: unexpected %s %s", r.Method, r.URL)
			http.Error(w, `{"message":"unexpected"}`, http.StatusNotFound)
		}
	})
}

// writeContext stores a docker context as the docker CLI does.
func writeContext(t *testing.T, configDir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	meta := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	writeTestFile(t, filepath.Join(configDir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json"), meta, 0o644)
}

func TestEngineSelection(t *testing.T) {
	home := isolate(t)
	configDir := filepath.Join(home, ".docker")
	viaEnv := fakeEngine(t, home, "viaenv")
	viaConfig := fakeEngine(t, home, "viaconfig")
	viaContextEnv := fakeEngine(t, home, "viacontextenv")
	writeContext(t, configDir, "colima", viaConfig)
	writeContext(t, configDir, "other", viaContextEnv)
	writeContext(t, configDir, "remote", "ssh://me@build-host")
	writeTestFile(t, filepath.Join(configDir, "config.json"), `{"auths":{},"currentContext":"colima"}`, 0o600)

	list := func(t *testing.T, wantName string) {
		t.Helper()
		code, stdout, stderr := runDevbox(t, "", "list")
		pad := strings.Repeat(" ", len(wantName)-len("NAME"))
		want := "NAME" + pad + "  REPO      STATUS      PORTS\n" + wantName + "  acme/app  Up 2 hours  3000->3000/tcp\n"
		if code != 0 || stdout != want || stderr != "" {
			t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
		}
	}
	t.Run("DOCKER_HOST wins", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", viaEnv)
		t.Setenv("DOCKER_CONTEXT", "other")
		list(t, "viaenv")
	})
	t.Run("DOCKER_CONTEXT", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		t.Setenv("DOCKER_CONTEXT", "other")
		code, stdout, _ := runDevbox(t, "", "list", "--json")
		if code != 0 || !strings.Contains(stdout, `"name": "viacontextenv"`) || !strings.Contains(stdout, `"ports": [
      "3000->3000/tcp"
    ]`) {
			t.Errorf("exit %d\n%s", code, stdout)
		}
	})
	t.Run("current context of config.json", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		list(t, "viaconfig")
	})
	t.Run("tcp context with TLS", func(t *testing.T) {
		srv := httptest.NewTLSServer(fakeEngineHandler(t, "viatls"))
		defer srv.Close()
		writeContext(t, configDir, "tls", "tcp://"+srv.Listener.Addr().String())
		sum := sha256.Sum256([]byte("tls"))
		ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		writeTestFile(t, filepath.Join(configDir, "contexts", "tls", hex.EncodeToString(sum[:]), "docker", "ca.pem"), string(ca), 0o600)
		t.Setenv("DOCKER_HOST", "")
		t.Setenv("DOCKER_CONTEXT", "tls")
		list(t, "viatls")
	})
	t.Run("ssh context", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		t.Setenv("DOCKER_CONTEXT", "remote")
		code, _, stderr := runDevbox(t, "", "list")
		if code != 1 || !strings.HasPrefix(stderr, `devbox: docker context "remote" uses ssh://me@build-host: devbox talks to unix:// and tcp:// endpoints only`) {
			t.Errorf("exit %d %q", code, stderr)
		}
	})
	t.Run("unknown context", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "")
		t.Setenv("DOCKER_CONTEXT", "gone")
		code, _, stderr := runDevbox(t, "", "list")
		if code != 1 || !strings.HasPrefix(stderr, `devbox: docker context "gone" (from DOCKER_CONTEXT) not found`) {
			t.Errorf("exit %d %q", code, stderr)
		}
	})
}

func TestEngineUnreachable(t *testing.T) {
	home := isolate(t)
	sock := filepath.Join(home, "no-engine.sock")
	for _, args := range [][]string{{"list"}, {"stop", "app"}, {"logs", "app"}, {"rm", "app"}, {"attach", "app"}} {
		code, stdout, stderr := runDevbox(t, "", args...)
		want := "devbox: cannot reach the Docker daemon at unix://" + sock + " (DOCKER_HOST): is it running? Start it (sudo systemctl start docker, or open Docker Desktop)"
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("devbox %s: exit %d %q; want 1 and %q…", strings.Join(args, " "), code, stderr, want)
		}
	}
}
