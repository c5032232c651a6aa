package lockfile_test

import (
	"fmt"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/nix/lockfile"
)

// Re-lock one input the way `nix flake lock --update-input b` would, given
// b's new locked reference and b's own flake.lock at that revision.
func ExampleLockFile_Relock() {
	old, err := lockfile.ReadFile("testdata/v7-clash-follows.lock")
	if err != nil {
		fmt.Println(err)
		return
	}
	locked, _ := flakeref.Parse("git+file:///src/b?ref=main&rev=1111111111111111111111111111111111111111")
	own := lockfile.New() // b's own flake.lock; here b has no inputs any more
	updated, err := old.Relock(lockfile.Update{
		Input:  []string{"b"},
		Locked: locked.Ordered().Set("narHash", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").Set("lastModified", int64(1700000000)),
		Lock:   own,
		// The root flake.nix declares: inputs.a.inputs.nixpkgs.follows = "nixpkgs";
		Follows:      []lockfile.Follows{{Input: []string{"a", "nixpkgs"}, Target: []string{"nixpkgs"}}},
		FollowsKnown: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := updated.Resolve([]string{"b"})
	ref, _ := b.LockedRef()
	fmt.Println(ref)
	fmt.Println(len(b.Inputs), "inputs")
	// updated.WriteFile("flake.lock") writes it exactly as Nix would.

	// Output:
	// git+file:///src/b?ref=main&rev=1111111111111111111111111111111111111111
	// 0 inputs
}
