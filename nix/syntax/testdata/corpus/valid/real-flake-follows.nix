{
  description = "A flake whose inputs follow one nixpkgs";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.flake-utils.url = "github:numtide/flake-utils";
  inputs.claude-code = {
    url = "github:sadjow/claude-code-nix";
    inputs.nixpkgs.follows = "nixpkgs";
  };
  inputs.devbox = {
    url = "github:system1/devbox?ref=v1.2.0&dir=base-flake";
    inputs.nixpkgs.follows = "nixpkgs";
    inputs.flake-utils.follows = "flake-utils";
  };
  inputs.secrets = {
    url = "git+ssh://git@github.com/system1/secrets.git";
    flake = false;
  };

  nixConfig = {
    extra-substituters = [ "https://cache.example.org" ];
    extra-trusted-public-keys = [ "cache.example.org-1:AAAA=" ];
  };

  outputs = inputs@{ self, nixpkgs, flake-utils, devbox, ... }:
    flake-utils.lib.eachDefaultSystem (system: {
      devShells.default = devbox.lib.${system}.mkDevShell {
        extraPackages = [ inputs.claude-code.packages.${system}.default ];
      };
    });
}
