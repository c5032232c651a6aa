{
  description = "a product repo";

  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.05"; # want "nixpkgs-branch: input nixpkgs follows nixpkgs branch nixos-23.05, which is not supported; use one of nixos-unstable, nixpkgs-unstable, nixos-25.11, nixos-25.05"
  #;
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
