{ x }:
assert x != null;
assert x > 0 -> x < 10;
x
