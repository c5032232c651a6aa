{ s }: s.if
