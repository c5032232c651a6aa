# surprising: `a-b` and `a-` are identifiers (identifiers may contain `-`), not subtractions
{ a, b, a-b, a- }: [ (a-b) (a - b) (a -b) (a- b) ]
