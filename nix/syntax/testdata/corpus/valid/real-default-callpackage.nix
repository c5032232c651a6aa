{ system ? builtins.currentSystem, pkgs ? import <nixpkgs> { inherit system; } }:

let
  callPackage = pkgs.lib.callPackageWith (pkgs // self);
  self = {
    libexample = callPackage ./pkgs/libexample { };
    flakectl = callPackage ./pkgs/flakectl { };
    tools = callPackage ./pkgs/tools { inherit (self) flakectl; };
    docs = pkgs.callPackage ./docs { version = "1.0"; };
  };
in
self
