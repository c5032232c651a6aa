{ pkgs ? import <nixpkgs> { }, system ? builtins.currentSystem, f ? x: x, s ? { a = 1; } }:
[ pkgs system f s ]
