# surprising: `or` works as an identifier elsewhere, but not as the value after `or`
{ x }: x.a or or
