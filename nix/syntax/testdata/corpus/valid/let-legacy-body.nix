let {
  x = 1;
  y = x + 2;
  body = y;
}
