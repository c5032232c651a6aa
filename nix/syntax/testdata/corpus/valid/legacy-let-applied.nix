# surprising: a legacy `let { }` is an ordinary expression and can be applied
let { body = 1; } 2
