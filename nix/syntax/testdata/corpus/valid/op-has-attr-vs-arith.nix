{ s }: s ? a == true
