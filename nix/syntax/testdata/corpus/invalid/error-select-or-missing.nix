{ s }: s.a or
