let or = 1; x = { }; in x.a or or
