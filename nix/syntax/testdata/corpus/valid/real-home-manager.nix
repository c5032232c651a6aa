{ config, pkgs, lib, ... }:
{
  home.username = "ci";
  home.homeDirectory = "/home/ci";
  home.packages = with pkgs; [ htop tmux direnv ];

  programs.git = {
    enable = true;
    userName = "CI Bot";
    userEmail = "ci@example.org";
    extraConfig = {
      init.defaultBranch = "main";
      pull.rebase = true;
      url."git@github.com:".insteadOf = "https://github.com/";
    };
  };

  programs.bash.initExtra = ''
    export PATH="$HOME/.local/bin:$PATH"
    if [ -f ~/.bashrc.local ]; then . ~/.bashrc.local; fi
    eval "$(direnv hook bash)"
  '';

  home.file.".config/tool/config.json".text = builtins.toJSON {
    theme = "dark";
    plugins = [ "a" "b" ];
  };

  home.stateVersion = "23.11";
}
