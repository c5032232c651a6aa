{ s }:
{
  inherit (s) x;
  inherit (s) x;
}
