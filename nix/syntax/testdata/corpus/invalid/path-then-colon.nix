./a.nix:x
