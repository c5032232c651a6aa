# surprising: `a or 1` without a select is the application `a or 1`, with `or` an identifier
let or = 1; a = x: y: x; in a or 1
