[ /etc/nixos /a /a/b.nix /a-b/c_d/e+f ]
