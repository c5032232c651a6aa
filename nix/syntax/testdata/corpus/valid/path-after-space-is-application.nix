# surprising: `a /b` is `a` applied to the path /b; only `a / b` and `a/ b` divide
a: b: [ (a /b) (a/ b) (a / b) (1 /**/ /2) ]
