{
  description = "Backend service with a development shell";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.11";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = nixpkgs.legacyPackages.${system};
        backend = pkgs.buildGoModule {
          pname = "backend";
          version = "0.4.1";
          src = ./.;
          vendorHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        };
      in
      {
        packages.default = backend;
        packages.backend = backend;

        devShells.default = pkgs.mkShell {
          inputsFrom = [ backend ];
          packages = with pkgs; [ gopls golangci-lint delve ];
          shellHook = ''
            export GOFLAGS=-mod=mod
            echo "backend dev shell on ${system}"
          '';
        };

        checks.build = backend;
      });
}
