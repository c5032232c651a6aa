{ a = { }; a.b = 1; a.c = { }; a.c.d = 1; a.c.e.f = 2; }
