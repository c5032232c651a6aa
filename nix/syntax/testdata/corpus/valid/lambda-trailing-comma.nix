{ a, b, }: a + b
