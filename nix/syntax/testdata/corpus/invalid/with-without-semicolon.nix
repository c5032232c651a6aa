{ x }: with x x
