{ a, b }: !a // b
