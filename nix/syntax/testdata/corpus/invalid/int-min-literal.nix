# surprising: the minimum int cannot be written; `-9223372036854775808` is unary minus on an overflowing literal
-9223372036854775808
