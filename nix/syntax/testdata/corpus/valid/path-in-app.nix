{ f }: f ./a.nix ./b.nix
