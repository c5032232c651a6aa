a@{ x }@b: x
