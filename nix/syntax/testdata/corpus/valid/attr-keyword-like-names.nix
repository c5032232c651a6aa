{ true = 1; false = 2; null = 3; import = 4; builtins = 5; __curPos = 6; derivation = 7; }
