{
  description = "Fake sadjow/claude-code-nix for offline tests";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      forAllSystems = f: builtins.mapAttrs (system: pkgs: f pkgs) nixpkgs.legacyPackages;
    in
    {
      packages = forAllSystems (pkgs:
        let
          claude-code = pkgs.writeShellApplication {
            name = "claude-code";
            text = "echo fake claude";
          };
        in
        {
          default = claude-code;
          inherit claude-code;
        });

      overlays.default = final: prev: {
        claude-code = self.packages.${prev.system}.default;
      };
    };
}
