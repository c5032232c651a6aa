# surprising: `x:x` (no space) is the URI string "x:x", not a lambda; `x: x:x` is a lambda returning "x:x"
[ (x:x) (x: x:x) (x: x) ]
