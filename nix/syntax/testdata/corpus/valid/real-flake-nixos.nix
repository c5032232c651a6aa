{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.11";
    home-manager = {
      url = "github:nix-community/home-manager/release-23.11";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, home-manager, ... }@inputs: {
    nixosConfigurations.builder = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit inputs; };
      modules = [
        ./hosts/builder/configuration.nix
        home-manager.nixosModules.home-manager
        {
          home-manager.useGlobalPkgs = true;
          home-manager.users.ci = import ./home/ci.nix;
        }
        ({ pkgs, ... }: {
          environment.systemPackages = [ pkgs.git pkgs.vim ];
          nix.settings.experimental-features = [ "nix-command" "flakes" ];
        })
      ];
    };

    nixosModules.default = import ./modules/default.nix;
  };
}
