{ c, d }:
if c then 1 else if d then 2 else 3
