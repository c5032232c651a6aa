{ lib }:
let
  pinned = final: prev: {
    go = final.go_1_21;
    buildGoModule = prev.buildGoModule.override { go = final.go_1_21; };
  };
  tools = final: prev: lib.genAttrs [ "gopls" "delve" "gotools" ] (name: prev.${name});
  fixes = final: prev: {
    git = prev.git.override { withManual = false; guiSupport = false; };
  } // lib.optionalAttrs prev.stdenv.isDarwin {
    coreutils = prev.coreutils.overrideAttrs (_: { doCheck = false; });
  };
in
lib.composeManyExtensions [ pinned tools fixes ]
