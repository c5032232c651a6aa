package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// boxSummary is one line of `devbox list` (and one object of --json).
type boxSummary struct {
	Name      string   `json:"name"`
	Repo      string   `json:"repo"`
	State     string   `json:"state"`
	Status    string   `json:"status"`
	Ports     []string `json:"ports"`
	Container string   `json:"container"`
	Image     string   `json:"image"`
	Created   string   `json:"created"`
}

func newListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List devboxes",
		Example: `  devbox list
  devbox list --json | jq -r '.[] | select(.state == "running") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := connect(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := e.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", labelName)})
			if err != nil {
				return failf("cannot list containers: %v", err)
			}
			boxes := []boxSummary{}
			for _, c := range res.Items {
				name := c.Labels[labelName]
				if c.Labels[labelHelper] != "" || name == "" {
					continue
				}
				b := boxSummary{Name: name, Repo: c.Labels[labelRepo], State: string(c.State), Status: c.Status,
					Ports: []string{}, Container: containerPrefix + name, Image: c.Image,
					Created: time.Unix(c.Created, 0).UTC().Format(time.RFC3339)}
				for _, p := range c.Ports {
					if p.PublicPort == 0 {
						continue
					}
					host := fmt.Sprint(p.PublicPort)
					if p.IP.IsValid() && !p.IP.IsUnspecified() {
						host = p.IP.String() + ":" + host
					}
					b.Ports = append(b.Ports, fmt.Sprintf("%s->%d/%s", host, p.PrivatePort, p.Type))
				}
				sort.Strings(b.Ports)
				b.Ports = compactStrings(b.Ports)
				boxes = append(boxes, b)
			}
			sort.Slice(boxes, func(i, j int) bool { return boxes[i].Name < boxes[j].Name })
			if asJSON {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(boxes)
			}
			if len(boxes) == 0 {
				fmt.Fprintln(s.ErrOut, "devbox: no devboxes; create one with: devbox create NAME OWNER/REPO")
				return nil
			}
			w := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tREPO\tSTATUS\tPORTS")
			for _, b := range boxes {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Name, b.Repo, b.Status, strings.Join(b.Ports, ", "))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array (name, repo, state, status, ports, container, image, created)")
	return cmd
}

// compactStrings drops adjacent duplicates (engines list a port once per IP family).
func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func newStopCmd(s *streams) *cobra.Command {
	var seconds int
	cmd := &cobra.Command{
		Use:   "stop NAME",
		Short: "Stop a devbox (its files stay; attach starts it again)",
		Example: `  devbox stop myapp
  devbox stop myapp --time 30`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withBox(cmd.Context(), args[0], func(ctx context.Context, e *engine, c container.InspectResponse) error {
				if _, err := e.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &seconds}); err != nil {
					return failf("cannot stop %s: %v", args[0], err)
				}
				fmt.Fprintf(s.ErrOut, "devbox: stopped %s\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().IntVarP(&seconds, "time", "t", 10, "seconds to wait for the shell to exit before killing it")
	return cmd
}

func newRmCmd(s *streams) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a devbox, its token file and its Docker-in-Docker volume",
		Long: `Remove the container devbox-NAME (its workspace goes with it: push your work
first), the token file create wrote for it, and, for --docker dind, the
volume devbox-NAME-docker. The credentials volume is shared and stays.`,
		Example: `  devbox rm myapp
  devbox rm -f myapp     # also when it is running`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			return withBox(cmd.Context(), name, func(ctx context.Context, e *engine, c container.InspectResponse) error {
				return remove(ctx, s, e, c, name, force)
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove a running devbox too")
	return cmd
}

// remove removes devbox name (container c), its token file and its
// Docker-in-Docker volume.
func remove(ctx context.Context, s *streams, e *engine, c container.InspectResponse, name string, force bool) error {
	if c.State != nil && c.State.Running && !force {
		return failf("%s is running: 'devbox stop %s' first, or 'devbox rm -f %s'", name, name, name)
	}
	if _, err := e.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: force}); err != nil {
		return failf("cannot remove %s: %v", name, err)
	}
	if err := removeTokenFile(c.Config.Labels[labelTokenFile]); err != nil {
		return err
	}
	if vol := c.Config.Labels[labelDockerVolume]; vol == containerPrefix+name+"-docker" {
		if _, err := e.VolumeRemove(ctx, vol, client.VolumeRemoveOptions{}); err != nil && !isNotFound(err) {
			return failf("removed %s, but not its volume %s: %v", name, vol, err)
		}
	}
	fmt.Fprintf(s.ErrOut, "devbox: removed %s\n", name)
	return nil
}

func newLogsCmd(s *streams) *cobra.Command {
	var follow bool
	var tail string
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Show a devbox's log: what its entrypoint did (clone, dev shell)",
		Example: `  devbox logs myapp
  devbox logs -f --tail 20 myapp`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withBox(cmd.Context(), args[0], func(ctx context.Context, e *engine, c container.InspectResponse) error {
				rc, err := e.ContainerLogs(ctx, c.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Tail: tail})
				if err != nil {
					return failf("cannot read the log of %s: %v", args[0], err)
				}
				defer rc.Close()
				if _, err := stdcopy.StdCopy(s.Out, s.ErrOut, rc); err != nil && ctx.Err() == nil {
					return failf("reading the log of %s: %v", args[0], err)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().StringVarP(&tail, "tail", "n", "all", "only the last `N` lines")
	return cmd
}

// withBox connects, finds devbox name and runs fn on its container.
func withBox(ctx context.Context, name string, fn func(ctx context.Context, e *engine, c container.InspectResponse) error) error {
	if err := validateName(name); err != nil {
		return err
	}
	e, err := connect(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	c, err := findBox(ctx, e, name)
	if err != nil {
		return err
	}
	return fn(ctx, e, c)
}
