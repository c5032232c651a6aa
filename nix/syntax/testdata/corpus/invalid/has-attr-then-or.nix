# surprising: `?` takes an attribute path, so `or` cannot follow it
{ s, d }: s ? a.b or d
