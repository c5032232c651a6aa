{ s }: [ (!s ? a) (!true ? a) (-s.a or 1) ]
