# let { } is a recursive set whose body attribute is the value
let { body = a; a = b; b = 3; }
