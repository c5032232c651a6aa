[ true false null (builtins.length [ ]) (import ./x.nix) (__add 1 2) ]
