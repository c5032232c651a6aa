package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// devboxUID owns the files in the credentials volume: the image's user devbox
// (UID 1000) reads them without sudo; nobody else in the container can.
const devboxUID = 1000

type initOptions struct {
	bedrock, importAWS bool
	region, image      string
}

// credFile is one file for the credentials volume: where it came from (for
// the report) and its bytes, which are never printed.
type credFile struct {
	rel, from string
	data      []byte
}

func newInitCmd(s *streams) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Copy your Claude (and AWS) credentials into the devbox-credentials volume",
		Long: `Create or update the volume devbox-credentials, which every devbox mounts
read-only and whose files its entrypoint copies into the container's home:

  claude/.credentials.json  from ~/.claude/.credentials.json (Claude login)
  claude/settings.json      from ~/.claude/settings.json
  aws/config, aws/credentials  from ~/.aws (--import-aws)

CLAUDE_CONFIG_DIR, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move the
sources as they do for Claude Code and the AWS CLI. With --bedrock, Claude Code
uses Amazon Bedrock: settings.json gets env CLAUDE_CODE_USE_BEDROCK=1 and
AWS_REGION (from --region, AWS_REGION or AWS_DEFAULT_REGION), on top of your
own settings, and no Claude login is needed. Files are 0600, owned by the
container's user devbox; their contents are never printed. It writes the
volume through a container of the devbox image that never starts.
DEVBOX_CREDENTIALS_VOLUME names another volume.

Running devboxes see new files after a restart (devbox stop, devbox attach).`,
		Example: `  devbox init                              # Claude login from ~/.claude
  devbox init --bedrock --region eu-west-1 --import-aws
  devbox init --import-aws                  # add AWS files, keep the rest`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return initRun(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.bedrock, "bedrock", false, "configure Claude Code for Amazon Bedrock instead of a Claude login")
	f.StringVar(&o.region, "region", "", "the AWS `REGION` for --bedrock (default $AWS_REGION, then $AWS_DEFAULT_REGION)")
	f.BoolVar(&o.importAWS, "import-aws", false, "also copy ~/.aws/config and ~/.aws/credentials")
	f.StringVar(&o.image, "image", defaultImage, "the image of the helper container that writes the volume")
	return cmd
}

func initRun(ctx context.Context, s *streams, o initOptions) error {
	if o.region != "" && !o.bedrock {
		return usageErrorf("--region is for --bedrock")
	}
	files, notes, err := collectCredentials(o)
	if err != nil {
		return err
	}
	e, err := connect(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	vol := credentialsVolume()
	if err := writeVolume(ctx, e, vol, o.image, files); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(s.Out, "copied %s to %s:%s (0600)\n", f.from, vol, f.rel)
	}
	for _, n := range notes {
		fmt.Fprintf(s.ErrOut, "devbox: note: %s\n", n)
	}
	return nil
}

// collectCredentials reads the host files init copies. Missing optional
// files become notes; nothing at all to copy is an error.
func collectCredentials(o initOptions) ([]credFile, []string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, nil, failf("cannot find your home directory: %v", err)
	}
	claudeDir := os.Getenv("CLAUDE_CONFIG_DIR")
	if claudeDir == "" {
		claudeDir = filepath.Join(home, ".claude")
	}
	var files []credFile
	var notes []string
	read := func(path string) ([]byte, bool, error) {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, failf("cannot read %s: %v", path, errors.Unwrap(err))
		}
		return data, true, nil
	}

	settingsPath := filepath.Join(claudeDir, "settings.json")
	settings, haveSettings, err := read(settingsPath)
	if err != nil {
		return nil, nil, err
	}
	if o.bedrock {
		region := o.region
		for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
			if region == "" {
				region = os.Getenv(v)
			}
		}
		if region == "" {
			return nil, nil, usageErrorf("--bedrock needs the AWS region of your Bedrock models: --region us-east-1 (or set AWS_REGION)")
		}
		data, err := bedrockSettings(settings, region)
		if err != nil {
			return nil, nil, usageErrorf("%s: %v", settingsPath, err)
		}
		from := "Bedrock settings (region " + region + ")"
		if haveSettings {
			from = settingsPath + " + Bedrock (region " + region + ")"
		}
		files = append(files, credFile{rel: "claude/settings.json", from: from, data: data})
		if !o.importAWS {
			notes = append(notes, "Bedrock needs AWS credentials in the devbox: add --import-aws, or provide them another way")
		}
	} else {
		credsPath := filepath.Join(claudeDir, ".credentials.json")
		creds, ok, err := read(credsPath)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, failf("no Claude login at %s: log in with 'claude' on this machine first (on macOS Claude Code keeps the login in the Keychain: save it to that file), or use --bedrock", credsPath)
		}
		files = append(files, credFile{rel: "claude/.credentials.json", from: credsPath, data: creds})
		if haveSettings {
			files = append(files, credFile{rel: "claude/settings.json", from: settingsPath, data: settings})
		} else {
			notes = append(notes, "no "+settingsPath+"; Claude Code's defaults apply in the devbox")
		}
	}

	if o.importAWS {
		var found []credFile
		var missing []string
		for _, src := range []struct{ env, name string }{{"AWS_CONFIG_FILE", "config"}, {"AWS_SHARED_CREDENTIALS_FILE", "credentials"}} {
			path := os.Getenv(src.env)
			if path == "" {
				path = filepath.Join(home, ".aws", src.name)
			}
			data, ok, err := read(path)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				missing = append(missing, path)
				continue
			}
			found = append(found, credFile{rel: "aws/" + src.name, from: path, data: data})
		}
		if len(found) == 0 {
			return nil, nil, failf("--import-aws: neither %s exists; run 'aws configure' (or 'aws configure sso') first", strings.Join(missing, " nor "))
		}
		for _, m := range missing {
			notes = append(notes, "no "+m+"; only the other AWS file was copied")
		}
		files = append(files, found...)
	}
	return files, notes, nil
}

