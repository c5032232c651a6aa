{
  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  outputs = { self, devbox }: {
    devShells = ; # want "syntax: syntax error, unexpected ';'"
  };
}
