{ s }: s.then
