{ a, b, c, src }:
{
  inherit a b;
  inherit (src) d e;
  inherit (src.f) g;
  inherit c;
  h = 1;
}
