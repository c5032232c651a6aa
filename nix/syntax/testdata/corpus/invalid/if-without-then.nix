{ c }: if c 1 else 2
