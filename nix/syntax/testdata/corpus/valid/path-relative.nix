[ ./a ./a.nix ./a/b/c.nix ../up ../../x ./. ./.. a/b a/b/c ./a-b_c+d.nix ./with.dots.nix ]
