{ import }: (import ./a.nix).x
