{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f system);
      pkgsFor = system: import nixpkgs {
        inherit system;
        overlays = [ self.overlays.default ];
        config.allowUnfree = true;
      };
    in
    {
      overlays.default = final: prev: {
        mytool = final.callPackage ./pkgs/mytool { };
        python3 = prev.python3.override {
          packageOverrides = pyfinal: pyprev: {
            requests = pyprev.requests.overridePythonAttrs (old: {
              doCheck = false;
            });
          };
        };
      };

      packages = forAllSystems (system: {
        inherit (pkgsFor system) mytool;
        default = (pkgsFor system).mytool;
      });

      formatter = forAllSystems (system: (pkgsFor system).nixpkgs-fmt);
    };
}
