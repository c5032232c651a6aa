[ <a/../b> <a/./b> <nixpkgs/pkgs/top-level/all-packages.nix> ]
