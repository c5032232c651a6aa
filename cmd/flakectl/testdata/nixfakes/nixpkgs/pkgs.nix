# The package set of one system. Every package is a derivation that would
# build instantly; nothing here is ever built, only evaluated.
{ system }:
let
  drv = name: attrs: derivation ({
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  } // attrs);

  names = [
    # The base flake's packages (base-flake/platform.yaml).
    "bash" "coreutils" "findutils" "gnugrep" "gnused" "git" "gh" "awscli2"
    "curl" "jq" "yq-go" "tree" "htop" "wget" "vim" "nano" "nixfmt-rfc-style"
    "bubblewrap" "ripgrep" "fd" "nix" "comma" "nix-index" "nodejs"
    # Project packages used by the examples and the tests.
    "nodejs_20" "pnpm" "python311" "uv" "ruff" "terraform"
  ];

  packages = builtins.listToAttrs (map (name: { inherit name; value = drv name { }; }) names);
in
packages // {
  python3Packages = {
    requests = drv "python3.12-requests" { };
  };

  # As nixpkgs' mkShell: the shells in inputsFrom contribute their inputs and
  # shell hooks; packages go into nativeBuildInputs; other attributes become
  # environment variables.
  mkShell =
    { name ? "nix-shell"
    , packages ? [ ]
    , inputsFrom ? [ ]
    , buildInputs ? [ ]
    , nativeBuildInputs ? [ ]
    , shellHook ? ""
    , ...
    }@attrs:
    let
      merged = attr: builtins.concatLists (map (s: s.${attr} or [ ]) inputsFrom);
      rest = builtins.removeAttrs attrs [ "name" "packages" "inputsFrom" "buildInputs" "nativeBuildInputs" "shellHook" ];
    in
    drv name (rest // {
      buildInputs = buildInputs ++ merged "buildInputs";
      nativeBuildInputs = packages ++ nativeBuildInputs ++ merged "nativeBuildInputs";
      shellHook = builtins.concatStringsSep "\n" (map (s: s.shellHook or "") inputsFrom ++ [ shellHook ]);
    });

  writeShellApplication = { name, text, runtimeInputs ? [ ], ... }:
    drv name { inherit text runtimeInputs; };
}
