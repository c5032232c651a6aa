package githubapi

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/nix/nar"
)

// Source is what Nix locks for a github: input: the commit, its
// lastModified and the NAR hash of its tarball.
type Source struct {
	Rev          string
	LastModified time.Time
	NarHash      *nixhash.Hash
}

var fullRev = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Prefetch computes what Nix 2.8 locks for github:OWNER/NAME/REF, the way
// Nix does it: GET /repos/O/R/commits/REF for the rev (skipped when ref is
// already a full rev; "" means HEAD), then the tarball of that rev, hashed
// as it streams in (nix/nar). lastModified is the tarball's mtime, which
// GitHub sets to the committer date.
func (c *Client) Prefetch(ctx context.Context, owner, name, ref string, lim nar.Limits) (*Source, error) {
	rev := ref
	if !fullRev.MatchString(ref) {
		if ref == "" {
			ref = "HEAD"
		}
		commit, err := c.ResolveCommit(ctx, owner, name, ref)
		if err != nil {
			return nil, err
		}
		rev = commit.SHA
	}
	body, err := c.Tarball(ctx, owner, name, rev)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	tree, err := nar.ReadTarball(body, lim)
	if err != nil {
		return nil, fmt.Errorf("the tarball of %s/%s at %s: %w", owner, name, rev, err)
	}
	h, err := tree.Hash(nixhash.SHA256)
	if err != nil {
		return nil, fmt.Errorf("the tarball of %s/%s at %s: %w", owner, name, rev, err)
	}
	return &Source{Rev: rev, LastModified: tree.ModTime, NarHash: h}, nil
}
