{
  description = "a product repo";

  inputs.devbox.url = "github:system1/devbox?dir=base-flake";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.devbox.inputs.nixpkgs.follows = "nixpkgs";

  outputs = { self, devbox, nixpkgs }: # want "devbox-shell: no dev shell has devbox.devShells"
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
    in {
      devShells.${system}.default = pkgs.mkShell {
        buildInputs = [ pkgs.hello ];
      };
    };
}
