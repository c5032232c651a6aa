{ a }:
{ inherit a; inherit a; }
