{
  description = "Fake nixpkgs for offline tests";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    in
    {
      legacyPackages = builtins.listToAttrs (map
        (system: {
          name = system;
          value = import ./pkgs.nix { inherit system; };
        })
        systems);
    };
}
