{
  description = "a product repo";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    devbox = { # want "duplicate-input: .*: add inputs.devbox.inputs.nixpkgs.follows"
      url = "github:system1/devbox?dir=base-flake";
    };
  };

  outputs = { self, devbox, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
    in {
      devShells.${system}.default = pkgs.mkShell {
        inputsFrom = [ devbox.devShells.${system}.default ];
      };
    };
}
