{ a, b }: [ (a == b) (a != b) (a < b == true) (a == b && b != a) ]
