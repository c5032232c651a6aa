# the undefined variable is reported on line 4; the syntax is fine
let
  a = 1;
in a + c
