# surprising: `1.5e` is the float 1.5 applied to `e`; `1.x` is the float `1.` applied to `x`
{ e, x }: [ (1.5e) (1.x) ]
