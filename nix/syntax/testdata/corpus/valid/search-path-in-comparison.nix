# surprising: `x<y>z` is not two comparisons but `x` applied to the search path <y> and `z`
x: y: z: [ (x<y>z) (x < y) (1<2) ]
