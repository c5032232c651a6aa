{ s, d }: [ (s.a or 1) (s.a.b or d) (s.a or s.b or 3) (s.${"x"} or null) ]
