# comment
/* block
 */ [ 1
2 ]
