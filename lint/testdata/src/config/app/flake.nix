{
  description = "a product repo";

  inputs.devbox.url = "github:acme/platform?dir=base";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-22.11"; # want "nixpkgs-branch: .*nixos-22.11"
  #;
  inputs.devbox.inputs.nixpkgs.follows = "nixpkgs";

  outputs = { self, devbox, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
    in {
      devShells.${system}.default = pkgs.mkShell {
        
      };
    };
}
