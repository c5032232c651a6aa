{
  description = "a product repo";

  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11"; # want "lock-drift: input nixpkgs is github:NixOS/nixpkgs/nixos-25.11 but flake.lock has github:NixOS/nixpkgs/nixos-unstable"
  inputs.devbox.inputs.nixpkgs.follows = "utils"; # want "lock-drift: input devbox/nixpkgs follows \"utils\" but flake.lock has follows \"nixpkgs\""
  inputs.utils.url = "github:numtide/flake-utils"; # want "lock-drift: input utils is not in flake.lock"

  outputs = { self, devbox, nixpkgs, utils, home }: # want "lock-drift: outputs takes argument home"
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
    in {
      devShells.${system}.default = pkgs.mkShell {
        inputsFrom = [ devbox.devShells.${system}.default ];
      };
    };
}
