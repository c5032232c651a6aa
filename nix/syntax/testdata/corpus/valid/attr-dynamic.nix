{ x, y }:
{
  ${x} = 1;
  "${y}" = 2;
  "plain" = 3;
  "with space" = 4;
  "${x}-suffix" = 5;
  a.${x}.b = 6;
  ${"const"} = 7;
}
