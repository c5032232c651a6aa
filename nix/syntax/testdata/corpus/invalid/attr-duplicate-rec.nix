rec { a = 1; b = a; a = 3; }
