# surprising: `01.5` is the int 01 applied to the float .5; `0x10` is 0 applied to x10
{ x10 }: [ (01.5) (0x10) ]
