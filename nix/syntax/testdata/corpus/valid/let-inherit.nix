{ pkgs, lib }:
let
  inherit pkgs;
  inherit (lib) mkIf mkOption;
  inherit (pkgs.stdenv) hostPlatform;
in
[ pkgs mkIf mkOption hostPlatform ]
