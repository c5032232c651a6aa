{ f, g, x, y }: f x (g y) f.a x.b
