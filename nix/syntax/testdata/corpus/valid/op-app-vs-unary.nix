{ f, x }: - f x
