package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

type createOptions struct {
	name, repo string
	ports      []string
	image      string
	tokenFile  string
	docker     string
	timeout    time.Duration
}

func newCreateCmd(s *streams) *cobra.Command {
	opts := createOptions{}
	cmd := &cobra.Command{
		Use:   "create NAME OWNER/REPO",
		Short: "Create and start a devbox for a GitHub repository",
		Long: `Create the container devbox-NAME from the devbox image and start it: it
clones OWNER/REPO into ~/workspace and enters its nix develop shell. create
shows the container's progress and waits until it reports ready, the
repository cloned (or failed, and then shows why). The dev shell is built
from then on, so the first attach may wait for Nix.

The GitHub token comes from --token-file, else GITHUB_TOKEN. It is written to a
0600 file under $XDG_STATE_HOME/devbox/tokens (~/.local/state/devbox/tokens)
and bind-mounted read-only at /run/secrets/github_token: it is never in the
container's environment, labels or command, so docker inspect does not show it.
The engine must see the host's files (a local daemon, Docker Desktop, podman).

The devbox-credentials volume ('devbox init') is mounted read-only at
/devbox-credentials; the entrypoint copies Claude and AWS files from it.

--docker chooses how docker works inside the devbox:
  dind  Docker-in-Docker: a privileged container with its own dockerd and a
        volume devbox-NAME-docker for /var/lib/docker (the default)
  host  the engine's socket is mounted at /var/run/docker.sock
  none  no docker inside`,
		Example: `  export GITHUB_TOKEN=github_pat_...
  devbox create myapp acme/app --port 3000:3000
  devbox create api acme/api --token-file ~/.secrets/github_token --docker host
  devbox create docs acme/docs --port 127.0.0.1:8080:80 --docker none`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name, opts.repo = args[0], args[1]
			return createRun(cmd.Context(), s, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.ports, "port", "p", nil, "publish a port, `HOST:CONTAINER` ([IP:]HOST:CONTAINER[/udp]); repeatable")
	f.StringVar(&opts.image, "image", defaultImage, "the devbox image")
	f.StringVar(&opts.tokenFile, "token-file", "", "read the GitHub token from `FILE` instead of GITHUB_TOKEN")
	f.StringVar(&opts.docker, "docker", "dind", "docker inside the devbox: dind, host or none")
	f.DurationVar(&opts.timeout, "timeout", 15*time.Minute, "how long to wait for the container to get ready")
	return cmd
}

func createRun(ctx context.Context, s *streams, o createOptions) error {
	if err := validateName(o.name); err != nil {
		return err
	}
	if err := validateRepo(o.repo); err != nil {
		return err
	}
	exposed, bindings, err := parsePorts(o.ports)
	if err != nil {
		return err
	}
	if o.docker != "dind" && o.docker != "host" && o.docker != "none" {
		return usageErrorf("invalid --docker %q: want dind, host or none", o.docker)
	}
	token, err := readToken(o.tokenFile)
	if err != nil {
		return err
	}

	e, err := connect(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	cname := containerPrefix + o.name
	if res, err := e.ContainerInspect(ctx, cname, client.ContainerInspectOptions{}); err == nil {
		return nameInUse(o.name, res.Container)
	} else if !isNotFound(err) {
		return failf("cannot inspect %s: %v", cname, err)
	}
	if err := checkImage(ctx, e, o.image); err != nil {
		return err
	}
	vol := credentialsVolume()
	if _, err := e.VolumeInspect(ctx, vol, client.VolumeInspectOptions{}); err != nil {
		if !isNotFound(err) {
			return failf("cannot inspect the volume %s: %v", vol, err)
		}
		if _, err := e.VolumeCreate(ctx, client.VolumeCreateOptions{Name: vol}); err != nil {
			return failf("cannot create the volume %s: %v", vol, err)
		}
		fmt.Fprintf(s.ErrOut, "devbox: note: created the empty volume %s; 'devbox init' puts your Claude (and AWS) credentials there (restart devboxes after it)\n", vol)
	}

	tokenPath, err := writeTokenFile(o.name, token)
	if err != nil {
		return err
	}
	created := false
	defer func() {
		if !created {
			_ = removeTokenFile(tokenPath)
		}
	}()

	labels := map[string]string{labelName: o.name, labelRepo: o.repo, labelTokenFile: tokenPath, labelDockerMode: o.docker}
	env := []string{"DEVBOX_REPO=" + o.repo}
	mounts := []mount.Mount{
		{Type: mount.TypeBind, Source: tokenPath, Target: tokenTarget, ReadOnly: true},
		{Type: mount.TypeVolume, Source: vol, Target: credsTarget, ReadOnly: true},
	}
	host := &container.HostConfig{PortBindings: bindings}
	switch o.docker {
	case "none":
		env = append(env, "DEVBOX_DOCKER=none")
	case "host":
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: e.socketPath(), Target: dockerSockPath})
	case "dind":
		dockerVol := cname + "-docker"
		labels[labelDockerVolume] = dockerVol
		host.Privileged = true
		mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: dockerVol, Target: "/var/lib/docker"})
	}
	host.Mounts = mounts
	res, err := e.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: cname,
		Config: &container.Config{
			Image:        o.image,
			Hostname:     o.name,
			Env:          env,
			Labels:       labels,
			ExposedPorts: exposed,
			// The entrypoint runs `nix develop -c sleep infinity`: the dev shell
			// is built once, and the container stays up for attach.
			Cmd: []string{"sleep", "infinity"},
		},
		HostConfig: host,
	})
	if err != nil {
		if isConflict(err) {
			return failf("the name %s is already in use ('devbox list' shows devboxes; 'docker rm %s' frees the name)", o.name, cname)
		}
		return failf("cannot create %s: %v", cname, err)
	}
	created = true
	fmt.Fprintf(s.ErrOut, "devbox: created %s (container %s) for %s\n", o.name, cname, o.repo)
	if _, err := e.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		// A container that never ran holds nothing: remove it, its token
		// file and its Docker volume, so that the same create can be retried.
		cleanup := context.WithoutCancel(ctx)
		_, _ = e.ContainerRemove(cleanup, res.ID, client.ContainerRemoveOptions{Force: true})
		_ = removeTokenFile(tokenPath)
		if vol := labels[labelDockerVolume]; vol != "" {
			_, _ = e.VolumeRemove(cleanup, vol, client.VolumeRemoveOptions{})
		}
		return failf("cannot start %s: %v", cname, err)
	}
	if err := waitReady(ctx, s, e, o.name, res.ID, time.Time{}, o.timeout); err != nil {
		return err
	}
	fmt.Fprintf(s.ErrOut, "devbox: %s is ready: devbox attach %s\n", o.name, o.name)
	return nil
}

