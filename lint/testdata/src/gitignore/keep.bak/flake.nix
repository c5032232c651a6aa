{ broken = ; } # want "syntax: " "missing-lock"
