{
  description = "a product repo";

  inputs = {
    devbox = {
      url = "github:system1/devbox/v1.2?dir=base-flake";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    nixpkgs.url = "github:NixOS/nixpkgs?ref=nixos-25.11";
    data = { url = "github:acme/data"; flake = false; };
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
