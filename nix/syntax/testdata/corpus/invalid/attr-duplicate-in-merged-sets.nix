# surprising: the position is the FIRST `b` (3:9) and the message names the second (4:9)
{
  a = { b = 1; };
  a = { b = 2; };
}
