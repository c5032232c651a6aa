{ a, b ? 2, c ? a + b }: a + b + c
