{ x }: assert x x
