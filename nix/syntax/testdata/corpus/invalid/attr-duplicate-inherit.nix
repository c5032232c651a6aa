{ a }:
{
  inherit a;
  a = 2;
}
