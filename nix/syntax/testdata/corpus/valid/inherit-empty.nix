{ src }:
{ inherit; inherit (src); x = 1; }
