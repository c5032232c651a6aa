let
  nixpkgs = fetchTarball {
    url = "https://github.com/NixOS/nixpkgs/archive/4f1c8e2b9a3d7e6f5a4b3c2d1e0f9a8b7c6d5e4f.tar.gz";
    sha256 = "0c4jw2zyw7bi2zkyhm0mm5ga3qmm1vs3ns7qrj0a8w2fzwj0ngkz";
  };
  pkgs = import nixpkgs { config = { }; overlays = [ ]; };
in
pkgs.mkShellNoCC {
  packages = [ pkgs.shellcheck pkgs.nixpkgs-fmt ];
}
