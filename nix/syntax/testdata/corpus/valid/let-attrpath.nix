let
  a.b = 1;
  a.c = 2;
  d = a.b + a.c;
in
d
