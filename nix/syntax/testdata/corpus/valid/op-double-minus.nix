# `--` is not an operator: `--1` is two unary minuses
[ (--1) (- -1) (1--1) (1 - - - 1) ]
