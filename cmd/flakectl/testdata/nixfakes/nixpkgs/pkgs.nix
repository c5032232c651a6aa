# The package set of one system. Every package is a derivation that builds
# instantly and offline, so `nix develop` works too: it needs a bash builder,
# outputs set, and bashInteractive for the shell it starts.
{ system }:
let
  drv = name: attrs: derivation ({
    inherit name system;
    builder = "/bin/bash";
    outputs = [ "out" ];
    args = [ "-c" "echo > $out" ];
  } // attrs);

  names = [
    # The base flake's packages (base-flake/platform.yaml).
    "bash" "coreutils" "findutils" "gnugrep" "gnused" "git" "gh" "awscli2"
    "curl" "jq" "yq-go" "tree" "htop" "wget" "vim" "nano" "nixfmt-rfc-style"
    "bubblewrap" "slirp4netns" "util-linux" "iproute2" "ripgrep" "fd" "nix" "comma" "nix-index" "nodejs"
    # Project packages used by the examples and the tests.
    "nodejs_20" "pnpm" "python311" "uv" "ruff" "terraform"
  ];

  packages = builtins.listToAttrs (map (name: { inherit name; value = drv name { }; }) names);
in
packages // {
  # nix develop runs the shell with its bin/bash.
  bashInteractive = drv "bash-interactive" {
    args = [ "-c" "mkdir -p $out/bin && ln -s /bin/bash $out/bin/bash" ];
  };

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
