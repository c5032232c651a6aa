# surprising: `1e5` is not a float; it lexes as int 1 applied to identifier e5
{ e5 }: [ 1e5 ]
