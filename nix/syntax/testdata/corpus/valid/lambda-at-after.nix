{ a, b ? 1, ... }@args: args // { inherit a b; }
