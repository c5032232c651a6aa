[ <nixpkgs> <nixpkgs/lib> <nixpkgs/nixos/modules/a.nix> <a-b.c_d> <nixos-config> ]
