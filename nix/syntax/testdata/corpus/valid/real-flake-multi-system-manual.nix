{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs }:
    let
      lib = nixpkgs.lib;
      eachSystem = f: lib.foldAttrs lib.mergeAttrs { }
        (map (s: lib.mapAttrs (_: v: { ${s} = v; }) (f s)) [ "x86_64-linux" "aarch64-linux" ]);
    in
    eachSystem (system:
      let pkgs = nixpkgs.legacyPackages.${system}; in
      {
        packages.hello = pkgs.hello;
        apps.default = {
          type = "app";
          program = "${pkgs.hello}/bin/hello";
        };
        checks.fmt = pkgs.runCommand "fmt-check" { nativeBuildInputs = [ pkgs.nixpkgs-fmt ]; } ''
          nixpkgs-fmt --check ${self} && touch $out
        '';
      });
}
