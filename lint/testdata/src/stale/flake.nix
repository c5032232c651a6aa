{
  description = "a product repo";

  inputs.devbox.url # want "stale: input devbox is locked to a revision from 2025-11-01"
     = "github:system1/devbox?dir=base-flake";
  inputs.nixpkgs.url # want "stale: input nixpkgs is locked to a revision from 2025-11-01, 75 days old \\(limit 30"
     = "github:NixOS/nixpkgs/nixos-unstable";
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
