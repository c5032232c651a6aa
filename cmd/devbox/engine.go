package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// engine is a connection to the Docker Engine API and where it came from,
// so that errors can say which daemon could not be reached.
type engine struct {
	*client.Client
	host   string // unix:///var/run/docker.sock, tcp://…
	source string // DOCKER_HOST, docker context "x", or the default
}

// endpoint is where the engine is, as the docker CLI decides it: DOCKER_HOST,
// else the context named by DOCKER_CONTEXT or by currentContext in
// $DOCKER_CONFIG/config.json (~/.docker), else the default socket.
type endpoint struct {
	host, source           string
	tlsCA, tlsCert, tlsKey string // a context's TLS files, when it has them
}

func resolveEndpoint() (endpoint, error) {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return endpoint{host: h, source: "DOCKER_HOST"}, nil
	}
	configDir := os.Getenv("DOCKER_CONFIG")
	if configDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return endpoint{host: client.DefaultDockerHost, source: "the default"}, nil
		}
		configDir = filepath.Join(home, ".docker")
	}
	name, source := os.Getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		source = filepath.Join(configDir, "config.json")
		data, err := os.ReadFile(source)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return endpoint{}, fmt.Errorf("cannot read %s: %v", source, errors.Unwrap(err))
		}
		if err == nil {
			var cfg struct{ CurrentContext string }
			if err := json.Unmarshal(data, &cfg); err != nil {
				return endpoint{}, fmt.Errorf("%s is not valid JSON: %v", source, err)
			}
			name = cfg.CurrentContext
		}
	}
	if name == "" || name == "default" {
		return endpoint{host: client.DefaultDockerHost, source: "the default"}, nil
	}
	// The docker CLI stores a context under the sha256 of its name.
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaFile := filepath.Join(configDir, "contexts", "meta", id, "meta.json")
	data, err := os.ReadFile(metaFile)
	if err != nil {
		return endpoint{}, fmt.Errorf("docker context %q (from %s) not found: %s is missing; run 'docker context ls', or set DOCKER_HOST", name, source, metaFile)
	}
	var meta struct {
		Endpoints map[string]struct{ Host string }
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return endpoint{}, fmt.Errorf("docker context %q: %s is not valid JSON: %v", name, metaFile, err)
	}
	host := meta.Endpoints["docker"].Host
	if host == "" {
		return endpoint{}, fmt.Errorf("docker context %q has no docker endpoint (%s)", name, metaFile)
	}
	if strings.HasPrefix(host, "ssh://") {
		return endpoint{}, fmt.Errorf("docker context %q uses %s: devbox talks to unix:// and tcp:// endpoints only; forward the socket (ssh -L /tmp/docker.sock:/var/run/docker.sock HOST) and set DOCKER_HOST=unix:///tmp/docker.sock", name, host)
	}
	ep := endpoint{host: host, source: fmt.Sprintf("docker context %q", name)}
	// The context's TLS files, as `docker context create --docker
	// host=…,ca=…,cert=…,key=…` stores them; a client certificate needs both.
	tlsDir := filepath.Join(configDir, "contexts", "tls", id, "docker")
	exists := func(f string) string {
		if _, err := os.Stat(filepath.Join(tlsDir, f)); err == nil {
			return filepath.Join(tlsDir, f)
		}
		return ""
	}
	ep.tlsCA, ep.tlsCert, ep.tlsKey = exists("ca.pem"), exists("cert.pem"), exists("key.pem")
	if ep.tlsCert == "" || ep.tlsKey == "" {
		ep.tlsCert, ep.tlsKey = "", ""
	}
	return ep, nil
}

// connect opens the engine and checks that it answers, so that every command
// fails the same clear way when Docker is not running.
func connect(ctx context.Context) (*engine, error) {
	ep, err := resolveEndpoint()
	if err != nil {
		return nil, failf("%v", err)
	}
	opts := []client.Opt{client.FromEnv, client.WithHost(ep.host)}
	if ep.tlsCA != "" || ep.tlsCert != "" {
		opts = append(opts, client.WithTLSClientConfig(ep.tlsCA, ep.tlsCert, ep.tlsKey))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, failf("cannot use the Docker endpoint %s (%s): %v", ep.host, ep.source, err)
	}
	e := &engine{Client: c, host: ep.host, source: ep.source}
	// A tcp:// engine that does not answer would otherwise hang every command.
	pingCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := c.Ping(pingCtx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		c.Close()
		if pingCtx.Err() != nil {
			return nil, failf("the Docker daemon at %s did not answer within 20s; check DOCKER_HOST or the docker context", e.host)
		}
		return nil, e.unreachable(err)
	}
	return e, nil
}

func (e *engine) unreachable(err error) error {
	where := e.host
	if e.source != "the default" {
		where += " (" + e.source + ")"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "permission denied"):
		return failf("permission denied on the Docker socket %s; add yourself to the docker group (sudo usermod -aG docker $USER, then log in again), or use rootless podman", where)
	case client.IsErrConnectionFailed(err) || strings.Contains(msg, "no such file") || strings.Contains(msg, "connection refused"):
		return failf("cannot reach the Docker daemon at %s: is it running? Start it (sudo systemctl start docker, or open Docker Desktop), or point DOCKER_HOST at a running engine (podman: systemctl --user start podman.socket; export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock)", where)
	}
	return failf("the Docker daemon at %s does not answer: %v", where, err)
}

// isNotFound and isConflict classify engine errors (Docker's and podman's).
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
func isConflict(err error) bool {
	return cerrdefs.IsConflict(err) || strings.Contains(err.Error(), "already in use")
}
