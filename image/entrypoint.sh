#!/usr/bin/env bash
# devbox entrypoint: from a GitHub token and DEVBOX_REPO=owner/repo to a shell
# inside the repository's `nix develop`. Steps, in order:
#   1. token    GITHUB_TOKEN, else the secret file /run/secrets/github_token
#   2. export   GITHUB_TOKEN for gh (never passed as an argument)
#   3. docker   the mounted /var/run/docker.sock, else dockerd; DEVBOX_DOCKER=none skips
#   4. creds    Claude and AWS files from the /devbox-credentials volume into $HOME
#   5. tools    nix profile install nixpkgs#gh nixpkgs#git, unless both are on PATH;
#               gh auth setup-git, so git push/fetch use the token (read from
#               GITHUB_TOKEN when git asks; never written to a file)
#   6. clone    gh repo clone into ~/workspace, or git fetch when it already exists
#   7. flake    ~/workspace/flake.nix must exist
#   8. shell    exec nix develop, or nix develop -c "$@" when arguments are given
# Exit codes: 2 configuration (token, DEVBOX_REPO, DEVBOX_DOCKER), 3 Docker,
# 4 installing gh/git, 5 clone/workspace, 6 no flake.nix; otherwise the shell's.
#
# DEVBOX_ATTACH=1 (`devbox attach` runs the entrypoint so with docker exec in a
# started container) skips the setup: steps 1, 2 and 8 only, so the shell has
# the token for gh without it ever being in the exec's environment or argv.
#
# These paths can be moved (tests, unusual mounts); defaults in brackets:
#   DEVBOX_TOKEN_FILE [/run/secrets/github_token]  DEVBOX_CREDENTIALS [/devbox-credentials]
#   DEVBOX_DOCKER_SOCK [/var/run/docker.sock]      DEVBOX_DOCKER_TIMEOUT [30] seconds
#   DEVBOX_DOCKERD_LOG [/tmp/dockerd.log]          DEVBOX_READY_FILE [/tmp/devbox-ready]
set -euo pipefail

token_file="${DEVBOX_TOKEN_FILE:-/run/secrets/github_token}"
cred_dir="${DEVBOX_CREDENTIALS:-/devbox-credentials}"
docker_sock="${DEVBOX_DOCKER_SOCK:-/var/run/docker.sock}"
docker_timeout="${DEVBOX_DOCKER_TIMEOUT:-30}"
dockerd_log="${DEVBOX_DOCKERD_LOG:-/tmp/dockerd.log}"
ready_file="${DEVBOX_READY_FILE:-/tmp/devbox-ready}"
workspace="$HOME/workspace"
repo="${DEVBOX_REPO:-}"

say() { printf 'devbox: %s\n' "$*" >&2; }
warn() { printf 'devbox: warning: %s\n' "$*" >&2; }

# die CODE MESSAGE [DETAIL...]: one error line, then indented details.
die() {
  local code="$1" line
  printf 'devbox: error: %s\n' "$2" >&2
  shift 2
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit "$code"
}

# The container runs as devbox with passwordless sudo; tests run it as root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi
}

read_token() {
  if [ -z "${GITHUB_TOKEN:-}" ] && [ -f "$token_file" ]; then
    # $(<file) is read by bash itself, so the token is never an argument.
    if [ -r "$token_file" ]; then
      GITHUB_TOKEN="$(<"$token_file")"
    else
      GITHUB_TOKEN="$(as_root cat -- "$token_file")" ||
        die 2 "cannot read the token file $token_file" "Fix: make it readable (chmod 0444) or mount it read-only as is"
    fi
    GITHUB_TOKEN="${GITHUB_TOKEN//[[:space:]]/}"
  fi
  if [ -z "${GITHUB_TOKEN:-}" ]; then
    die 2 "No GitHub token provided" \
      "Fix: export GITHUB_TOKEN=github_pat_... and pass it (docker run -e GITHUB_TOKEN ...)," \
      "  or mount the token file: docker run -v ~/.secrets/github_token:$token_file:ro ..."
  fi
  export GITHUB_TOKEN
}

check_repo() {
  case "$repo" in
    "") die 2 "DEVBOX_REPO is not set" "Fix: docker run -e DEVBOX_REPO=owner/repo ..." ;;
    *://* | git@* | *github.com[/:]*)
      die 2 "DEVBOX_REPO must be owner/repo, not a URL: $repo" "Fix: -e DEVBOX_REPO=owner/repo (for https://github.com/acme/app use acme/app)" ;;
  esac
  if ! [[ "$repo" =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]]; then
    die 2 "DEVBOX_REPO must be owner/repo: $repo" "Fix: -e DEVBOX_REPO=owner/repo"
  fi
}

setup_docker() {
  case "${DEVBOX_DOCKER:-}" in
    none) say "DEVBOX_DOCKER=none: not setting up Docker"; return ;;
    "") ;;
    *) die 2 "DEVBOX_DOCKER must be none or unset, not ${DEVBOX_DOCKER}" ;;
  esac
  export DOCKER_HOST="unix://$docker_sock"
  if [ -S "$docker_sock" ]; then
    use_docker_socket
  else
    start_dockerd
  fi
}

use_docker_socket() {
  if [ -r "$docker_sock" ] && [ -w "$docker_sock" ]; then
    say "using the Docker socket $docker_sock"
    return
  fi
  # Hand the socket to the docker group (devbox is a member) instead of
  # opening it to everyone.
  if ! as_root chgrp docker "$docker_sock" || ! as_root chmod g+rw "$docker_sock"; then
    die 3 "cannot make $docker_sock usable by $(id -un)" \
      "Fix: mount a socket the container's root may chgrp, or set DEVBOX_DOCKER=none"
  fi
  say "using the Docker socket $docker_sock (group docker)"
}

