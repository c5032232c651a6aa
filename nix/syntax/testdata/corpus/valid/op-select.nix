{ s }: [ s.a s.a.b.c s."quoted".d s.${"dyn"} s."${"dyn2"}".e ]
