package nar

import (
	"encoding/hex"
	"fmt"

	"github.com/nix-community/go-nix/pkg/derivation"
	"github.com/nix-community/go-nix/pkg/nixhash"
)

// SourceStorePath returns the store path Nix gives a fetched source tree
// whose NAR has the sha256 narHash: /nix/store/<hash>-source.
func SourceStorePath(narHash *nixhash.Hash) (string, error) {
	return FixedOutputPath("source", narHash)
}

// FixedOutputPath returns the store path of a content-addressed, recursively
// (NAR) hashed path with no references, as Nix's makeFixedOutputPath does.
// go-nix computes it only as the output of a fixed-output derivation, which
// is exactly this path, so that is what we ask it for.
func FixedOutputPath(name string, narHash *nixhash.Hash) (string, error) {
	if narHash.Algo() != nixhash.SHA256 {
		return "", fmt.Errorf("store path of a %s NAR hash: only sha256 is supported", narHash.Algo())
	}
	drv := &derivation.Derivation{
		Outputs: map[string]*derivation.Output{
			"out": {HashAlgorithm: "r:sha256", Hash: hex.EncodeToString(narHash.Digest())},
		},
		Env: map[string]string{"name": name},
	}
	paths, err := drv.CalculateOutputPaths(nil)
	if err != nil {
		return "", err
	}
	return paths["out"], nil
}
