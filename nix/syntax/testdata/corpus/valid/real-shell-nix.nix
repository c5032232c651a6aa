{ pkgs ? import <nixpkgs> { } }:

pkgs.mkShell {
  name = "dev";
  buildInputs = with pkgs; [
    go_1_21
    gopls
    nodejs_20
    (python3.withPackages (ps: with ps; [ requests pyyaml ]))
  ];
  GOFLAGS = "-mod=mod";
  shellHook = ''
    export PS1="(dev) $PS1"
    export PATH=$PWD/bin:$PATH
  '';
}
