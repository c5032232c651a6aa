# surprising: `.1` lexes as the float 0.1, so `s.1` is `s` applied to 0.1
{ s }: s.1
