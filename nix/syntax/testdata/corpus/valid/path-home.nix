[ ~/a ~/.config/nix ~/a/b.nix ]
