{ a, b, c, d, e, f, g, h, i, j, k, l }:
a -> b || c && d == e < f // ! g + h * - i ++ j ? k || k.l or l
