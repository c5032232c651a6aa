{ f }: f ./a.nix )
