{ x }: x.or or x.y.or.z or null
