# surprising: list elements are select expressions, so `[ -1 ]` needs parentheses
[ 1 -1 ]
