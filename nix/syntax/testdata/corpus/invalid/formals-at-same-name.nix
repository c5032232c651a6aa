{ x }@x: x
