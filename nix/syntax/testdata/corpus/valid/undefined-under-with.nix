# free names under `with` are not reported by nix-instantiate --parse
{ pkgs }: with pkgs; [ hello notBoundAnywhere ]
