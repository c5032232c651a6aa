{ dockerTools, buildEnv, bashInteractive, coreutils, git, nix, cacert, flakectl }:

dockerTools.buildLayeredImage {
  name = "ghcr.io/system1/devbox";
  tag = "latest";
  contents = buildEnv {
    name = "image-root";
    paths = [ bashInteractive coreutils git nix cacert flakectl ];
    pathsToLink = [ "/bin" "/etc" ];
  };
  extraCommands = ''
    mkdir -p tmp && chmod 1777 tmp
    mkdir -p etc/nix
    echo 'experimental-features = nix-command flakes' > etc/nix/nix.conf
  '';
  config = {
    Entrypoint = [ "/bin/entrypoint.sh" ];
    Env = [
      "SSL_CERT_FILE=${cacert}/etc/ssl/certs/ca-bundle.crt"
      "NIX_PAGER=cat"
    ];
    WorkingDir = "/work";
    Labels."org.opencontainers.image.source" = "https://github.com/system1/devbox";
  };
}
