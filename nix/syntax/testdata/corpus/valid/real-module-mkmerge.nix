{ config, lib, pkgs, ... }:
let
  cfg = config.profiles.workstation;
in
{
  options.profiles.workstation.enable = lib.mkEnableOption "workstation profile";
  options.profiles.workstation.gui = lib.mkOption {
    type = lib.types.bool;
    default = false;
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      environment.systemPackages = with pkgs; [ git curl jq ripgrep ];
      programs.zsh.enable = true;
    }
    (lib.mkIf cfg.gui {
      services.xserver.enable = true;
      fonts.packages = [ pkgs.noto-fonts ];
    })
    (lib.mkIf (!cfg.gui) {
      services.getty.autologinUser = lib.mkForce null;
    })
    {
      nix.gc = {
        automatic = true;
        dates = "weekly";
        options = "--delete-older-than 14d";
      };
    }
  ]);
}
