{ x }: [ (x ? "a" . b) (x . a . b) ]
