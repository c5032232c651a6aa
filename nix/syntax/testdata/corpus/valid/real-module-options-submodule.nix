{ config, lib, ... }:
let
  inherit (lib) mkOption mkIf types mapAttrs' nameValuePair filterAttrs;
  cfg = config.devbox.projects;
in
{
  options.devbox.projects = mkOption {
    default = { };
    type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options = {
        enable = mkOption { type = types.bool; default = true; };
        repo = mkOption { type = types.str; example = "system1/api"; };
        branch = mkOption { type = types.str; default = "main"; };
        user = mkOption { type = types.str; default = name; };
        env = mkOption {
          type = types.attrsOf types.str;
          default = { };
        };
      };
    }));
  };

  config = {
    systemd.services = mapAttrs' (name: p: nameValuePair "devbox-${name}" {
      description = "devbox project ${name} (${p.repo}@${p.branch})";
      environment = p.env // { DEVBOX_REPO = p.repo; };
      serviceConfig.User = p.user;
    }) (filterAttrs (_: p: p.enable) cfg);
  };
}
