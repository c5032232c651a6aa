{ a, b }: [ (!a) (!!a) (!a && b) (!a == b) (!a.b or true) ]
