# Nix reports "undefined variable" here, which is not a syntax error: this file is valid
{ a }: a + b
