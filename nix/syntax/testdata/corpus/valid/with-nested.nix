{ a, b }:
with a; with b; with { c = 1; }; c
