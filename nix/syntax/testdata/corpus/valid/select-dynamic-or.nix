let x = { }; y = "a"; in [ (x.${y} or 2) (x."${y}" or 3) (x.${y}.${y} or 4) ]
