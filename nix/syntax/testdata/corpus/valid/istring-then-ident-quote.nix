# surprising: `''a''b''` is the string "a" applied to the identifier `b''` (identifiers may contain ')
{ b'' }: ''a''b''
