{
  description = "a product repo";

  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.devbox.inputs.nixpkgs.follows = "nixpkgs";

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
