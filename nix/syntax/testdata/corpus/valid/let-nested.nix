let x = 1; in let y = x; in let z = y; in [ x y z ]
