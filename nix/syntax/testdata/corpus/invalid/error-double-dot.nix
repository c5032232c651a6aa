{ s }: s..a
