{ a.or.b = 1; or.or = 2; "or" = { x = 3; }; }
