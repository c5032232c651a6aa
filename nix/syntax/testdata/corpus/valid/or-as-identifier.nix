# `or` is an identifier where it cannot be the select default
{ map, x, f }:
let
  or = 1;
in
[ (map or [ ]) { or = 1; } x.or { inherit or; } (f or) ]
