{ a, b ? a, c ? b + a }@args: [ a b c args ]
