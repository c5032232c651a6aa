# surprising: two set literals for the same attribute are merged, not a duplicate
{
  a = { b = 1; };
  a = { c = 2; };
}
