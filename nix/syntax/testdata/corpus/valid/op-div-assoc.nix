{ a, b, c }: a / b / c * 2
