{ lib, writeShellApplication, jq, curl, coreutils }:

writeShellApplication {
  name = "release-notes";
  runtimeInputs = [ jq curl coreutils ];
  text = ''
    set -euo pipefail
    repo="''${1:?usage: release-notes OWNER/REPO}"
    tag="''${2:-latest}"
    curl -fsSL "https://api.github.com/repos/$repo/releases/$tag" \
      | jq -r '.body'
    echo "''${repo} done: $'\t' ok"
  '';
}
