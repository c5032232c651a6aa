package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// A devbox is the container devbox-NAME, labelled with what devbox needs to
// find, list and remove it (and its token file) later.
const (
	containerPrefix   = "devbox-"
	labelName         = "dev.system1.devbox.name"
	labelRepo         = "dev.system1.devbox.repo"
	labelTokenFile    = "dev.system1.devbox.token-file"
	labelDockerMode   = "dev.system1.devbox.docker"
	labelDockerVolume = "dev.system1.devbox.docker-volume"
	labelHelper       = "dev.system1.devbox.helper" // init's short-lived container

	defaultImage = "devbox-base:latest"
	// What the image's entrypoint expects (image/entrypoint.sh).
	entrypointPath = "/usr/local/bin/devbox-entrypoint"
	tokenTarget    = "/run/secrets/github_token"
	credsTarget    = "/devbox-credentials"
	readyFile      = "/tmp/devbox-ready"
	dockerSockPath = "/var/run/docker.sock"
)

// credentialsVolume is the volume init fills and create mounts.
// DEVBOX_CREDENTIALS_VOLUME renames it (tests, several identities).
func credentialsVolume() string {
	if v := os.Getenv("DEVBOX_CREDENTIALS_VOLUME"); v != "" {
		return v
	}
	return "devbox-credentials"
}

var (
	// Docker's container name rule, capped at 63 characters because NAME is
	// also the container's hostname.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
	// The same rule as the entrypoint's check of DEVBOX_REPO.
	repoRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$`)
)

func validateName(name string) error {
	if !nameRE.MatchString(name) {
		return usageErrorf("invalid name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters", name)
	}
	return nil
}

func validateRepo(repo string) error {
	if strings.Contains(repo, "://") || strings.HasPrefix(repo, "git@") || strings.Contains(repo, "github.com") {
		return usageErrorf("repository must be OWNER/REPO, not a URL: %s (for https://github.com/acme/app use acme/app)", repo)
	}
	if !repoRE.MatchString(repo) {
		return usageErrorf("repository must be OWNER/REPO: %q", repo)
	}
	return nil
}

// parsePorts turns --port values ([IP:]HOST:CONTAINER[/PROTO]) into Docker's
// port maps.
func parsePorts(specs []string) (network.PortSet, network.PortMap, error) {
	exposed, bindings := network.PortSet{}, network.PortMap{}
	for _, spec := range specs {
		bad := func(why string) error {
			return usageErrorf("invalid --port %q: %s (want HOST:CONTAINER, e.g. 3000:3000, 127.0.0.1:8080:80 or 5353:53/udp)", spec, why)
		}
		rest, proto := spec, "tcp"
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			rest, proto = rest[:i], rest[i+1:]
			if proto != "tcp" && proto != "udp" && proto != "sctp" {
				return nil, nil, bad("protocol must be tcp, udp or sctp")
			}
		}
		parts := strings.Split(rest, ":")
		var hostIP netip.Addr
		switch len(parts) {
		case 2:
		case 3:
			ip, err := netip.ParseAddr(parts[0])
			if err != nil {
				return nil, nil, bad("not an IP address: " + parts[0])
			}
			hostIP, parts = ip, parts[1:]
		default:
			return nil, nil, bad("not HOST:CONTAINER")
		}
		var nums [2]uint16
		for i, p := range parts {
			n, err := strconv.ParseUint(p, 10, 16)
			if err != nil || n == 0 {
				return nil, nil, bad("ports are numbers from 1 to 65535")
			}
			nums[i] = uint16(n)
		}
		port, ok := network.PortFrom(nums[1], network.IPProtocol(proto))
		if !ok {
			return nil, nil, bad("not a port")
		}
		exposed[port] = struct{}{}
		bindings[port] = append(bindings[port], network.PortBinding{HostIP: hostIP, HostPort: strconv.Itoa(int(nums[0]))})
	}
	return exposed, bindings, nil
}

// stateDir is where devbox keeps per-user files: $XDG_STATE_HOME/devbox, or
// ~/.local/state/devbox.
func stateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "devbox"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", failf("cannot find the state directory: %v (set XDG_STATE_HOME)", err)
	}
	return filepath.Join(home, ".local", "state", "devbox"), nil
}

func tokensDir() (string, error) {
	d, err := stateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "tokens"), nil
}

// writeTokenFile writes the token to a new 0600 file in a 0700 directory. Each
// create gets its own file, so a create that loses a race for a name never
// touches the token file of the container that won.
func writeTokenFile(name, token string) (string, error) {
	dir, err := tokensDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", failf("cannot create %s: %v", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", failf("cannot make %s private: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, name+".*.token") // CreateTemp makes it 0600
	if err != nil {
		return "", failf("cannot write the token file: %v", err)
	}
	_, err = f.WriteString(token + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", failf("cannot write the token file %s: %v", f.Name(), err)
	}
	return f.Name(), nil
}

// removeTokenFile removes a token file named by a container label, but only
// one inside devbox's own tokens directory: a label is not trusted to name
// any other file.
func removeTokenFile(path string) error {
	dir, err := tokensDir()
	if err != nil || path == "" {
		return err
	}
	if filepath.Dir(filepath.Clean(path)) != dir {
		return nil
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return failf("cannot remove the token file %s: %v", path, err)
	}
	return nil
}

// readToken takes the token from --token-file, else GITHUB_TOKEN.
func readToken(tokenFile string) (string, error) {
	var token string
	if tokenFile != "" {
		data, err := os.ReadFile(tokenFile)
		if err != nil {
			return "", usageErrorf("cannot read the token file: %v", err)
		}
		token = strings.TrimSpace(string(data))
		if token == "" {
			return "", usageErrorf("the token file %s is empty", tokenFile)
		}
	} else {
		token = strings.TrimSpace(os.Getenv("GITHUB_TOKEN"))
		if token == "" {
			return "", usageErrorf("no GitHub token: export GITHUB_TOKEN=github_pat_... or pass --token-file FILE (a fine-grained token with Contents: Read on the repository)")
		}
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", usageErrorf("the GitHub token contains whitespace; it must be one line")
	}
	return token, nil
}

// findBox inspects devbox NAME's container; it refuses containers devbox did
// not create.
func findBox(ctx context.Context, e *engine, name string) (container.InspectResponse, error) {
	if err := validateName(name); err != nil {
		return container.InspectResponse{}, err
	}
	res, err := e.ContainerInspect(ctx, containerPrefix+name, client.ContainerInspectOptions{})
	if err != nil {
		if isNotFound(err) {
			return container.InspectResponse{}, failf("no devbox named %s ('devbox list' shows them)", name)
		}
		return container.InspectResponse{}, failf("cannot inspect %s%s: %v", containerPrefix, name, err)
	}
	c := res.Container
	if c.Config == nil || c.Config.Labels[labelName] != name {
		return container.InspectResponse{}, failf("the container %s%s was not created by devbox; devbox leaves it alone", containerPrefix, name)
	}
	return c, nil
}

func describeState(st *container.State) string {
	if st == nil {
		return "unknown"
	}
	if st.Running {
		return "running"
	}
	if string(st.Status) == "exited" {
		return fmt.Sprintf("exited (%d)", st.ExitCode)
	}
	return string(st.Status)
}
