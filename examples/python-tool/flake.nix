{
  description = "A project on the devbox platform";

  inputs = {
    devbox.url = "github:system1/devbox?dir=base-flake";
    # The project uses the nixpkgs the platform pins: its flake.lock holds one
    # nixpkgs, and `nix flake update devbox` moves both together.
    nixpkgs.follows = "devbox/nixpkgs";
  };

  outputs = { self, nixpkgs, devbox }:
    {
      # One set of shells for every system the platform supports.
      devShells = builtins.mapAttrs
        (system: _:
          let
            pkgs = nixpkgs.legacyPackages.${system};
            # Project tools, in every shell: e.g. pkgs.nodejs_20, pkgs.python311.
            buildInputs = [
              pkgs.python311
              pkgs.uv
              pkgs.ruff
            ];
          in
          {
            default = pkgs.mkShell {
              # The platform's tools: git, gh, claude, aws, jq and the rest.
              inputsFrom = [ devbox.devShells.${system}.default ];
              inherit buildInputs;
              DEVBOX_SHELL = "default";
              shellHook = ''
                # Project-specific setup
              '';
            };
            ci = pkgs.mkShell {
              # The platform's tools: git, gh, claude, aws, jq and the rest.
              inputsFrom = [ devbox.devShells.${system}.default ];
              inherit buildInputs;
              DEVBOX_SHELL = "ci";
              shellHook = ''
                # Project-specific setup
              '';
            };
          })
        devbox.devShells;

      formatter = devbox.formatter;
    };
}
