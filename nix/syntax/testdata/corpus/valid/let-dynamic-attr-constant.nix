# surprising: a constant ${"…"} name is static, so it is allowed in let
let ${"a"} = 1; in a
