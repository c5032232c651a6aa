{ config, lib, pkgs, ... }:

with lib;

let
  cfg = config.services.backend;
  settingsFormat = pkgs.formats.toml { };
  configFile = settingsFormat.generate "backend.toml" cfg.settings;
in
{
  options.services.backend = {
    enable = mkEnableOption "the backend service";

    package = mkOption {
      type = types.package;
      default = pkgs.backend;
      defaultText = literalExpression "pkgs.backend";
      description = "The backend package to run.";
    };

    port = mkOption {
      type = types.port;
      default = 8080;
      description = "Port to listen on.";
    };

    settings = mkOption {
      type = settingsFormat.type;
      default = { };
      example = { log.level = "debug"; };
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
  };

  config = mkIf cfg.enable {
    systemd.services.backend = {
      description = "Backend";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/backend --config ${configFile} --port ${toString cfg.port} ${escapeShellArgs cfg.extraArgs}";
        DynamicUser = true;
        Restart = "on-failure";
        StateDirectory = "backend";
      };
    };

    networking.firewall.allowedTCPPorts = mkIf (cfg.port != 80) [ cfg.port ];

    assertions = [
      {
        assertion = cfg.port > 1024 || cfg.port == 80;
        message = "services.backend.port must be above 1024";
      }
    ];
  };
}
