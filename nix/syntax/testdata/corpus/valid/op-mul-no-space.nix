{ a, b }: a*b
