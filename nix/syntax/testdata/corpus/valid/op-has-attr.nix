{ s }: [ (s ? a) (s ? a.b.c) (s ? "x y") (s ? ${"dyn"}) (s ? a && s ? b) ]
