{ pkgs, lib }:
let
  a = 1;
  b = 2;
  c = [
    a
    b
  ];
  d = { x = 1; };
  e = { y = 2; ;
in
[ a b c d e ]
