{ nixpkgs ? <nixpkgs>, supportedSystems ? [ "x86_64-linux" "aarch64-linux" ] }:
let
  lib = import (nixpkgs + "/lib");
  forAll = lib.genAttrs supportedSystems;
  pkgsFor = system: import nixpkgs { inherit system; };
in
rec {
  build = forAll (system: (pkgsFor system).callPackage ./default.nix { });
  tests = forAll (system:
    let pkgs = pkgsFor system; in
    pkgs.runCommand "tests" { } ''
      ${build.${system}}/bin/flakectl --help > $out
    '');
  release = (pkgsFor "x86_64-linux").releaseTools.aggregate {
    name = "release";
    constituents = lib.attrValues build ++ lib.attrValues tests;
  };
}