func nameInUse(name string, c container.InspectResponse) error {
	if c.Config != nil && c.Config.Labels[labelName] == name {
		return failf("a devbox named %s already exists (%s, %s): 'devbox attach %s' uses it, 'devbox rm %s' removes it",
			name, c.Config.Labels[labelRepo], describeState(c.State), name, name)
	}
	return failf("the name %s is taken by the container %s%s, which devbox did not create; choose another name", name, containerPrefix, name)
}

func checkImage(ctx context.Context, e *engine, image string) error {
	if _, err := e.ImageInspect(ctx, image); err != nil {
		if isNotFound(err) {
			if image == defaultImage {
				return failf("the image %s is not there; build it: docker build -t devbox-base:latest image/ (in github.com/system1/devbox; or scripts/build-image with podman)", image)
			}
			return failf("the image %s is not there; build or pull it, or pass --image", image)
		}
		return failf("cannot inspect the image %s: %v", image, err)
	}
	return nil
}

// socketPath is the engine's own socket, for --docker host: the path of a
// unix:// endpoint on this machine (rootful or rootless Docker and podman).
// An engine whose socket is in the home directory runs in a VM (Docker
// Desktop, colima, podman machine), where the socket is /var/run/docker.sock;
// so is a tcp:// engine's.
func (e *engine) socketPath() string {
	p, ok := strings.CutPrefix(e.host, "unix://")
	if !ok {
		return dockerSockPath
	}
	if home, err := os.UserHomeDir(); err == nil && strings.HasPrefix(filepath.Clean(p), filepath.Clean(home)+"/") {
		return dockerSockPath
	}
	return p
}

// waitReady follows the container's log (from since, when set) to stderr
// until the entrypoint reports ready (it creates /tmp/devbox-ready) or the
// container exits; then the entrypoint's error line becomes devbox's.
func waitReady(ctx context.Context, s *streams, e *engine, name, id string, since time.Time, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	logCtx, stopLogs := context.WithCancel(ctx)
	defer stopLogs()
	var logBuf bytes.Buffer
	logOpts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true}
	if !since.IsZero() {
		logOpts.Since = strconv.FormatInt(since.Unix(), 10)
	}
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		follow := logOpts
		follow.Follow = true
		rc, err := e.ContainerLogs(logCtx, id, follow)
		if err != nil {
			return
		}
		defer rc.Close()
		w := io.MultiWriter(s.ErrOut, &logBuf)
		_, _ = stdcopy.StdCopy(w, w, rc)
	}()

	// catchUp ends the stream and prints what it had not shown yet: the
	// entrypoint can report ready before its lines reach a follower.
	catchUp := func() {
		stopLogs()
		<-logDone
		rc, err := e.ContainerLogs(context.WithoutCancel(ctx), id, logOpts)
		if err != nil {
			return
		}
		defer rc.Close()
		var all bytes.Buffer
		if _, err := stdcopy.StdCopy(&all, &all, rc); err == nil && all.Len() > logBuf.Len() {
			_, _ = s.ErrOut.Write(all.Bytes()[logBuf.Len():])
			logBuf = all
		}
	}

	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		res, err := e.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return failf("cannot inspect %s%s: %v", containerPrefix, name, err)
		}
		st := res.Container.State
		if st != nil && !st.Running && string(st.Status) != "created" {
			catchUp()
			why := entrypointError(logBuf.String())
			if why == "" {
				why = "no error message"
			}
			return failf("%s failed to start (exit %d): %s; 'devbox logs %s' shows everything, 'devbox rm %s' removes it",
				name, st.ExitCode, why, name, name)
		}
		if isReady(ctx, e, id, st) {
			catchUp()
			return nil
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	return failf("%s did not get ready within %v; it is still starting: 'devbox logs %s' shows what it is doing", name, timeout, name)
}

// isReady reports whether the entrypoint of the running container has
// created its ready file since the container started: an older one is a
// restarted container's (compared in seconds: some engines stat with
// one-second precision).
func isReady(ctx context.Context, e *engine, id string, st *container.State) bool {
	if st == nil || !st.Running {
		return false
	}
	stat, err := e.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: readyFile})
	if err != nil {
		return false
	}
	started, err := time.Parse(time.RFC3339Nano, st.StartedAt)
	return err != nil || !stat.Stat.Mtime.Before(started.Truncate(time.Second))
}

// entrypointError is the last "devbox: error: …" line the entrypoint printed.
func entrypointError(logs string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		if msg, ok := strings.CutPrefix(sc.Text(), "devbox: error: "); ok {
			last = msg
		}
	}
	return last
}