// bedrockSettings is the user's Claude settings (if any) with the Bedrock
// variables set in its env object.
func bedrockSettings(user []byte, region string) ([]byte, error) {
	settings := map[string]any{}
	if len(bytes.TrimSpace(user)) > 0 {
		if err := json.Unmarshal(user, &settings); err != nil {
			return nil, fmt.Errorf("not a JSON object (%v)", err)
		}
	}
	env, _ := settings["env"].(map[string]any)
	if env == nil {
		if _, ok := settings["env"]; ok {
			return nil, fmt.Errorf(`"env" is not an object`)
		}
		env = map[string]any{}
	}
	env["CLAUDE_CODE_USE_BEDROCK"] = "1"
	env["AWS_REGION"] = region
	settings["env"] = env
	out, err := json.MarshalIndent(settings, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// writeVolume creates the volume if needed and writes files into it through a
// helper container that is created, never started, and removed.
func writeVolume(ctx context.Context, e *engine, vol, image string, files []credFile) error {
	if err := checkImage(ctx, e, image); err != nil {
		return err
	}
	if _, err := e.VolumeInspect(ctx, vol, client.VolumeInspectOptions{}); err != nil {
		if !isNotFound(err) {
			return failf("cannot inspect the volume %s: %v", vol, err)
		}
		if _, err := e.VolumeCreate(ctx, client.VolumeCreateOptions{Name: vol}); err != nil {
			return failf("cannot create the volume %s: %v", vol, err)
		}
	}
	helper, err := e.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image:      image,
			Entrypoint: []string{"/nonexistent-devbox-init-helper"}, // never started
			Labels:     map[string]string{labelHelper: "init"},
		},
		HostConfig: &container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: credsTarget}}},
	})
	if err != nil {
		return failf("cannot create the helper container for %s: %v", vol, err)
	}
	defer func() {
		_, _ = e.ContainerRemove(context.WithoutCancel(ctx), helper.ID, client.ContainerRemoveOptions{Force: true})
	}()
	archive, err := credentialsArchive(files)
	if err != nil {
		return failf("cannot pack the credentials: %v", err)
	}
	if _, err := e.CopyToContainer(ctx, helper.ID, client.CopyToContainerOptions{
		// Without CopyUIDGID, Docker and podman both keep the archive's
		// owners (with it, both chown to the container's user, and Docker
		// looks that user up on the host).
		DestinationPath: credsTarget, Content: bytes.NewReader(archive),
	}); err != nil {
		return failf("cannot write into the volume %s: %v", vol, err)
	}
	return nil
}

// credentialsArchive is a tar of files under their directories (0700), each
// file 0600, all owned by the container's user.
func credentialsArchive(files []credFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(f.rel)] = true
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o700, Uid: devboxUID, Gid: devboxUID, ModTime: now}); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.rel, Mode: 0o600, Size: int64(len(f.data)), Uid: devboxUID, Gid: devboxUID, ModTime: now}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
