{ src, a }:
let inherit "a"; in { inherit (src) "b"; c = a; }