start_dockerd() {
  command -v dockerd >/dev/null || die 3 "Docker daemon failed to start: dockerd is not installed"
  say "starting dockerd (Docker-in-Docker)"
  local status_file i
  status_file="$(mktemp -d)/status"
  # The subshell records dockerd's exit, so an early failure is seen at once
  # (dockerd runs as root; devbox cannot signal-probe it).
  (
    set +e
    as_root dockerd >"$dockerd_log" 2>&1
    echo "$?" >"$status_file.tmp"
    mv "$status_file.tmp" "$status_file"
  ) &
  for ((i = 0; i < docker_timeout * 5; i++)); do
    if docker info >/dev/null 2>&1; then
      say "dockerd is ready"
      return
    fi
    if [ -e "$status_file" ]; then
      dockerd_failed "dockerd exited with status $(<"$status_file")"
    fi
    sleep 0.2
  done
  dockerd_failed "dockerd did not become ready within ${docker_timeout}s"
}

dockerd_failed() {
  local tail_lines=()
  mapfile -t tail_lines < <(tail -n 5 "$dockerd_log" 2>/dev/null || true)
  [ "${#tail_lines[@]}" -gt 0 ] || tail_lines=("(empty)")
  die 3 "Docker daemon failed to start: $1" \
    "last lines of $dockerd_log:" "${tail_lines[@]/#/  }" \
    "Fix: run the container with --privileged for Docker-in-Docker," \
    "  or mount the host's socket: -v /var/run/docker.sock:/var/run/docker.sock," \
    "  or set DEVBOX_DOCKER=none to start without Docker"
}

copy_credentials() {
  if [ ! -d "$cred_dir" ]; then
    warn "no credentials volume at $cred_dir; Claude and AWS credentials are not set up"
    return
  fi
  local rel src dest
  for rel in claude/.credentials.json claude/settings.json aws/config aws/credentials; do
    src="$cred_dir/$rel"
    dest="$HOME/.$rel"
    [ -f "$src" ] || continue
    mkdir -p "${dest%/*}"
    chmod 0700 "${dest%/*}"
    if [ -r "$src" ]; then
      install -m 0600 "$src" "$dest"
    else
      as_root install -m 0600 -o "$(id -u)" -g "$(id -g)" "$src" "$dest"
    fi
    say "copied $rel"
  done
}

install_tools() {
  if command -v gh >/dev/null && command -v git >/dev/null; then
    return
  fi
  # Nix 2.8 has `nix profile install`; newer Nix renamed it `nix profile add`.
  local sub=install
  if nix profile add --help >/dev/null 2>&1; then sub=add; fi
  say "installing gh and git: nix profile $sub nixpkgs#gh nixpkgs#git"
  if ! nix profile "$sub" nixpkgs#gh nixpkgs#git; then
    die 4 "nix profile $sub nixpkgs#gh nixpkgs#git failed" \
      "Causes: no network, or cache.nixos.org / github.com unreachable from the container." \
      "Fix: check connectivity and proxy settings (https_proxy), then restart the container"
  fi
}

setup_git() {
  if git config --global --get-regexp '^credential\..*helper$' 2>/dev/null | grep -q 'gh auth git-credential'; then
    return
  fi
  gh auth setup-git --hostname github.com >/dev/null 2>&1 ||
    warn "gh auth setup-git failed: git push will ask for credentials (fix: gh auth setup-git)"
}

clone_repo() {
  if [ -e "$workspace" ]; then
    if [ ! -d "$workspace/.git" ]; then
      die 5 "$workspace exists but is not a git repository" \
        "Fix: move it away (devbox never deletes it) and restart the container"
    fi
    say "reusing $workspace; git fetch"
    git -C "$workspace" fetch --quiet || warn "git fetch failed; using $workspace as it is"
    return
  fi
  say "cloning $repo into $workspace"
  if ! gh repo clone "$repo" "$workspace"; then
    die 5 "Failed to clone repository $repo" \
      "Causes: the token has no access to $repo; its permissions lack \"Contents: Read\";" \
      "  or the repository name is wrong (use owner/repo, not a URL)."
  fi
}

check_flake() {
  if [ ! -f "$workspace/flake.nix" ]; then
    die 6 "No Nix configuration found: $workspace has no flake.nix" \
      "Fix: in the repository run: flakectl init" \
      "  (or: nix flake init -t github:system1/devbox?dir=base-flake)," \
      "  then git add flake.nix && git commit && git push, and restart the container"
  fi
}

# attach: a second shell in a container the entrypoint has already set up.
attach() {
  unset DEVBOX_ATTACH
  export PATH="$HOME/.nix-profile/bin:$PATH"
  read_token
  if [ ! -d "$workspace" ]; then
    die 5 "$workspace does not exist yet" "Fix: wait until the container is ready (devbox logs NAME shows its progress)"
  fi
  cd "$workspace"
  if [ "$#" -gt 0 ]; then
    exec nix develop -c "$@"
  fi
  exec nix develop
}

main() {
  if [ "${DEVBOX_ATTACH:-}" = 1 ]; then
    attach "$@"
  fi
  rm -f "$ready_file"
  export PATH="$HOME/.nix-profile/bin:$PATH"
  read_token
  check_repo
  setup_docker
  copy_credentials
  install_tools
  setup_git
  clone_repo
  check_flake
  cd "$workspace"
  : >"$ready_file"
  if [ "$#" -gt 0 ]; then
    exec nix develop -c "$@"
  fi
  exec nix develop
}

main "$@"
