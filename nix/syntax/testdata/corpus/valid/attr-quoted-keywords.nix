{ "let" = 1; "in" = 2; "if" = 3; "rec" = 4; "with" = 5; "inherit" = 6; "assert" = 7; }
