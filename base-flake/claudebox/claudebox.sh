#!/usr/bin/env bash
# claudebox: run Claude Code (or any command) in a bubblewrap sandbox where no
# secret of the host is visible. See usage() and base-flake/claudebox/README.md.
#
# Packaged by the base flake with writeShellApplication (which prepends the
# runtime inputs to PATH and adds the same `set` options); also runs as
# `bash claudebox.sh` on any Linux with bubblewrap.
# Functions from the environment (BASH_FUNC_name%%) would stand in for the
# builtins below, cd above all (a wrapper that sources what it finds where
# it goes would run a project's file on the host): gone, before anything.
# First those that would stand in for the ones that remove them, in POSIX
# mode, where unset (a special builtin) comes before any function.
POSIXLY_CORRECT=1
unset -f builtin compgen mapfile unset
unset POSIXLY_CORRECT
if builtin compgen -A function >/dev/null; then
  builtin mapfile -t funcs < <(builtin compgen -A function)
  builtin unset -f -- "${funcs[@]}"
fi
set -o errexit -o nounset -o pipefail
# cd with a relative name would search CDPATH (and print where it went).
unset CDPATH


die() { # die CODE MESSAGE: one line on stderr (a newline in a path shows as \n), then exit
  printf 'claudebox: %s\n' "${2//$'\n'/\\n}" >&2
  exit "$1"
}

# The code of the rare paths (--help, --audit, and the keeper that the first
# run of a project starts) comes last in this file, after the run's exec, so
# that bash parses it only when it is needed: about 1 ms a run otherwise.
# rare_code reads it from this file and defines it.
rare_marker="# --- rare paths (see rare_code) ---"
# (Line by line: a glob like *"$rare_marker"* over the whole file takes
# bash 300 ms.)
# (By the absolute path it was started from: claudebox changes directory.)
self=${BASH_SOURCE[0]:-}
case "$self" in /* | "") ;; *) self=$PWD/$self ;; esac
rare_code() {
  local lines i src
  [ -r "$self" ] || die 1 "cannot read ${self:-the script} to load its rare paths; run claudebox from its file"
  mapfile -t lines <"$self"
  i=$((${#lines[@]} - 1)) # from the end: the marker is near it
  while [ "$i" -ge 0 ] && [ "${lines[i]}" != "$rare_marker" ]; do i=$((i - 1)); done
  [ "$i" -ge 0 ] || die 1 "$self has no rare paths; reinstall claudebox"
  printf -v src '%s\n' "${lines[@]:i+1}"
  eval "$src"
}

# --- options -----------------------------------------------------------------
project=""
audit=0
net=private
# CLAUDEBOX_NIX_DAEMON=yes|no: the default of --nix-daemon/--no-nix-daemon.
case "${CLAUDEBOX_NIX_DAEMON:-auto}" in
yes | no | auto) nix_daemon=${CLAUDEBOX_NIX_DAEMON:-auto} ;;
*) die 2 "CLAUDEBOX_NIX_DAEMON must be yes, no or auto, not $CLAUDEBOX_NIX_DAEMON" ;;
esac
allow_env=()
cmd=()
run_claude=1
while [ "$#" -gt 0 ]; do
  case "$1" in
  -h | --help)
    rare_code
    usage
    exit 0
    ;;
  --audit) audit=1 ;;
  --share-host-net) net=host ;;
  --nix-daemon) nix_daemon=yes ;;
  --no-nix-daemon) nix_daemon=no ;;
  --project | --allow-env)
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then die 2 "$1 needs a value; see claudebox --help"; fi
    if [ "$1" = --project ]; then project=$2; else allow_env+=("$2"); fi
    shift
    ;;
  --project=*)
    project=${1#--project=}
    [ -n "$project" ] || die 2 "--project needs a value; see claudebox --help"
    ;;
  --allow-env=*) allow_env+=("${1#--allow-env=}") ;;
  --)
    shift
    [ "$#" -gt 0 ] || die 2 "-- needs a command after it, e.g. claudebox -- bash"
    run_claude=0
    cmd=("$@")
    break
    ;;
  -*) die 2 "unknown option $1; options for Claude go after --, e.g. claudebox -- claude $1" ;;
  *) break ;;
  esac
  shift
done
if [ "$run_claude" = 1 ]; then cmd=(claude "$@"); fi
for name in ${allow_env[@]+"${allow_env[@]}"}; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die 2 "--allow-env takes a variable name, not $name"
  case "$name" in
  HOME | PATH | SHELL | CLAUDE_CONFIG_DIR | CLAUDEBOX | NIX_REMOTE | SSL_CERT_FILE)
    die 2 "--allow-env $name: claudebox sets $name itself"
    ;;
  esac
done
[ -n "${cmd[0]}" ] || die 2 "the command after -- is empty; see claudebox --help"
# The standard descriptors go into the sandbox: a directory's would lead out
# of it (/proc/self/fd/0/... is the host's file system), a network socket
# made in the host's network namespace out of its network (an inetd-style
# UDP socket sends to the host's 127.0.0.1). A Unix socket (systemd's
# journal, ssh) only reaches its peer.
for fd in 0 1 2; do
  # Closed, it may have become the script's own (bash opens it on the first
  # free descriptor): /dev/null instead.
  if [ /proc/self/fd/$fd -ef "$self" ]; then
    case "$fd" in 0) exec </dev/null ;; 1) exec >/dev/null ;; 2) exec 2>/dev/null ;; esac
  fi
  [ ! -d /proc/self/fd/$fd ] || die 1 "descriptor $fd (standard input, output or error) is a directory, which would lead out of the sandbox; redirect it from or to a file"
done

[ -n "${HOME:-}" ] || die 1 "HOME is not set; set it to your home directory"
home=${HOME%/}
[ -n "$home" ] || die 1 "HOME is /; set HOME to your own home directory"
case "$home" in /*) ;; *) die 1 "HOME must be an absolute path, not $home" ;; esac

# covers_home DIR: DIR is HOME or one of its ancestors, so mounting it would
# expose ~/.ssh and every other secret of the home directory.
# Both HOME and its physical path count (on Silverblue /home is /var/home).
covers_home() {
  local h
  for h in "$home" "$home_phys" ${home_pw:+"$home_pw"}; do
    if [ "$1" = / ] || [ "$1" = "$h" ] || [ "${h#"$1"/}" != "$h" ]; then return 0; fi
  done
  return 1
}

# shared_dir DIR: DIR is a system directory that holds other programs'
# sockets (/tmp/ssh-*/agent.*, /tmp/.X11-unix, /run) and state, or lies in
# one whose files the host runs or reads as configuration (/usr/local/bin,
# /etc/profile.d): written from a sandbox, they would run on the host. (A
# project in /usr/src or /usr/local/src, as in Docker images, is fine.)
shared_dir() {
  case "$1" in
  /usr/src/* | /usr/local/src/*) return 1 ;;
  /tmp | /var/tmp | /home | /etc | /etc/* | /usr | /usr/* | /bin | /bin/* | /sbin | /sbin/* | /lib* | /boot | /boot/* | \
    /var | /opt | /srv | /mnt | /media | /nix | /nix/* | \
    /run | /run/* | /var/run | /var/run/* | /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) return 0 ;;
  esac
  return 1
}

# canon PATH sets canon to PATH with repeated slashes made one: bash keeps a
# leading // of `cd`, and //home is /home to the kernel but not to the
# comparisons below.
canon() {
  canon=$1
  while [[ $canon == *//* ]]; do canon=${canon//\/\//\/}; done
}

# --- project and working directory -------------------------------------------
# Builtins only, here and below: every fork shows in the start-up time.
gone="the current directory no longer exists, or you cannot reach it by its path; cd into your project"
canon "$home"
home=$canon
# The working directory is opened at once (descriptor 19), and claudebox
# comes back to it only through that descriptor: by its path, a directory
# whose parent someone else can write (the sandbox of a parent project)
# could meanwhile have become a symbolic link to the home, and the default
# project is the working directory (a review won that race 2 times in 40).
{ exec 19<.; } 2>/dev/null || die 1 "cannot open the current directory; check that it exists and that you can read it"
back() { # back: into the working directory again
  cd -P /proc/self/fd/19 2>/dev/null || die 1 "$gone"
}
back
canon "$PWD"
cwd=$canon
case "$cwd" in /proc/*) die 1 "$gone" ;; esac # (its path is gone: a deleted directory)
home_phys=$home
if cd -P -- "$home" 2>/dev/null; then
  canon "$PWD"
  home_phys=$canon
fi
# The user's home by the password database too, when HOME says another
# (sudo keeping HOME): its secrets are the user's all the same.
home_pw=""
user_name="" # the user's name there (the Nix daemon's trusted-users names users so)
if [ -r /etc/passwd ]; then
  mapfile -t lines </etc/passwd
  for line in ${lines[@]+"${lines[@]}"}; do
    name=${line%%:*}
    line=${line#*:} # name:password:uid:gid:gecos:home:shell
    line=${line#*:}
    [ "${line%%:*}" = "$EUID" ] || continue
    user_name=$name
    line=${line#*:}
    line=${line#*:}
    line=${line#*:}
    dir=${line%%:*}
    if [ -n "$dir" ] && [ "$dir" != "$home" ] && [ "$dir" != / ] && cd -P -- "$dir" 2>/dev/null; then
      canon "$PWD"
      home_pw=$canon
    fi
    break
  done
fi
case "$cwd" in /*) [ -d "$cwd" ] || die 1 "$gone" ;; *) die 1 "$gone" ;; esac
# The project is opened (descriptor 20) where it is checked, and bwrap
# mounts that descriptor: by its path, a directory in a parent the sandbox
# of a parent project can write could be swapped for a symbolic link to the
# home between the checks and the mount.
# By default the project is the git work tree the working directory is in
# (its top, where .git is: git needs it, and a monorepo's subdirectory is
# one project), else the working directory. Climbed by .. from the working
# directory itself (the kernel's parent, never a name that could be swapped
# meanwhile), through the user's own directories below the home; and no
# higher than a directory that has been a project already (it has a config
# of claudebox's): a sandbox that removes its nested repository's .git must
# not widen the next run to the repository around it (a tenth review did).
climbed=0
if [ -z "$project" ]; then
  cd -P /proc/self/fd/19 2>/dev/null || die 1 "$gone"
  dir=$cwd
  been=${XDG_DATA_HOME:-$home/.local/share}
  case "$been" in /*) ;; *) been=$home/.local/share ;; esac
  been=$been/claudebox/tops # the projects that were a git work tree's top
  was="" # the lowest directory on the way that was a project
  levels=() # the directories climbed through, below the work tree's top
  while ! covers_home "$dir" && ! shared_dir "$dir" && [ -O . ]; do
    key=${dir//%/%25}
    if [ -z "$was" ] && [ -d "$been/${key//\//%2F}" ]; then
      was=$dir
      { exec 22<.; } 2>/dev/null || die 1 "cannot open $dir, which has been a project of its own; make it readable, or pass --project DIR"
    fi
    if [ -e .git ]; then
      if [ -n "$was" ] && [ "$was" != "$cwd" ]; then
        exec 20<&22
        project=$was
        climbed=1
      elif [ -z "$was" ] && [ "$dir" != "$cwd" ]; then
        { exec 20<.; } 2>/dev/null || die 1 "cannot open $dir, the git work tree the current directory is in; check its permissions, or pass --project ."
        project=$dir
        climbed=1
      fi
      break
    fi
    levels+=("$dir")
    if [ "$dir" = / ] || ! cd -P .. 2>/dev/null; then break; fi
    canon "$PWD"
    dir=$canon
  done
  if [ -n "$was" ]; then exec 22<&-; fi
fi
if [ "$climbed" = 1 ]; then
  cd -P /proc/self/fd/20 2>/dev/null || die 1 "cannot enter $project; check its permissions, or pass --project ."
  canon "$PWD"
  project=$canon
elif [ -z "$project" ]; then
  project=$cwd
  exec 20<&19
else
  # (A relative one is the working directory's, never looked up on CDPATH.)
  cd -P /proc/self/fd/19 2>/dev/null || die 1 "$gone"
  if [ ! -e "$project" ]; then die 1 "project directory $project does not exist; create it or pass an existing --project DIR"; fi
  [ -d "$project" ] || die 1 "project $project is not a directory; pass the project's directory with --project DIR"
  cd -P -- "$project" 2>/dev/null || die 1 "cannot enter project directory $project; check its permissions"
  { exec 20<.; } 2>/dev/null || die 1 "cannot open project directory $project; check its permissions"
  # Its path as the kernel names the directory opened (bash's cd -P reads
  # /proc/self/fd/20): what bash made of the name before entering it may
  # have been swapped meanwhile.
  cd -P /proc/self/fd/20 2>/dev/null || die 1 "cannot enter project directory $project; check its permissions"
  canon "$PWD"
  project=$canon
fi
[ /proc/self/fd/20 -ef "$project" ] || die 1 "project directory $project changed while claudebox checked it; run claudebox again"
if shared_dir "$project"; then
  die 1 "refusing to mount $project read-write: it is a shared system directory; cd into a project or pass --project DIR"
fi
if covers_home "$project"; then
  die 1 "refusing to mount $project read-write: it contains your home directory and its secrets; cd into a project or pass --project DIR"
fi
chdir=$project
case "$cwd/" in "$project"/*) chdir=$cwd ;; esac

# --- Claude's configuration ----------------------------------------------------
# Claude's config directory (its login, settings, hooks, MCP servers and
# transcripts) is claudebox's own, one per project, never the host's
# ~/.claude: Claude on the host runs the hooks, statusLine, apiKeyHelper and
# MCP servers named there, so a sandbox that could write them would run
# code on the host, and one project's sandbox would run code in the next
# project's. (~/.claude.json is not copied in either: its mcpServers hold
# tokens.) CLAUDEBOX_CONFIG_DIR names one directory for every project
# instead. Inside, the directory is ~/.claude and CLAUDE_CONFIG_DIR, which
# keeps .claude.json in it: Claude writes that by rename(2), which fails on
# a bind-mounted single file.
# Directories are checked by their paths before anything is made, and by
# their physical paths (a symbolic link to the home directory, or /, or a
# path with .. must not pass for a config directory) once made.

# physical DIR sets canon to DIR's physical path; fails when DIR cannot be
# entered. It stays there: nothing below depends on the working directory
# (paths are absolute; the working directory is descriptor 19), and going
# back through /proc/self/fd/19 each time costs bash a readlink a component.
physical() {
  cd -P -- "$1" 2>/dev/null || return 1
  canon "$PWD"
}
# overlap A B: one of the directories A and B is, or contains, the other.
overlap() { [ "$1" = "$2" ] || [ "${1#"$2"/}" != "$1" ] || [ "${2#"$1"/}" != "$2" ]; }
# holds DIR1 DIR2: DIR1 is, or contains, DIR2.
holds() { [ "$1" = "$2" ] || [ "${2#"$1"/}" != "$2" ]; }

data=${XDG_DATA_HOME:-}
case "$data" in /*) ;; *) data=$home/.local/share ;; esac # (the XDG spec: a relative one is ignored)
canon "$data"
data=${canon%/}
default_base=$data/claudebox
if [ -n "${CLAUDEBOX_CONFIG_DIR+x}" ]; then
  config_var=CLAUDEBOX_CONFIG_DIR
  config_base=$CLAUDEBOX_CONFIG_DIR
  [ -n "$config_base" ] || die 1 "CLAUDEBOX_CONFIG_DIR is empty; set it to a directory of its own, or unset it for one config directory a project"
  case "$config_base" in /*) ;; *) die 1 "CLAUDEBOX_CONFIG_DIR must be an absolute path, not $config_base" ;; esac
else
  config_var=XDG_DATA_HOME
  config_base=$default_base
fi
canon "$config_base"
config_base=${canon%/}
dotted=0
case "/$config_base/" in */./* | */../*)
  [ -d "$config_base" ] || die 1 "$config_var ($config_base) has . or .. in it and does not exist; create it, or give its plain path"
  dotted=1 # (checked by its physical path only)
  ;;
esac

# The host's own Claude config (~/.claude, ~/.config/claude in some
# versions, or its CLAUDE_CONFIG_DIR), by every name of the home, and where
# a symbolic link there points (a dangling one, later, by readlink: once
# PATH is safe).
xdg_config=${XDG_CONFIG_HOME:-}
case "$xdg_config" in /*) ;; *) xdg_config=$home/.config ;; esac # (a relative one is ignored)
host_claude=()
for dir in "$home/.claude" "$home_phys/.claude" ${home_pw:+"$home_pw/.claude"} \
  "$xdg_config/claude" ${CLAUDE_CONFIG_DIR:+"$CLAUDE_CONFIG_DIR"}; do
  case "$dir" in /*) ;; *) continue ;; esac
  canon "$dir"
  dir=${canon%/}
  host_claude+=("$dir")
  if physical "$dir"; then host_claude+=("$canon"); fi
done
# Directories of other programs' credentials and state (gh, gcloud, shell
# histories): a project or a config directory may lie inside them, never
# be or hold one.
# Each by every name it has: under each name of the home, and by its
# physical path (a project's path is physical, and a HOME through a
# symbolic link must not hide ~/.config from the comparisons).
# names DIR: the array names, DIR's names.
names() {
  local h rest
  canon "$1"
  names=("${canon%/}")
  rest=${names[0]#"$home"/}
  if [ "$rest" != "${names[0]}" ]; then
    for h in "$home_phys" ${home_pw:+"$home_pw"}; do
      if [ "$h" != "$home" ]; then names+=("$h/$rest"); fi
    done
  fi
  if physical "${names[0]}" && [ "$canon" != "${names[0]}" ]; then names+=("$canon"); fi
}
others=()
for dir in "$home/.config" "$home/.local" "$home/.cache" "$data" ${XDG_CONFIG_HOME:+"$XDG_CONFIG_HOME"} \
  ${XDG_STATE_HOME:+"$XDG_STATE_HOME"} ${XDG_CACHE_HOME:+"$XDG_CACHE_HOME"}; do
  case "$dir" in /?*) ;; *) continue ;; esac
  names "$dir"
  others+=("${names[@]}")
done
names "$default_base"
stores=("${names[@]}") # claudebox's store of per-project configs
# sandboxed DIR: DIR (a physical path) is, or lies in, a directory a sandbox
# writes: this run's project or Claude's config, claudebox's store (every
# project's config), or a project of an earlier run (noted in the store:
# projects/ by default, ran/ with CLAUDEBOX_CONFIG_DIR, tops/ for each git
# work tree's top; by the SHA-256 of a path too long for a file name, which
# before PATH is safe (sha256sum is looked up on it) counts as one). What
# the host runs or mounts from there, the sandbox could have swapped.
path_safe=0
# path_key PATH sets key to PATH's name in claudebox's store: the path with %
# and / escaped or, when that is longer than a file name can be (255 bytes),
# sha256-<the SHA-256 of the path and a newline>. Fails when that SHA-256
# cannot be had (sha256sum is looked up on PATH: not before it is safe).
path_key() {
  local LC_ALL=C # ${#...} counts bytes
  key=${1//%/%25}
  key=${key//\//%2F}
  [ "${#key}" -gt 240 ] || return 0
  [ "$path_safe" = 1 ] || return 1
  read -r key _ < <(sha256sum <<<"$1" 2>/dev/null) || return 1
  key=sha256-$key
}
declare -A not_project=() # directories known to be no earlier project
sandboxed() {
  local d=$1 key store
  if holds "$project" "$d" || { [ -n "$config_base" ] && holds "$config_base" "$d"; }; then return 0; fi
  for store in "${stores[@]}"; do
    if holds "$store" "$d"; then return 0; fi
  done
  while [ -n "$d" ]; do
    if [ -n "${not_project[$d]-}" ]; then return 1; fi # (and none above it)
    path_key "$d" || return 0
    for store in "${stores[@]}"; do
      if [ -d "$store/projects/$key" ] || [ -d "$store/ran/$key" ] || [ -d "$store/tops/$key" ] || [ -d "$store/cfgs/$key" ]; then return 0; fi
    done
    d=${d%/*}
  done
  d=$1
  while [ -n "$d" ]; do
    not_project[$d]=1
    d=${d%/*}
  done
  return 1
}

secrets_checked=0
# check_dirs: the project and the config directory (as they are named now)
# pass every rule; else stop.
check_dirs() {
  local dir fix="set $config_var to another directory"
  # The project first. claudebox's own store of per-project configs:
  # a project is not, and does not lie in it (nor, below, hold it).
  for dir in "${stores[@]}"; do
    if holds "$dir" "$project"; then
      die 1 "refusing to mount $project read-write: it is in $dir, where claudebox keeps each project's Claude config; cd into a project or pass --project DIR"
    fi
  done
  for dir in "${others[@]}"; do
    [ "$dir" != "$data" ] || continue # (below, with the advice to set XDG_DATA_HOME)
    if holds "$project" "$dir"; then
      die 1 "refusing to mount $project read-write: it holds $dir, where other programs keep their credentials and state; cd into a project or pass --project DIR"
    fi
  done
  # Nor where well-known secrets are kept (by every name of the home; one
  # that is a symbolic link, as stow makes them, also where it leads).
  local h s done_h=""
  for h in "$home" "$home_phys" ${home_pw:+"$home_pw"}; do
    [ "$secrets_checked" = 0 ] || break # (the project does not change)
    case "$done_h" in *"|$h|"*) continue ;; esac
    done_h+="|$h|"
    for s in .ssh .gnupg .age .aws .azure .kube .docker .password-store .terraform.d \
      .config/age .config/sops .config/gh .config/gcloud; do
      case "$project/" in "$h/$s"/*)
        die 1 "refusing to mount $project read-write: it is in ~/$s, where secrets are kept; cd into a project or pass --project DIR"
        ;;
      esac
      if [ -L "$h/$s" ] && physical "$h/$s" && overlap "$canon" "$project"; then
        die 1 "refusing to mount $project read-write: it overlaps $canon, where ~/$s leads, where secrets are kept; cd into a project or pass --project DIR"
      fi
    done
  done
  # Nor a git directory (a bare repository, a .git), or one in it: its hooks
  # and config are what git on the host runs.
  dir=$project
  while [ "$secrets_checked" = 0 ] && [ -n "$dir" ]; do
    if { [ -f "$dir/HEAD" ] || [ -L "$dir/HEAD" ]; } && [ -d "$dir/objects" ] && [ -d "$dir/refs" ]; then
      die 1 "refusing to mount $project read-write: it is or lies in $dir, a git directory, whose hooks and config git on the host runs; pass its work tree as --project"
    fi
    dir=${dir%/*}
  done
  secrets_checked=1
  for dir in "${host_claude[@]}"; do
    if overlap "$dir" "$project"; then
      die 1 "refusing to mount $project read-write: it overlaps $dir, the config of Claude on the host, which runs the hooks and MCP servers written there outside any sandbox; cd into a project or pass --project DIR"
    fi
  done
  # Then the config.
  if covers_home "${config_base:-/}" || shared_dir "$config_base"; then
    die 1 "refusing to keep Claude's config in ${config_base:-/}: it contains your home directory or is a shared system directory; set $config_var to a directory of its own"
  fi
  if overlap "$config_base" "$project"; then
    die 1 "refusing to keep Claude's config in $config_base: it overlaps the project $project, whose files the sandbox writes (and git may commit); set $config_var to a directory outside it"
  fi
  for dir in "${stores[@]}"; do
    if holds "$project" "$dir"; then
      die 1 "refusing to mount $project read-write: it holds $dir, where claudebox keeps each project's Claude config; cd into a project or pass --project DIR"
    fi
  done
  for dir in "${host_claude[@]}"; do
    if overlap "$dir" "$config_base"; then
      die 1 "refusing to keep claudebox's Claude config in $config_base: it overlaps $dir, the config of Claude on the host, which runs the hooks and MCP servers written there outside any sandbox; $fix"
    fi
  done
  if [ "$config_var" = CLAUDEBOX_CONFIG_DIR ]; then
    for dir in "${others[@]}"; do
      if holds "$config_base" "$dir"; then
        die 1 "refusing to keep Claude's config in $config_base: it holds $dir, where other programs keep their credentials and state; $fix"
      fi
    done
    for dir in "${stores[@]}"; do
      if overlap "$dir" "$config_base"; then
        die 1 "refusing to keep Claude's config in $config_base: it overlaps $dir, where claudebox keeps each project's Claude config; $fix"
      fi
    done
  fi
}
# By its physical path when it exists (which the lists above hold too),
# else by its name (a name with . or .. only once made).
base_checked=0
if physical "$config_base"; then
  config_base=$canon
  check_dirs
  base_checked=1
elif [ "$dotted" = 0 ]; then
  check_dirs
fi
# (Made, and checked again by its physical path, once PATH is safe: mkdir is
# looked up on it.)

# --- tools and PATH --------------------------------------------------------------
# PATH inside is the host PATH cut down to the directories that hold the
# runtime tools. Under Nix those are the runtime inputs' bin directories,
# which writeShellApplication puts first on PATH; on Debian it is /usr/bin.
tools=(bwrap env bash git curl jq rg fd nix "," nix-locate node claude)
# The network's tools run on the host side only: not on the sandbox's PATH.
# A run needs nsenter to join its network; the keeper that makes it needs
# the others (looked up only then: every PATH search shows in start-up).
net_tools=(nsenter)
keeper_tools=(slirp4netns unshare ip cat flock)
declare -A tool_dir=()
extra_binds=() # tool files outside the system directories and the Nix store
declare -A tool_path=()
# Split by IFS, without globbing (`IFS=: read <<<` reads a pipe byte by byte).
set -o noglob
IFS=:
# shellcheck disable=SC2206 # split on purpose
host_path=(${PATH:-})
unset IFS
set +o noglob
# Entries as the kernel reads them (/usr/bin/ and /usr//bin are /usr/bin),
# so that the directories hash finds tools in match PATH's. And none inside
# the project or Claude's config, which the sandbox can write: everything
# claudebox runs on the host (bwrap, nsenter, the keeper's tools, cp, mv,
# readlink, ...) is looked up on this PATH, and a project's bin/ first on
# it (direnv's PATH_add) would run what the sandbox planted there. Entries
# outside the system directories and the store are checked by their
# physical path, and kept so (by a name through a link, a sandbox could
# swap the link between the check and the run: a thirteenth review's host
# ran the sandbox's bwrap so). An empty entry (the current directory, so the
# project) and a relative one go too.
fixed=0
case "${PATH:-}" in "" | :* | *: | *::*) fixed=1 ;; esac # (splitting drops an empty end)
kept=()
for dir in ${host_path[@]+"${host_path[@]}"}; do
  case "$dir" in ?*/ | *//*)
    canon "$dir"
    [ "$canon" = / ] || canon=${canon%/}
    dir=$canon
    fixed=1
    ;;
  esac
  case "$dir" in
  /usr/src/* | /usr/local/src/* | */./* | */../* | */. | */..) ;; # (as below)
  /nix/store/* | /usr/* | /bin | /sbin)
    # (By name only: a cd each would show in the start-up time.)
    case "$dir/" in "$project"/* | "$config_base"/*)
      fixed=1
      continue
      ;;
    esac
    kept+=("$dir")
    continue
    ;;
  esac
  case "$dir" in
  /*)
    # (One that cannot be entered holds no tool: it goes.)
    if ! cd -P -- "$dir" 2>/dev/null; then
      fixed=1
      continue
    fi
    canon "$PWD"
    phys=$canon
    if sandboxed "$phys"; then
      fixed=1
      continue
    fi
    if [ "$phys" != "$dir" ]; then
      dir=$phys
      fixed=1
    fi
    ;;
  *)
    fixed=1
    continue
    ;;
  esac
  kept+=("$dir")
done
host_path=(${kept[@]+"${kept[@]}"})
# None left: the system's directories, never an empty PATH (bash would
# then run a command from the current directory).
if [ "${#host_path[@]}" = 0 ]; then
  host_path=(/usr/bin /bin)
  fixed=1
fi
if [ "$fixed" = 1 ]; then
  IFS=:
  PATH="${host_path[*]}"
  unset IFS
fi
path_safe=1
cd / # (and none of the directories the checks entered is the current one)
hash -- "${tools[@]}" "${net_tools[@]}" 2>/dev/null || : # one PATH search each, missing ones skipped

# A dangling symbolic link for the host Claude's config: where it points.
n=${#host_claude[@]}
for dir in "${host_claude[@]}"; do
  if [ -L "$dir" ] && [ ! -e "$dir" ]; then
    target=$(readlink -m -- "$dir" 2>/dev/null) && [ -n "$target" ] && host_claude+=("$target")
  fi
done
if [ "${#host_claude[@]}" != "$n" ]; then check_dirs; fi

net_idle=${CLAUDEBOX_NET_IDLE:-300}
case "$net_idle" in
"" | *[!0-9]* | ????????*) die 2 "CLAUDEBOX_NET_IDLE must be a number of seconds from 0 to 9999999, not $net_idle" ;;
esac
# Where the keepers note their networks: a directory only the user can
# enter, never inside what a sandbox can write. One file a project, named
# by its path (% and / escaped), holding "HOLDER STARTTIME KEEPER" and the
# path. XDG_RUNTIME_DIR is the user's own (a sticky one is a shared /tmp).
net_dir=/tmp/claudebox-$EUID
net_dir_fix="ask its owner or root to remove it, or set XDG_RUNTIME_DIR to a directory of yours"
if [[ ${XDG_RUNTIME_DIR:-} == /* && -d $XDG_RUNTIME_DIR && -O $XDG_RUNTIME_DIR && ! -k $XDG_RUNTIME_DIR ]]; then
  net_dir=${XDG_RUNTIME_DIR%/}/claudebox
  net_dir_fix="remove it, or set XDG_RUNTIME_DIR to another directory of yours"
  run_dir=$XDG_RUNTIME_DIR
  if cd -P -- "$run_dir" 2>/dev/null; then
    canon "$PWD"
    run_dir=$canon
  fi
  case "$run_dir/" in "$project"/* | "$config_base"/*)
    die 1 "XDG_RUNTIME_DIR ($run_dir) is inside the project or Claude's config, which the sandbox can write, and the keeper's notes of its network would be there; set XDG_RUNTIME_DIR to a directory outside them (such as /run/user/$EUID), or unset it" ;;
  esac
fi
# Nor may the project or the config be, or hold, the notes' directory: the
# sandbox would write the notes, and the keeper writes through them.
# (By physical paths: the notes' directory's, or its parent's when it is
# not made yet; checked again once the config directory is made.)
net_phys=$net_dir
if physical "$net_dir"; then
  net_phys=$canon
elif physical "${net_dir%/*}"; then
  net_phys=${canon%/}/${net_dir##*/}
fi
check_net_dir() {
  local dir
  for dir in "$project" "$config_base"; do
    if overlap "$dir" "$net_phys"; then
      die 1 "refusing to mount $dir into the sandbox: it overlaps $net_phys, where claudebox notes its networks; pass another --project, or set $config_var or XDG_RUNTIME_DIR to another directory"
    fi
  done
}
check_net_dir
not_yours="$net_dir is not a directory of yours, and the keeper of the sandbox's network notes it there; $net_dir_fix"

# unix_socket FD: descriptor FD is a Unix socket (the host's /proc/net/unix
# lists it), not a network one. Run only for a socket on stdio (rare): it
# forks readlink.
unix_socket() {
  local link fields line
  link=$(readlink "/proc/$$/fd/$1") || return 1 # (the substitution's own fd 1 is its pipe)
  link=${link#socket:\[}
  link=${link%\]}
  mapfile -t lines </proc/net/unix
  set -o noglob
  for line in "${lines[@]:1}"; do
    # shellcheck disable=SC2206 # split on purpose: numbers and a path
    fields=($line)
    if [ "${fields[6]:-}" = "$link" ]; then
      set +o noglob
      return 0
    fi
  done
  set +o noglob
  return 1
}
# (Here, once PATH is safe: readlink is looked up on it.)
for fd in 0 1 2; do
  if [ -S /proc/self/fd/$fd ] && ! unix_socket "$fd"; then
    die 1 "descriptor $fd (standard input, output or error) is a network socket of the host's, which would lead out of the sandbox's network; redirect it from or to a file or a pipe"
  fi
done
for tool in "${net_tools[@]}"; do
  path=${BASH_CMDS[$tool]-}
  case "$path" in /*) tool_path[$tool]=$path ;; esac
done
for tool in "${tools[@]}"; do
  path=${BASH_CMDS[$tool]-}
  case "$path" in /*) ;; *) continue ;; esac # from a relative PATH entry
  tool_path[$tool]=$path
  tool_dir[${path%/*}]=1
  case "$path" in
  /nix/store/* | /usr/* | /bin/* | /sbin/* | /lib*) ;;
  *) extra_binds+=("$path") ;;
  esac
done
sandbox_path=""
declare -A seen=()
for dir in ${host_path[@]+"${host_path[@]}"}; do
  if [[ -n $dir && -n ${tool_dir[$dir]-} && -z ${seen[$dir]-} ]]; then
    seen[$dir]=1
    sandbox_path=${sandbox_path:+$sandbox_path:}$dir
  fi
done

# in_sandbox_path NAME: NAME is a program on the sandbox's PATH: in a
# directory that is mounted whole (the system's, the store), or one of the
# tool files mounted one by one.
in_sandbox_path() {
  local dir extra
  for dir in ${host_path[@]+"${host_path[@]}"}; do
    [[ -n $dir && -n ${seen[$dir]-} ]] || continue
    case "$dir" in
    /nix/store/* | /usr/* | /bin | /sbin | /lib*) [ -f "$dir/$1" ] && [ -x "$dir/$1" ] && return 0 ;;
    *) for extra in ${extra_binds[@]+"${extra_binds[@]}"}; do [ "$extra" != "$dir/$1" ] || return 0; done ;;
    esac
  done
  return 1
}

bwrap_bin=${tool_path[bwrap]:-}
if [ "$audit" = 0 ]; then
  [ -n "$bwrap_bin" ] || die 1 "bwrap (bubblewrap) is not installed; install it (Debian: apt-get install bubblewrap) or use the claudebox Nix package"
  if [ "$run_claude" = 1 ] && [ -z "${tool_path[claude]:-}" ]; then
    die 1 "claude is not on PATH; install Claude Code, or run another command with claudebox -- COMMAND"
  fi
  # (Else bwrap's own "execvp" message, after the sandbox was made.)
  case "${cmd[0]}" in
  /*)
    [ -e "${cmd[0]}" ] || die 1 "${cmd[0]} does not exist; check the command's path"
    # Only what is mounted counts (the project at its own path, the
    # system's directories, the store, claudebox's tools).
    case "${cmd[0]}" in
    "$project"/* | /nix/store/* | /usr/* | /bin/* | /sbin/* | /lib*/*) ;;
    *)
      inside=0
      for path in ${extra_binds[@]+"${extra_binds[@]}"}; do [ "$path" != "${cmd[0]}" ] || inside=1; done
      [ "$inside" = 1 ] || die 1 "${cmd[0]} is outside the sandbox, which sees only the project, /usr, /nix/store and claudebox's tools; copy it into the project, or run one that is there"
      ;;
    esac
    ;;
  */*) [ -e "$chdir/${cmd[0]}" ] || die 1 "${cmd[0]} does not exist in $chdir, where the command starts; check its path" ;;
  *) in_sandbox_path "${cmd[0]}" ||
    die 1 "${cmd[0]} is not on the sandbox's PATH ($sandbox_path: claudebox's runtime tools); run it by its path (such as ./${cmd[0]}), or through a tool that finds it (such as nix run or npx)" ;;
  esac
  case "${cmd[0]}" in */*)
    run_path=${cmd[0]}
    case "$run_path" in /*) ;; *) run_path=$chdir/$run_path ;; esac
    if [ -d "$run_path" ]; then die 1 "${cmd[0]} is a directory, not a command; check the command's path"; fi
    [ -x "$run_path" ] || die 1 "${cmd[0]} is not executable; chmod +x it, or run it through its interpreter (such as bash ${cmd[0]})"
    ;;
  esac
fi
# The sandbox's own network needs these; without them claudebox stops
# rather than fall back to the host's network.
or_share="or pass --share-host-net to share the host's network (its localhost services, abstract sockets and cloud metadata become reachable)"
need_tools() { # need_tools TOOL...: each found on PATH (tool_path), or stop
  local tool pkg
  for tool in "$@"; do
    [ -n "${tool_path[$tool]:-}" ] && continue
    case "$tool" in
    slirp4netns) pkg=slirp4netns ;;
    ip) pkg=iproute2 ;;
    cat) pkg=coreutils ;;
    *) pkg=util-linux ;;
    esac
    die 1 "$tool is not installed, and the sandbox's own network needs it; install it (Debian: apt-get install $pkg) or use the claudebox Nix package, $or_share"
  done
}
if [ "$audit" = 0 ] && [ "$net" = private ]; then
  need_tools "${net_tools[@]}"
fi

# The descriptors opened from here on for bwrap to mount are above those
# claudebox gives fixed numbers (10 to 22; bash gives the lowest free from
# 10 up): stand-ins hold those until they are made (or closed) below. (One
# an exec: bash 5.2 loses some of several redirections to descriptors
# already open.)
exec 10<&20
exec 11<&20
exec 12<&20
exec 13<&20
exec 14<&20
exec 15<&20
exec 16<&20
exec 17<&20
exec 18<&20
exec 21<&20
exec 22<&20

# --- git ----------------------------------------------------------------------
# The host's git config, read (never mounted) for the identity Claude commits
# with and for where git on the host finds hooks.
# git_value TEXT sets value to what git reads from TEXT, the part of a
# `key = value` line after the =: quotes joined, escapes read, a comment
# (; or # outside quotes) cut off, outer blanks trimmed.
# Unquoted blanks inside a value are spaces, one for one; at its ends none.
git_value() {
  local v=$1 c i=0 quoted=0 blank=""
  case "$v" in
  *\\* | *\"* | *\;* | *\#*) ;;
  *) # (no quote, escape or comment: trimmed, one space a blank)
    value=${v//$'\t'/ }
    value=${value#"${value%%[! ]*}"}
    value=${value%"${value##*[! ]}"}
    return 0
    ;;
  esac
  value=""
  while [ "$i" -lt "${#v}" ]; do
    c=${v:i:1}
    i=$((i + 1))
    case "$quoted:$c" in
    *:\\)
      c=${v:i:1}
      i=$((i + 1))
      case "$c" in n) c=$'\n' ;; t) c=$'\t' ;; b) c=$'\b' ;; esac
      ;;
    *:\") quoted=$((1 - quoted)) && continue ;;
    "0:;" | "0:#") break ;;
    "0: " | 0:$'\t')
      blank+=" "
      continue
      ;;
    esac
    if [ -n "$value" ]; then value+=$blank; fi
    blank=""
    value+=$c
  done
}
# git_read FILE: the values FILE sets for the keys in git_want (section.key
# in lower case, of sections with no subsection), into git_got; a later one
# wins, as in git.
declare -A git_got=()
git_want=" user.name user.email core.hookspath core.worktree init.templatedir extensions.worktreeconfig "
git_read() {
  local continued=0 section="" wanted=0 key
  [ -f "$1" ] && [ -r "$1" ] || return 0
  mapfile -t lines <"$1"
  [ "${#lines[@]}" = 0 ] || lines[0]=${lines[0]#$'\xef\xbb\xbf'} # a byte order mark
  for line in ${lines[@]+"${lines[@]}"}; do
    line=${line%$'\r'} # CRLF
    # A line after one that ends in \ continues that line's value: it is
    # no header and no key of its own.
    if [ "$continued" = 1 ]; then
      case "$line" in *\\) ;; *) continued=0 ;; esac
      continue
    fi
    case "$line" in *\\) continued=1 ;; esac
    case "$wanted:$line" in 1:* | *"["*) ;; *) continue ;; esac # fast path
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in
    \[*)
      section=${line%%]*}
      section=${section,,}
      section=${section//[[:space:]]/}
      section=${section#[}
      case "$git_want" in *" $section."*) wanted=1 ;; *) wanted=0 ;; esac
      case "$section" in include | includeif*) wanted=1 ;; esac
      line=${line#*]} # a key may follow on the same line
      line=${line#"${line%%[![:space:]]*}"}
      [ -n "$line" ] || continue
      ;;
    esac
    [ "$wanted" = 1 ] || continue
    [ "$continued" = 0 ] || continue # a value that goes on: not worth reading
    case "$line" in *=*) ;; *) continue ;; esac # a bare key is true, not a value
    key=${line%%=*}
    key=$section.${key//[[:space:]]/}
    key=${key,,}
    case "$key" in
    include.path | includeif*.path)
      # (Whatever its condition: for what git on the host may read.)
      git_value "${line#*=}"
      case "$value" in
      \~/*) value=$home/${value#\~/} ;;
      /*) ;;
      ?*) value=${1%/*}/$value ;;
      *) continue ;;
      esac
      git_incs+=("$value")
      continue
      ;;
    esac
    case "$git_want" in *" $key "*) ;; *) continue ;; esac
    git_value "${line#*=}"
    git_got[$key]=$value
    case "$key" in
    core.hookspath) git_hooks+=("$value") ;;
    init.templatedir) git_tmpls+=("$value") ;;
    esac
  done
}
# Git reads the XDG file first, then ~/.gitconfig, whose values win (or
# GIT_CONFIG_GLOBAL instead); the identity comes from these. Every
# core.hooksPath any config of git's on the host sets, the system's, those
# of their includes and of GIT_CONFIG_COUNT's pairs too, is kept in
# git_hooks for the hooks' guard below; includes in git_incs.
git_hooks=() git_incs=() git_tmpls=()
git_files=() # the config files themselves (a dotfiles project may hold them)
if [ -n "${GIT_CONFIG_GLOBAL:-}" ]; then
  git_files+=("$GIT_CONFIG_GLOBAL")
else
  git_files+=("$xdg_config/git/config" "$home/.gitconfig")
fi
for file in "${git_files[@]}"; do git_read "$file"; done
git_name=${git_got[user.name]-}
git_email=${git_got[user.email]-}
if [ -z "${GIT_CONFIG_NOSYSTEM:-}" ]; then
  git_files+=("${GIT_CONFIG_SYSTEM:-/etc/gitconfig}")
  git_read "${GIT_CONFIG_SYSTEM:-/etc/gitconfig}"
fi
if [ -n "${GIT_TEMPLATE_DIR:-}" ]; then git_tmpls+=("$GIT_TEMPLATE_DIR"); fi
if [[ ${GIT_CONFIG_COUNT:-} =~ ^[0-9]{1,3}$ ]]; then
  for ((i = 0; i < GIT_CONFIG_COUNT; i++)); do
    name=GIT_CONFIG_KEY_$i
    value=GIT_CONFIG_VALUE_$i
    [ -n "${!value-}" ] || continue
    case "${!name,,}" in
    core.hookspath) git_hooks+=("${!value}") ;;
    init.templatedir) git_tmpls+=("${!value}") ;;
    include.path | includeif.*.path) git_incs+=("${!value}") ;;
    esac
  done
fi

# --- the project's git metadata ----------------------------------------------
# Git on the host runs what a repository's metadata names: its hooks, and the
# commands of its config (core.fsmonitor on a plain `git status`, which a
# shell prompt runs at every cd; core.pager, core.sshCommand, aliases,
# filters). A sandbox that wrote those would run code on the host, where
# every secret is. So the project's hooks and config (and its submodules',
# the files that send git to another git directory, the hooks directories
# any config names and the files configs include, when these are in the
# project) are read-only inside, and each directory on the way to them is a
# mount point of its own, which cannot be renamed away and replaced by
# another (the .git directory above all). Commits, branches and the rest of
# git's work go on; `git config` and hook installers fail inside.
# (Anthropic's sandbox-runtime does the same. It is no boundary against a
# sandbox that knows git well: see the README, Not covered.)
# Each is opened where it is checked, from the project's descriptor down,
# and bwrap mounts the descriptors; a symbolic link on the way stops the run
# (what it names could change once checked).
declare -A pinned=() guarded=() readonly_dirs=()
git_args=() git_mounts=() git_fds="" # (mounted after the project, below)
US=$'\x1f' # (the separator of the fields of mounts, for --audit)
git_fail() { # git_fail PATH WHAT
  die 1 "$1 $2, which the sandbox could point elsewhere for git on the host to run hooks or config from; replace it with what it links to, or pass a --project without it"
}
# guard PATH dir|file: PATH, relative to the project, is read-only inside. A
# missing one gets an empty read-only stand-in (bwrap leaves its mount
# point on the host: an empty directory or file). Walked from the project's
# descriptor by the descriptors of the directories on the way (no cd: bash
# reads each component of a path as a link), each the entry of its name in
# the one before, and no link. (A directory made read-only already holds
# what lies below it read-only: no mount there, which would undo that.)
guard() {
  local rest=$1 at="" comp fd=20 next path
  if [ -n "${guarded[$1]-}" ]; then return 0; fi
  guarded[$1]=1
  while :; do
    comp=${rest%%/*}
    rest=${rest#"$comp"}
    rest=${rest#/}
    at+=$comp
    if [ -n "${readonly_dirs[$at]-}" ]; then break; fi
    path=/proc/self/fd/$fd/$comp
    if [ -L "$path" ]; then git_fail "$project/$at" "is a symbolic link"; fi
    if [ ! -e "$path" ]; then
      if [ -z "$rest" ] && [ "$2" = file ]; then
        git_args+=(--ro-bind /dev/null "$project/$at")
        git_mounts+=("ro-bind$US/dev/null$US$project/$at")
      else
        git_args+=(--tmpfs "$project/$at" --remount-ro "$project/$at")
        git_mounts+=("tmpfs$US(empty, read-only)$US$project/$at")
        readonly_dirs[$at]=1
      fi
      break
    fi
    if [ -z "$rest" ] && [ "$2" = file ]; then
      [ -f "$path" ] || die 1 "$project/$at is not a regular file, as git expects; check it"
    else
      [ -d "$path" ] || die 1 "$project/$at is not a directory, as git expects; check it"
    fi
    { exec {next}<"$path"; } 2>/dev/null || die 1 "cannot open $project/$at (too many submodules?); check its permissions"
    if [ -L "$path" ] || [ ! "/proc/self/fd/$next" -ef "$path" ]; then
      die 1 "$project/$at changed while claudebox checked it; run claudebox again"
    fi
    if [ "$fd" != 20 ] && [ "${pinned[${at%/*}]-}" != "$fd" ]; then exec {fd}<&-; fi
    fd=$next
    if [ -z "$rest" ]; then
      git_args+=(--ro-bind-fd "$fd" "$project/$at")
      git_mounts+=("ro-bind$US$project/$at$US$project/$at")
      git_fds+=" $fd"
      if [ "$2" = dir ]; then readonly_dirs[$at]=1; fi
      break
    fi
    if [ -z "${pinned[$at]-}" ]; then
      pinned[$at]=$fd
      git_args+=(--bind-fd "$fd" "$project/$at")
      git_mounts+=("bind$US$project/$at$US$project/$at")
      git_fds+=" $fd"
    fi
    at+=/
  done
  if [ "$fd" != 20 ] && [ "${pinned[$at]-}" != "$fd" ] && [[ " $git_fds " != *" $fd "* ]]; then exec {fd}<&-; fi
}
# lexical PATH sets lexical to PATH with . and .. taken off by name, not
# through the file system (which follows symbolic links first).
lexical() {
  local part parts=() IFS=/
  set -o noglob
  # shellcheck disable=SC2086 # split on purpose
  set -- $1
  set +o noglob
  for part in "$@"; do
    case "$part" in
    "" | .) ;;
    ..) [ "${#parts[@]}" -eq 0 ] || unset 'parts[${#parts[@]}-1]' ;;
    *) parts+=("$part") ;;
    esac
  done
  lexical="/${parts[*]}"
}
# in_project PATH DIR: PATH (absolute, or relative to DIR) read lexically is
# in the project; rel is its path there.
in_project() {
  case "$1" in
  /*) lexical "$1" ;;
  *) lexical "$2/$1" ;;
  esac
  rel=""
  [ "$lexical" = "$project" ] && return 0
  case "$lexical" in "$project"/*) rel=${lexical#"$project"/} && return 0 ;; esac
  return 1
}
# in_tree PATH DIR: the same, or by the physical path of the part of PATH
# that exists (a path through a link to the project, /home for /var/home).
in_tree() {
  local p rest=""
  in_project "$1" "$2" && return 0
  p=$lexical
  if [ -L "$p" ] || { [ -e "$p" ] && [ ! -d "$p" ]; }; then # a file (or a link): where it leads
    real_file "$p" || return 1
    in_project "$real" /
    return
  fi
  while [ -n "$p" ] && [ ! -e "$p" ]; do
    rest=/${p##*/}$rest
    p=${p%/*}
  done
  physical "${p:-/}" || return 1
  in_project "${canon%/}$rest" /
}
# real_file PATH [WHAT FIX]: real is PATH's physical path, its links
# followed (readlink: only for a link, rare). It fails where a step cannot
# be taken; with WHAT, that stops the run instead, and so does a step where
# a sandbox writes (it could point the link at any file of the user's).
real_file() {
  local p=$1 hops=0 target="" why=""
  while [ -z "$why" ]; do
    if ! physical "${p%/*}/"; then
      why="cannot enter ${p%/*}/, on the way to ${2-}; check its permissions"
      break
    fi
    real=${canon%/}/${p##*/}
    if [ -n "${2-}" ] && sandboxed "$canon"; then
      die 1 "$2 leads through $real, where a sandbox writes (a project of claudebox's, or its store), so that it could point there any file of yours; $3"
    fi
    [ -L "$real" ] || return 0
    hops=$((hops + 1))
    if [ "$hops" -gt 40 ]; then
      why="${2-} is a chain of more than 40 symbolic links; point it at the file itself"
    elif ! target=$(readlink -- "$real"); then
      why="cannot read the symbolic link $real, on the way to ${2-}; check it"
    fi
    case "$target" in /*) p=$target ;; *) p=${canon%/}/$target ;; esac
  done
  if [ -n "${2-}" ]; then die 1 "$why"; fi
  return 1
}
# git_path VALUE: path is a path value of git's config (hooksPath,
# templateDir, an include) with ~/ read; ~user/ and %(prefix)/ stop the run
# (claudebox cannot tell where git would take them).
git_path() {
  path=$1
  case "$path" in
  \~/*) path=$home/${path#\~/} ;;
  \~* | %\(prefix\)*) die 1 "a git config names $path, and claudebox cannot tell where git takes that; write it as an absolute path" ;;
  esac
}
git_wts=("") # the work trees in the project ("", its top; submodules', linked ones)
# git_gitdir DIR: a git directory in the project (DIR, relative): its hooks,
# its config and the files that send git to another git directory (its own,
# and its linked work trees', which may live elsewhere) read-only; its config
# read for core.hooksPath, includes and its work tree.
git_gitdir() {
  local d=$1 w file wtcfg=0 line
  git_got=()
  git_read "$project/$d/config"
  case "${git_got[extensions.worktreeconfig]-}" in true | yes | on | 1) wtcfg=1 ;; esac
  guard "$d/hooks" dir
  guard "$d/config" file
  if [ -e "$project/$d/commondir" ] || [ -L "$project/$d/commondir" ]; then guard "$d/commondir" file; fi
  # (git reads config.worktree only with extensions.worktreeConfig: then a
  # missing one too, which the sandbox could make.)
  if [ "$wtcfg" = 1 ] || [ -e "$project/$d/config.worktree" ] || [ -L "$project/$d/config.worktree" ]; then guard "$d/config.worktree" file; fi
  if [ -L "$project/$d/worktrees" ]; then git_fail "$project/$d/worktrees" "is a symbolic link"; fi
  if [ "$wtcfg" = 1 ]; then git_read "$project/$d/config.worktree"; fi
  for w in "$project/$d"/worktrees/* "$project/$d"/worktrees/.[!.]* "$project/$d"/worktrees/..?*; do
    if [ -L "$w" ]; then git_fail "$w" "is a symbolic link"; fi
    [ -d "$w" ] || continue
    git_dirs=$((git_dirs + 1))
    [ "$git_dirs" -le 100 ] || die 1 "$project has more than 100 git directories of submodules and work trees; claudebox keeps each one's hooks and config read-only, and stops here (a sandbox may have made them); remove those you do not use (git worktree prune)"
    if [ "$wtcfg" = 1 ]; then git_read "$w/config.worktree"; fi
    if [ -e "$w/commondir" ] || [ -L "$w/commondir" ]; then guard "${w#"$project/"}/commondir" file; fi
    if [ "$wtcfg" = 1 ] || [ -e "$w/config.worktree" ] || [ -L "$w/config.worktree" ]; then guard "${w#"$project/"}/config.worktree" file; fi
    # A linked work tree in the project: its .git file, and its hooks path.
    if [ -f "$w/gitdir" ] && [ ! -L "$w/gitdir" ] && read -r line <"$w/gitdir" && in_tree "${line%/.git}" / && [ -n "$rel" ]; then
      git_wts+=("$rel")
      if [ -e "$project/$rel/.git" ] || [ -L "$project/$rel/.git" ]; then guard "$rel/.git" file; fi
    fi
  done
  # A submodule's work tree, whose .git file names this directory.
  if [ "$d" != .git ] && [ -n "${git_got[core.worktree]-}" ] && in_tree "${git_got[core.worktree]}" "$project/$d" && [ -n "$rel" ]; then
    git_wts+=("$rel")
    if [ -f "$project/$rel/.git" ] || [ -L "$project/$rel/.git" ]; then guard "$rel/.git" file; fi
  fi
}
# git_modules DIR DEPTH: every git directory below DIR (.git/modules, where
# a submodule's name may hold /, and theirs): each directory with a HEAD, a
# config or objects, as git may take any. At most 1000 directories walked.
git_dirs=0 git_walked=0
git_modules() {
  local d
  [ "$2" -le 16 ] || die 1 "$project/$1 lies deeper than 16 directories below .git/modules; claudebox keeps the hooks and config of each submodule read-only, and stops here; remove what you do not use"
  if [ -L "$project/$1" ]; then git_fail "$project/$1" "is a symbolic link"; fi
  for d in "$project/$1"/* "$project/$1"/.[!.]* "$project/$1"/..?*; do
    if [ -L "$d" ]; then git_fail "$d" "is a symbolic link"; fi
    [ -d "$d" ] || continue
    git_walked=$((git_walked + 1))
    [ "$git_walked" -le 1000 ] || die 1 "$project/.git/modules holds more than 1000 directories; claudebox keeps the hooks and config of each submodule read-only, and stops here (a sandbox may have made them); remove those you do not use"
    d=${d#"$project/"}
    if [ -e "$project/$d/HEAD" ] || [ -L "$project/$d/HEAD" ] || [ -e "$project/$d/config" ] || [ -d "$project/$d/objects" ]; then
      git_dirs=$((git_dirs + 1))
      [ "$git_dirs" -le 100 ] || die 1 "$project has more than 100 git directories of submodules; claudebox keeps each one's hooks and config read-only, and stops here (a sandbox may have made them); remove those you do not use"
      git_gitdir "$d"
      git_modules "$d/modules" $(($2 + 1))
    else
      git_modules "$d" $(($2 + 1))
    fi
  done
}
# git_submodules TREE DEPTH: the submodules the .gitmodules of a work tree
# in the project (TREE, relative; "" the top) names, whose .git may be a
# directory of their own (an embedded repository) or a file naming one:
# `git status` at the top runs git in each. (Git reads no .gitmodules that
# is a link: nor does claudebox.)
git_submodules() {
  local file=$project/${1:+$1/}.gitmodules line lines
  [ "$2" -le 8 ] || return 0
  if [ ! -f "$file" ] || [ -L "$file" ] || [ ! -r "$file" ]; then return 0; fi
  mapfile -t lines <"$file"
  for line in ${lines[@]+"${lines[@]}"}; do
    key=${line%%=*}
    key=${key//[[:space:]]/}
    if [ "${key,,}" != path ] || [ "$key" = "$line" ]; then continue; fi
    git_value "${line#*=}"
    if ! in_project "$value" "$project${1:+/$1}" || [ -z "$rel" ] || [ "$rel" = "$1" ]; then continue; fi
    git_dirs=$((git_dirs + 1))
    [ "$git_dirs" -le 100 ] || die 1 "$project has more than 100 submodules; claudebox keeps each one's hooks and config read-only, and stops here; remove those you do not use"
    if [ -d "$project/$rel/.git" ] && [ ! -L "$project/$rel/.git" ]; then
      git_wts+=("$rel")
      git_gitdir "$rel/.git"
      git_modules "$rel/.git/modules" 1
      git_submodules "$rel" $(($2 + 1))
    elif [ -f "$project/$rel/.git" ] || [ -L "$project/$rel/.git" ]; then
      git_wts+=("$rel")
      guard "$rel/.git" file
      git_submodules "$rel" $(($2 + 1))
    fi
  done
}
git_top=0
if [ -L "/proc/self/fd/20/.git" ]; then
  git_fail "$project/.git" "is a symbolic link"
elif [ -f "/proc/self/fd/20/.git" ]; then
  # A linked work tree's (or a submodule's, or a separate git directory's):
  # it names its git directory. One in the project is guarded as the
  # project's own would be; one outside has its config (and its common
  # one's) read for the hooks path.
  guard .git file
  git_top=1
  if read -r line </proc/self/fd/20/.git && [ "${line#gitdir: }" != "$line" ]; then
    dir=${line#gitdir: }
    case "$dir" in /*) ;; *) dir=$project/$dir ;; esac
    if in_tree "$dir" / && [ -n "$rel" ]; then
      git_gitdir "$rel"
      git_modules "$rel/modules" 1
    else
      git_read "$dir/config.worktree"
    fi
    if { read -r line <"$dir/commondir"; } 2>/dev/null; then
      case "$line" in /*) dir=$line ;; *) dir=$dir/$line ;; esac
      if in_tree "$dir" / && [ -n "$rel" ]; then
        git_gitdir "$rel"
        git_modules "$rel/modules" 1
      fi
    fi
    git_read "$dir/config"
  fi
  git_submodules "" 0
elif [ -d "/proc/self/fd/20/.git" ]; then
  git_top=1
  git_gitdir .git
  git_modules .git/modules 0
  git_submodules "" 0
fi
# git's own config files, when they lie in the project (a dotfiles project:
# ~/.gitconfig a link into it; a stand-in when missing), and the files the
# configs include (any, whatever the condition of an includeIf), with what
# they set in turn; and the template directories, whose hooks a clone or
# init copies.
for file in "${git_files[@]}"; do
  if in_tree "$file" / && [ -n "$rel" ]; then guard "$rel" file; fi
done
for ((i = 0; i < ${#git_incs[@]} && i < 64; i++)); do
  git_path "${git_incs[i]}"
  if in_tree "$path" / && [ -n "$rel" ]; then guard "$rel" file; fi
  git_read "$path"
done
for dir in ${git_tmpls[@]+"${git_tmpls[@]}"}; do
  git_path "$dir"
  if in_tree "$path" / && [ -n "$rel" ]; then guard "$rel" dir; fi
done
# The hooks directories any config names, when they lie in the project: an
# absolute one (for every repository of the host's) whatever the project,
# a relative one in each work tree of the project's repository.
for dir in ${git_hooks[@]+"${git_hooks[@]}"}; do
  git_path "$dir"
  case "$path" in /*) ;; *) [ "$git_top" = 1 ] || continue ;; esac
  for w in "${git_wts[@]}"; do
    in_tree "$path" "$project${w:+/$w}" || continue
    case "/$rel/" in
    */.git/ | "//") die 1 "core.hooksPath is $dir: in $project, any file the sandbox writes there would be a hook for git on the host; set it to a directory of hooks alone" ;;
    esac
    guard "$rel" dir
    case "$path" in /*) break ;; esac
  done
done

# not_mine DIR WHAT: DIR (an open directory) is not the user's: another
# user could have planted hooks there, to run as this one.
not_mine() {
  die 1 "$1, $2, belongs to another user, who could have planted hooks there to run as you (or as root); set $config_var to a directory of yours"
}
# --audit makes nothing: it names the directories a run would make.
made=1
if [ ! -d "$config_base" ] && [ ! -L "$config_base" ]; then
  if [ "$audit" = 1 ]; then
    made=0
  elif ! (umask 077 && mkdir -p -- "$config_base") 2>/dev/null; then
    die 1 "cannot create $config_base for Claude's config; create it, or set $config_var to a directory of yours"
  fi
fi
if [ "$made" = 1 ] && [ "$base_checked" = 0 ]; then
  physical "$config_base" || die 1 "cannot enter $config_base, where Claude's config is kept; check its permissions, or set $config_var to a directory of yours"
  config_base=$canon
  check_dirs
  check_net_dir
fi

# The project's name in file names (its config directory's, its network's
# note): its path with % and / escaped or, when that is longer than a file
# name can be (255 bytes), the SHA-256 of the path. (Here, once PATH is
# safe: sha256sum is looked up on it.)
path_key "$project" || die 1 "cannot compute the SHA-256 of the project's path (sha256sum, coreutils); install coreutils"
pkey=$key
# The climb above could not name a level with a path too long for a file
# name (its SHA-256 needs sha256sum, safe only now): one that has been a
# project stops the run rather than be widened past.
if [ "$climbed" = 1 ]; then
  for dir in ${levels[@]+"${levels[@]}"}; do
    path_key "$dir" || die 1 "cannot compute the SHA-256 of $dir (sha256sum, coreutils); install coreutils, or pass --project DIR"
    if [ "${key#sha256-}" != "$key" ]; then
      for store in "${stores[@]}"; do
        if [ -d "$store/tops/$key" ]; then
          die 1 "$dir has been a project of its own, and its git work tree would be $project now; pass --project $dir, or --project $project"
        fi
      done
    fi
  done
fi
config=$config_base
config_what="where Claude's config is kept"
if [ "$config_var" = XDG_DATA_HOME ]; then
  config=$config_base/projects/$pkey
  if [ "$audit" = 1 ] && [ ! -e "$config" ]; then made=0; fi
fi
if [ "$made" = 1 ] && [ "$config_var" = XDG_DATA_HOME ]; then
  [ -O "$config_base" ] || not_mine "$config_base" "$config_what"
  config=$config_base/projects/$pkey
  config_what="the project's Claude config"
  if [ ! -d "$config" ] && [ ! -L "$config" ] && ! (umask 077 && mkdir -p -- "$config") 2>/dev/null; then
    die 1 "cannot create $config for the project's Claude config; check $config_base, or set CLAUDEBOX_CONFIG_DIR to a directory of yours"
  fi
  # Made by claudebox in a directory no sandbox sees: a symbolic link here
  # was not, and is not followed.
  if [ -L "$config" ] || [ ! -d "$config" ]; then
    die 1 "$config, the project's Claude config, is not a plain directory; remove it and run claudebox again"
  fi
fi
# Opened where it is checked, and mounted by its descriptor (21), as the
# project is.
if [ "$made" = 1 ]; then
  cd -P -- "$config" 2>/dev/null || die 1 "cannot enter $config, $config_what; check its permissions"
  { exec 21<.; } 2>/dev/null || die 1 "cannot open $config, $config_what; check its permissions"
  cd -P /proc/self/fd/21 2>/dev/null || die 1 "cannot enter $config, $config_what; check its permissions"
  canon "$PWD"
  if [ "$canon" != "$config" ] || [ ! /proc/self/fd/21 -ef "$config" ]; then
    die 1 "$config, $config_what, changed while claudebox checked it; run claudebox again"
  fi
  [ -O /proc/self/fd/21 ] || not_mine "$config" "$config_what"
  # A directory named by CLAUDEBOX_CONFIG_DIR must be one claudebox made (its
  # mark, the directory .claudebox-config), or empty: not ~/.ssh or ~/.aws
  # by mistake. The mark is made by mkdir, which follows no symbolic link:
  # the sandboxes sharing the directory can write it, and one planted a
  # link there for a file (: >, which follows it) to truncate its target (a
  # ninth review emptied a file of the host so).
  mark=/proc/self/fd/21/.claudebox-config
  if [ "$config_var" = CLAUDEBOX_CONFIG_DIR ] && { [ ! -d "$mark" ] || [ -L "$mark" ]; }; then
    shopt -s nullglob dotglob
    entries=(/proc/self/fd/21/*)
    shopt -u nullglob dotglob
    if [ "${#entries[@]}" -gt 0 ]; then
      die 1 "$config holds files but is not a config directory claudebox made (it has no .claudebox-config directory); set CLAUDEBOX_CONFIG_DIR to a new or empty directory, or, if it is one claudebox used, mkdir $config/.claudebox-config"
    fi
    if [ "$audit" = 1 ]; then
      : # (--audit makes nothing)
    elif ! mkdir -m 0700 -- "$mark" 2>/dev/null || [ ! -d "$mark" ] || [ -L "$mark" ]; then
      die 1 "cannot make $config/.claudebox-config (or something else took its name meanwhile); check the directory, and run claudebox again"
    fi
  fi
fi

# A project that is the top of a git work tree is noted as one in
# claudebox's store (tops/, an empty directory no sandbox sees), for the
# work-tree climb to stop at even once its .git is gone; and with a shared
# config, every project (ran/), for sandboxed (above) to know it: by
# default, its config in the store does.
# The shared config directory itself is noted too (cfgs/): its sandboxes
# write it, and a later run without it must know.
notes=()
if [ -e /proc/self/fd/20/.git ]; then
  notes+=("tops/$pkey")
elif [ "$config_var" = CLAUDEBOX_CONFIG_DIR ]; then
  notes+=("ran/$pkey")
fi
if [ "$config_var" = CLAUDEBOX_CONFIG_DIR ]; then
  path_key "$config_base" || die 1 "cannot compute the SHA-256 of the config directory's path (sha256sum, coreutils); install coreutils"
  notes+=("cfgs/$key")
fi
for note in ${notes[@]+"${notes[@]}"}; do
  if [ "$audit" = 1 ] || [ -d "${stores[0]}/$note" ]; then continue; fi
  if (umask 077 && mkdir -p -- "${stores[0]}/$note") 2>/dev/null && physical "${stores[0]}"; then
    if overlap "$canon" "$project" || { [ "$config_var" = CLAUDEBOX_CONFIG_DIR ] && overlap "$canon" "$config_base"; }; then
      die 1 "claudebox's store ${stores[0]} is, by its physical path, $canon, which overlaps the project or the config directory; set XDG_DATA_HOME to a directory of its own"
    fi
  fi
done

# --- environment (allowlist) ---------------------------------------------------------
# The sandbox gets only these variables (see setenv, below).
envs=("HOME=$home" "PATH=$sandbox_path" "CLAUDE_CONFIG_DIR=$home/.claude" CLAUDEBOX=1)
envs+=("SHELL=${tool_path[bash]:-/bin/bash}")
pass_env() { # pass_env NAME: copy NAME from the host when it is set
  if [ -n "${!1+x}" ]; then envs+=("$1=${!1}"); fi
}
for name in USER TERM COLORTERM TERM_PROGRAM TERM_PROGRAM_VERSION LANG LANGUAGE TZ "${!LC_@}" "${!ANTHROPIC_@}" "${!CLAUDE_@}"; do
  [ -n "${!name+x}" ] || continue
  attrs=${!name@a}
  case "$name:$attrs" in
  CLAUDE_CONFIG_DIR:*) ;;
  *:*x*) pass_env "$name" ;; # exported, so from the host environment
  esac
done
for name in ${allow_env[@]+"${allow_env[@]}"}; do
  pass_env "$name"
done

# --- mounts ----------------------------------------------------------------------------
args=()
fds=" 0 1 2 10" # the descriptors bwrap gets: stdio, the seccomp filter, and the data below
mounts=() # for --audit: type, source, target separated by \x1f (US)
add_mount() { # add_mount BWRAP_OPTION SOURCE TARGET
  args+=("$1" "$2" "$3")
  mounts+=("${1#--}$US$2$US$3")
}
add_mount_try() { # add_mount_try BWRAP_OPTION SOURCE TARGET: only when SOURCE exists
  if [ -e "$2" ]; then add_mount "$@"; fi
}
fresh() { # fresh BWRAP_OPTION TARGET: tmpfs, proc or dev
  args+=("$1" "$2")
  mounts+=("${1#--}$US$US$2")
}

add_mount_try --ro-bind /nix/store /nix/store
for dir in /usr /bin /sbin /lib /lib32 /lib64 /libx32; do
  if [ -L "$dir" ] && [ "$dir" -ef "/usr$dir" ]; then # merged /usr
    target=usr$dir
    args+=(--symlink "$target" "$dir")
    mounts+=("symlink$US$target$US$dir")
  else
    add_mount_try --ro-bind "$dir" "$dir"
  fi
done
fresh --proc /proc
if [ "$EUID" = 0 ]; then
  # As root, the sandbox's user is the host's uid 0 (without capabilities),
  # and the kernel lets uid 0 write /proc/sys by file mode alone: a
  # core_pattern of "|/path" runs a program as root on the host. bwrap
  # covers these only where it can write their directory, which it cannot
  # here; they are made read-only (Docker's list of read-only /proc paths,
  # and the directories of its masked ones: scsi's file removes a host disk
  # on write, checked by file mode only).
  for dir in sys sysrq-trigger irq bus fs scsi acpi asound; do
    args+=(--ro-bind-try "/proc/$dir" "/proc/$dir")
    if [ "$audit" = 1 ] && [ -e "/proc/$dir" ]; then mounts+=("ro-bind$US/proc/$dir$US/proc/$dir"); fi
  done
  # Root-only files of the kernel's (0400: uid 0 reads them without any
  # capability) that give away kernel addresses and other processes'
  # timers: unreadable (the device bind fails to open) like Docker's
  # masked paths.
  # (Those this kernel has: bwrap cannot make a file in /proc.)
  for file in kcore timer_list timer_stats sched_debug latency_stats slabinfo vmallocinfo pagetypeinfo lock_stat kpageflags kpagecount kpagecgroup; do
    [ -e "/proc/$file" ] || continue
    args+=(--ro-bind /dev/null "/proc/$file")
    mounts+=("ro-bind$US/dev/null$US/proc/$file")
  done
fi
fresh --dev /dev
# /proc/keys and /proc/key-users name the user's keys (their contents are
# out of reach: the keyring calls are filtered, below): empty files instead.
args+=(--ro-bind-data 14 /proc/keys --ro-bind-data 15 /proc/key-users)
fds+=" 14 15"
mounts+=("ro-bind-data${US}(empty)$US/proc/keys" "ro-bind-data${US}(empty)$US/proc/key-users")
fresh --tmpfs /tmp
# /etc: only what name resolution, TLS, users and time need, and Claude
# Code's managed settings (/etc/claude-code: an administrator's policy
# applies inside too). No /run, /var or /etc/nix/netrc; nix.conf is copied
# without access-tokens (below).
# Not all of /etc/ssl: /etc/ssl/private holds TLS private keys.
for file in resolv.conf hosts nsswitch.conf host.conf gai.conf passwd group \
  localtime ssl/certs ssl/openssl.cnf ca-certificates pki/tls/certs \
  ld.so.cache alternatives claude-code; do
  # bwrap skips a missing source itself; only --audit looks (one stat each).
  args+=(--ro-bind-try "/etc/$file" "/etc/$file")
  if [ "$audit" = 1 ] && [ -e "/etc/$file" ]; then mounts+=("ro-bind$US/etc/$file$US/etc/$file"); fi
done
# A fresh home: the parent of the project and config mounts when they live
# under it, so it must come before them.
args+=(--perms 0700)
fresh --tmpfs "$home"
# By the descriptors opened where they were checked (see above).
args+=(--bind-fd 21 "$home/.claude" --bind-fd 20 "$project")
mounts+=("bind$US$config$US$home/.claude" "bind$US$project$US$project")
fds+=" 20 21"
args+=(${git_args[@]+"${git_args[@]}"})
mounts+=(${git_mounts[@]+"${git_mounts[@]}"})
fds+=$git_fds
# Files the host gives by their paths (tools outside the system's
# directories, SSL_CERT_FILE) are followed link by link, each step checked,
# and mounted by descriptors opened where checked: a sandbox that could
# write a link on the way (its project's, a project's of an earlier run)
# could point it at any file of the user's, and bwrap would mount that
# (an eleventh review read ~/.git-credentials through SSL_CERT_FILE so).
# (real_file, above, with WHAT and FIX.)
# open_dir DIR WHAT: fd, DIR (a physical path) opened, and checked so.
open_dir() {
  cd -P -- "$1" 2>/dev/null || die 1 "cannot enter $1, $2; check its permissions"
  { exec {fd}<.; } 2>/dev/null || die 1 "cannot open $1, $2; check its permissions"
  cd -P "/proc/self/fd/$fd" 2>/dev/null || die 1 "cannot enter $1, $2; check its permissions"
  canon "$PWD"
  [ "$canon" = "$1" ] || die 1 "$1, $2, changed while claudebox checked it; run claudebox again"
}
# open_file FILE WHAT: fd, FILE (a physical path, no link) opened, and
# checked to be that file.
open_file() {
  local dir
  open_dir "${1%/*}" "$2"
  dir=$fd
  { exec {fd}<"/proc/self/fd/$dir/${1##*/}"; } 2>/dev/null || die 1 "cannot open $1, $2; check its permissions"
  if [ -L "/proc/self/fd/$dir/${1##*/}" ] || [ ! "/proc/self/fd/$fd" -ef "/proc/self/fd/$dir/${1##*/}" ] || [ ! -f "/proc/self/fd/$fd" ]; then
    die 1 "$1, $2, changed while claudebox checked it (or is not a file); run claudebox again"
  fi
  exec {dir}<&-
}
for path in ${extra_binds[@]+"${extra_binds[@]}"}; do
  real_file "$path" "the tool $path" "install it elsewhere, or take it off PATH"
  if [ "$real" != "$path" ]; then
    covers_home "${real%/*}" && die 1 "refusing to mount ${real%/*} for $path: it contains your home directory"
    # Nor one that holds secrets: the host Claude's config, claudebox's
    # store, other programs' (~/.config, ~/.local, ...). A directory inside
    # one (~/.claude/local/..., where Claude Code installed itself) is fine.
    for dir in "${host_claude[@]}" "${stores[@]}" "${others[@]}"; do
      if holds "${real%/*}" "$dir"; then
        die 1 "refusing to mount ${real%/*} for $path (a link to $real): it holds $dir, where secrets are kept; install the tool elsewhere"
      fi
    done
    open_dir "${real%/*}" "where the tool $path is"
    args+=(--ro-bind-fd "$fd" "${real%/*}" --symlink "$real" "$path")
    mounts+=("ro-bind$US${real%/*}$US${real%/*}" "symlink$US$real$US$path")
  else
    open_file "$path" "the tool"
    args+=(--ro-bind-fd "$fd" "$path")
    mounts+=("ro-bind$US$path$US$path")
  fi
  fds+=" $fd"
done

# SSL_CERT_FILE: the host's bundle when set, else Debian's and NixOS's path.
cert=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
case "$cert" in /*) ;; *) cert=/etc/ssl/certs/ca-certificates.crt ;; esac # a relative one names nothing inside
if [ -f "$cert" ]; then
  envs+=("SSL_CERT_FILE=$cert")
  lexical "$cert"
  case "$lexical" in
  /etc/ssl/certs/* | /nix/store/*) ;;
  "$project"/*) ;; # (the project's own file: the sandbox sees it there)
  *)
    real_file "$cert" "SSL_CERT_FILE $cert" "point SSL_CERT_FILE at a bundle outside your projects"
    open_file "$real" "SSL_CERT_FILE"
    args+=(--ro-bind-fd "$fd" "$cert")
    mounts+=("ro-bind$US$real$US$cert")
    fds+=" $fd"
    ;;
  esac
fi

# nix.conf without access-tokens (nor extra-access-tokens, nor !include of a
# file that may hold them, nor comments, where an old token may sit). Read
# with its includes for the two settings that decide about the daemon's
# socket (below).
nixconf=""
nix_sandbox=true nix_trusted="root" nix_unread=""
# nix_settings FILE [DEPTH]: sandbox and trusted-users as FILE sets them
# (and the files it includes, as Nix reads them).
nix_settings() {
  local line key value dir=${1%/*} lines
  if [ ! -r "$1" ]; then
    if [ -e "$1" ] || [ "$1" = /etc/nix/nix.conf ]; then nix_unread=$1; fi
    return 0
  fi
  if [ "${2:-0}" -ge 8 ]; then # (Nix has no limit; a loop would be endless)
    nix_unread="$1 (included too deep)"
    return 0
  fi
  mapfile -t lines <"$1"
  for line in ${lines[@]+"${lines[@]}"}; do
    line=${line%%#*}
    line=${line//$'\r'/ } # (Nix splits on \r too)
    key=${line%%=*}
    key=${key//[[:space:]]/}
    value=${line#*=}
    value=${value#"${value%%[![:space:]]*}"}
    value=${value%"${value##*[![:space:]]}"}
    case "$key" in
    sandbox | build-use-sandbox | build-use-chroot) [ "$line" = "${line#*=}" ] || nix_sandbox=$value ;;
    trusted-users) [ "$line" = "${line#*=}" ] || nix_trusted=$value ;;
    extra-trusted-users) [ "$line" = "${line#*=}" ] || nix_trusted+=" $value" ;;
    include* | !include*)
      value=${line#*include}
      value=${value#"${value%%[![:space:]]*}"}
      value=${value%"${value##*[![:space:]]}"}
      case "$value" in /*) ;; ?*) value=$dir/$value ;; *) continue ;; esac
      lexical "$value" # as Nix's absPath: .. taken off by name
      nix_settings "$lexical" $((${2:-0} + 1))
      ;;
    esac
  done
}
if [ -r /etc/nix/nix.conf ]; then
  mapfile -t lines </etc/nix/nix.conf # one read(2), not one per line
  for line in ${lines[@]+"${lines[@]}"}; do
    # A comment, whole line or not (Nix cuts each line at its first #),
    # where an old token may sit: cut.
    line=${line%%#*}
    key=${line%%=*}
    key=${key//[[:space:]]/}
    case "$key" in
    "" | access-tokens | extra-access-tokens | include* | !include*) continue ;;
    esac
    nixconf+=$line$'\n'
  done
  args+=(--ro-bind-data 11 /etc/nix/nix.conf)
  fds+=" 11"
  mounts+=("ro-bind-data$US/etc/nix/nix.conf without access-tokens$US/etc/nix/nix.conf")
fi

# The Nix daemon's socket is the one host socket inside: Nix in the sandbox
# asks the daemon to build and fetch into /nix/store. No other socket path
# is mounted: a read-only bind does not stop connect(2).
# The daemon's builders run on the host, as nixbld users: in its sandbox
# (a chroot of the build's inputs, but the host's network for fixed-output
# builds) when nix.conf says sandbox = true (Nix's default on Linux), else
# on the host's file system, where a build the sandbox asks for reads every
# world-readable file (a 0644 ~/.npmrc), every process's command line, and
# writes the host's /tmp, and its log comes back (a seventh review did all
# three). A trusted user (trusted-users; root always is one) can turn the
# sandbox off for a build, and have one run as root (--option
# build-users-group ""). So the socket goes in by default only when the
# daemon's sandbox is on and the user is not trusted; --nix-daemon puts it
# in anyway. (Not seen from here: options on the daemon's command line, and
# sandbox-fallback, which builds without a sandbox where the kernel cannot
# make one.)
nix_socket=/nix/var/nix/daemon-socket/socket
nix_why="" nix_note=""
if [ "$nix_daemon" = auto ]; then
  nix_daemon=yes
  if [ "$EUID" = 0 ]; then
    nix_daemon=no
    nix_why="root is one of the daemon's trusted users"
  elif [ -S "$nix_socket" ]; then
    # The daemon reads /etc/nix/nix.conf, then (as any Nix program) its
    # user's: /etc/xdg/nix/nix.conf and root's ~/.config/nix/nix.conf,
    # where they can be seen.
    nix_settings /etc/nix/nix.conf
    for file in /etc/xdg/nix/nix.conf /root/.config/nix/nix.conf; do
      if [ -e "$file" ]; then nix_settings "$file"; fi
    done
    if [ -n "$nix_unread" ]; then
      nix_daemon=no
      nix_why="claudebox cannot read $nix_unread to see whether its builds run in its sandbox"
    elif [ "$nix_sandbox" != true ]; then
      nix_daemon=no
      nix_why="its builds run outside its sandbox (sandbox = $nix_sandbox in /etc/nix/nix.conf) and would read your files"
    else
      # trusted-users as Nix matches them (matchUser): *, the user's name,
      # and @GROUP when GROUP is the group of the connecting process or
      # lists the user as a member, through NSS as the daemon looks them up
      # (getent: LDAP, sssd; forks only for these rare entries).
      have_getent=0
      if command -v getent >/dev/null 2>&1; then have_getent=1; fi
      if [ -z "$user_name" ] && [ "$have_getent" = 1 ]; then
        IFS=: read -r user_name _ < <(getent passwd "$EUID" 2>/dev/null) || user_name=""
      fi
      set -o noglob
      for name in $nix_trusted; do
        case "$name" in
        '*') ;;
        @*)
          line=""
          if [ "$have_getent" = 1 ]; then
            line=$(getent group "${name#@}" 2>/dev/null) || line=""
          elif [ -r /etc/group ]; then
            mapfile -t lines </etc/group
            for line in ${lines[@]+"${lines[@]}"}; do
              [ "${line%%:*}" = "${name#@}" ] && break
              line=""
            done
          fi
          IFS=: read -r _ _ gid members <<<"$line" || :
          if [ -z "$line" ]; then continue; fi
          if [ "$gid" != "${GROUPS[0]}" ] && { [ -z "$user_name" ] || [[ ",$members," != *",$user_name,"* ]]; }; then continue; fi
          ;;
        *) if [ -z "$user_name" ] || [ "$name" != "$user_name" ]; then continue; fi ;;
        esac
        nix_daemon=no
        nix_why="you are one of its trusted users ($name in trusted-users), who can turn off the sandbox of a build"
        break
      done
      set +o noglob
    fi
    # (Said just before the sandbox starts: not before another error.)
    if [ "$nix_daemon" = no ]; then
      nix_note="claudebox: note: the Nix daemon's socket is left out, so Nix inside cannot build: $nix_why; pass --nix-daemon to put it in anyway, or --no-nix-daemon (or CLAUDEBOX_NIX_DAEMON=no) to skip this note"
    fi
  fi
fi
if [ "$nix_daemon" = yes ] && [ -S "$nix_socket" ]; then
  add_mount --bind "$nix_socket" "$nix_socket"
  envs+=(NIX_REMOTE=daemon)
elif [ -n "${NIX_REMOTE:-}" ]; then
  envs+=("NIX_REMOTE=$NIX_REMOTE")
fi

# Git identity: only user.name and user.email of the host's git config, so
# Claude can commit. The rest (credential helpers, URLs with tokens in
# insteadOf, includes) stays out.
# git_quote VALUE sets value to VALUE as a quoted git config value.
git_quote() {
  value=${1//\\/\\\\}
  value=${value//\"/\\\"}
  value=${value//$'\n'/\\n}
  value=${value//$'\t'/\\t}
  value=\"$value\"
}
gitconfig=""
if [ -n "$git_name$git_email" ]; then
  gitconfig="[user]"$'\n'
  if [ -n "$git_name" ]; then
    git_quote "$git_name"
    gitconfig+=$'\t'"name = $value"$'\n'
  fi
  if [ -n "$git_email" ]; then
    git_quote "$git_email"
    gitconfig+=$'\t'"email = $value"$'\n'
  fi
  args+=(--file 12 "$home/.gitconfig")
  fds+=" 12"
  mounts+=("file${US}user.name and user.email of the host's git config$US$home/.gitconfig")
fi

# --- seccomp: no terminal injection, kernel keyrings or setuid files ---------------
# A filter, not --new-session (which stops SIGWINCH reaching Claude's TUI):
# ioctl(fd, TIOCSTI or TIOCLINUX, ...) fails with EPERM, for the native ABI
# and the 32-bit compat ABI, whose ioctl numbers differ. So do add_key,
# request_key and keyctl, as in Docker's default profile: the sandbox would
# otherwise read and add keys in the caller's session keyring (Kerberos
# tickets, fscrypt and CIFS keys live there) and, with the same uid, in the
# user's keyring (found through /proc/keys). And chmod, fchmod, fchmodat
# and fchmodat2 with S_ISUID or S_ISGID in the mode, and open, openat,
# creat, mknod and mknodat making a file with them (systemd's
# RestrictSUIDSGID): the project and config are the host's files, and a
# setuid copy of a shell made there would run as the user (as root, if
# claudebox runs as root) for anyone on the host; a file made empty with
# the bits keeps them when host root later writes into it. openat2, whose
# mode is in a struct, fails with ENOSYS (callers fall back to openat). And
# io_uring's calls (as in Docker's default profile: a large kernel surface
# that nothing in the sandbox needs; libuv falls back to threads). The
# program is written out here as classic BPF (struct sock_filter,
# little-endian), so the package needs no compiler or helper file: one
# instruction a line, as byte literals (code, jt, jf, k) rather than
# computed at each start, and disassembled in the comment. They are
# generated, from a program with labels, by seccomp_test.go (`go test
# ./base-flake/claudebox -run TestSeccompSource -update`): do not edit them
# here. Offsets in struct seccomp_data: 0 syscall number, 4 arch, 16 + 8n
# argument n (its low 32 bits: what ioctl's request, flags and a mode use).
# A jump skips jt instructions when true, else jf; jge and jgt compare
# unsigned, jset tests bits.
bpf=""
case "${HOSTTYPE:-}" in
x86_64)
  bpf+='\x20\x00\x00\x00\x04\x00\x00\x00' #  0: ld  [4]                    arch
  bpf+='\x15\x00\x13\x00\x03\x00\x00\x40' #  1: jeq 0x40000003, 19, 0      AUDIT_ARCH_I386
  bpf+='\x15\x00\x00\x2f\x3e\x00\x00\xc0' #  2: jeq 0xc000003e, 0, 47      AUDIT_ARCH_X86_64, else allow
  bpf+='\x20\x00\x00\x00\x00\x00\x00\x00' #  3: ld  [0]                    syscall number
  bpf+='\x54\x00\x00\x00\xff\xff\xff\xbf' #  4: and 0xbfffffff             without the x32 bit
  bpf+='\x15\x00\x1f\x00\x10\x00\x00\x00' #  5: jeq 16, 31, 0              ioctl
  bpf+='\x15\x00\x1e\x00\x02\x02\x00\x00' #  6: jeq 514, 30, 0             ioctl
  bpf+='\x15\x00\x26\x00\x5a\x00\x00\x00' #  7: jeq 90, 38, 0              chmod
  bpf+='\x15\x00\x25\x00\x5b\x00\x00\x00' #  8: jeq 91, 37, 0              fchmod
  bpf+='\x15\x00\x26\x00\x0c\x01\x00\x00' #  9: jeq 268, 38, 0             fchmodat
  bpf+='\x15\x00\x25\x00\xc4\x01\x00\x00' # 10: jeq 452, 37, 0             fchmodat2
  bpf+='\x15\x00\x22\x00\x55\x00\x00\x00' # 11: jeq 85, 34, 0              creat
  bpf+='\x15\x00\x21\x00\x85\x00\x00\x00' # 12: jeq 133, 33, 0             mknod
  bpf+='\x15\x00\x22\x00\x03\x01\x00\x00' # 13: jeq 259, 34, 0             mknodat
  bpf+='\x15\x00\x19\x00\x02\x00\x00\x00' # 14: jeq 2, 25, 0               open
  bpf+='\x15\x00\x1a\x00\x01\x01\x00\x00' # 15: jeq 257, 26, 0             openat
  bpf+='\x15\x00\x23\x00\xb5\x01\x00\x00' # 16: jeq 437, 35, 0             openat2: ENOSYS (its mode is in a struct), as unknown calls
  bpf+='\x35\x00\x00\x01\xa9\x01\x00\x00' # 17: jge 425, 0, 1              io_uring_setup (425) ...
  bpf+='\x25\x00\x00\x20\xab\x01\x00\x00' # 18: jgt 427, 0, 32             ... io_uring_register (427): deny
  bpf+='\x35\x00\x00\x1e\xf8\x00\x00\x00' # 19: jge 248, 0, 30             add_key (248) ..., else allow
  bpf+='\x25\x00\x1d\x1e\xfa\x00\x00\x00' # 20: jgt 250, 29, 30            ... keyctl (250): deny
  bpf+='\x20\x00\x00\x00\x00\x00\x00\x00' # 21: ld  [0]                    i386: syscall number
  bpf+='\x15\x00\x0e\x00\x36\x00\x00\x00' # 22: jeq 54, 14, 0              ioctl
  bpf+='\x15\x00\x16\x00\x0f\x00\x00\x00' # 23: jeq 15, 22, 0              chmod
  bpf+='\x15\x00\x15\x00\x5e\x00\x00\x00' # 24: jeq 94, 21, 0              fchmod
  bpf+='\x15\x00\x16\x00\x32\x01\x00\x00' # 25: jeq 306, 22, 0             fchmodat
  bpf+='\x15\x00\x15\x00\xc4\x01\x00\x00' # 26: jeq 452, 21, 0             fchmodat2
  bpf+='\x15\x00\x12\x00\x08\x00\x00\x00' # 27: jeq 8, 18, 0               creat
  bpf+='\x15\x00\x11\x00\x0e\x00\x00\x00' # 28: jeq 14, 17, 0              mknod
  bpf+='\x15\x00\x12\x00\x29\x01\x00\x00' # 29: jeq 297, 18, 0             mknodat
  bpf+='\x15\x00\x09\x00\x05\x00\x00\x00' # 30: jeq 5, 9, 0                open
  bpf+='\x15\x00\x0a\x00\x27\x01\x00\x00' # 31: jeq 295, 10, 0             openat
  bpf+='\x15\x00\x13\x00\xb5\x01\x00\x00' # 32: jeq 437, 19, 0             openat2: ENOSYS (its mode is in a struct), as unknown calls
  bpf+='\x35\x00\x00\x01\xa9\x01\x00\x00' # 33: jge 425, 0, 1              io_uring_setup (425) ...
  bpf+='\x25\x00\x00\x10\xab\x01\x00\x00' # 34: jgt 427, 0, 16             ... io_uring_register (427): deny
  bpf+='\x35\x00\x00\x0e\x1e\x01\x00\x00' # 35: jge 286, 0, 14             add_key (286) ..., else allow
  bpf+='\x25\x00\x0d\x0e\x20\x01\x00\x00' # 36: jgt 288, 13, 14            ... keyctl (288): deny
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 37: ld  [24]                   ioctl's request (low 32 bits)
  bpf+='\x15\x00\x0c\x00\x12\x54\x00\x00' # 38: jeq 0x5412, 12, 0          TIOCSTI
  bpf+='\x15\x00\x0b\x0a\x1c\x54\x00\x00' # 39: jeq 0x541c, 11, 10         TIOCLINUX, else allow
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 40: ld  [24]                   open's flags, argument 1
  bpf+='\x45\x00\x06\x08\x40\x00\x40\x00' # 41: jset 0x400040, 6, 8        O_CREAT|__O_TMPFILE: the mode, else allow
  bpf+='\x20\x00\x00\x00\x20\x00\x00\x00' # 42: ld  [32]                   openat's flags, argument 2
  bpf+='\x45\x00\x00\x06\x40\x00\x40\x00' # 43: jset 0x400040, 0, 6        O_CREAT|__O_TMPFILE: the mode, else allow
  bpf+='\x20\x00\x00\x00\x28\x00\x00\x00' # 44: ld  [40]                   the mode, argument 3
  bpf+='\x45\x00\x05\x04\x00\x0c\x00\x00' # 45: jset 0xc00, 5, 4           S_ISUID|S_ISGID, else allow
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 46: ld  [24]                   the mode, argument 1
  bpf+='\x45\x00\x03\x02\x00\x0c\x00\x00' # 47: jset 0xc00, 3, 2           S_ISUID|S_ISGID, else allow
  bpf+='\x20\x00\x00\x00\x20\x00\x00\x00' # 48: ld  [32]                   the mode, argument 2
  bpf+='\x45\x00\x01\x00\x00\x0c\x00\x00' # 49: jset 0xc00, 1, 0           S_ISUID|S_ISGID, else allow
  bpf+='\x06\x00\x00\x00\x00\x00\xff\x7f' # 50: ret 0x7fff0000             SECCOMP_RET_ALLOW
  bpf+='\x06\x00\x00\x00\x01\x00\x05\x00' # 51: ret 0x50001                SECCOMP_RET_ERRNO | EPERM
  bpf+='\x06\x00\x00\x00\x26\x00\x05\x00' # 52: ret 0x50026                SECCOMP_RET_ERRNO | ENOSYS
  ;;
aarch64)
  bpf+='\x20\x00\x00\x00\x04\x00\x00\x00' #  0: ld  [4]                    arch
  bpf+='\x15\x00\x0d\x00\x28\x00\x00\x40' #  1: jeq 0x40000028, 13, 0      AUDIT_ARCH_ARM
  bpf+='\x15\x00\x00\x29\xb7\x00\x00\xc0' #  2: jeq 0xc00000b7, 0, 41      AUDIT_ARCH_AARCH64, else allow
  bpf+='\x20\x00\x00\x00\x00\x00\x00\x00' #  3: ld  [0]                    syscall number
  bpf+='\x15\x00\x1a\x00\x1d\x00\x00\x00' #  4: jeq 29, 26, 0              ioctl
  bpf+='\x15\x00\x22\x00\x34\x00\x00\x00' #  5: jeq 52, 34, 0              fchmod
  bpf+='\x15\x00\x23\x00\x35\x00\x00\x00' #  6: jeq 53, 35, 0              fchmodat
  bpf+='\x15\x00\x22\x00\xc4\x01\x00\x00' #  7: jeq 452, 34, 0             fchmodat2
  bpf+='\x15\x00\x21\x00\x21\x00\x00\x00' #  8: jeq 33, 33, 0              mknodat
  bpf+='\x15\x00\x1a\x00\x38\x00\x00\x00' #  9: jeq 56, 26, 0              openat
  bpf+='\x15\x00\x23\x00\xb5\x01\x00\x00' # 10: jeq 437, 35, 0             openat2: ENOSYS (its mode is in a struct), as unknown calls
  bpf+='\x35\x00\x00\x01\xa9\x01\x00\x00' # 11: jge 425, 0, 1              io_uring_setup (425) ...
  bpf+='\x25\x00\x00\x20\xab\x01\x00\x00' # 12: jgt 427, 0, 32             ... io_uring_register (427): deny
  bpf+='\x35\x00\x00\x1e\xd9\x00\x00\x00' # 13: jge 217, 0, 30             add_key (217) ..., else allow
  bpf+='\x25\x00\x1d\x1e\xdb\x00\x00\x00' # 14: jgt 219, 29, 30            ... keyctl (219): deny
  bpf+='\x20\x00\x00\x00\x00\x00\x00\x00' # 15: ld  [0]                    arm: syscall number
  bpf+='\x15\x00\x0e\x00\x36\x00\x00\x00' # 16: jeq 54, 14, 0              ioctl
  bpf+='\x15\x00\x16\x00\x0f\x00\x00\x00' # 17: jeq 15, 22, 0              chmod
  bpf+='\x15\x00\x15\x00\x5e\x00\x00\x00' # 18: jeq 94, 21, 0              fchmod
  bpf+='\x15\x00\x16\x00\x4d\x01\x00\x00' # 19: jeq 333, 22, 0             fchmodat
  bpf+='\x15\x00\x15\x00\xc4\x01\x00\x00' # 20: jeq 452, 21, 0             fchmodat2
  bpf+='\x15\x00\x12\x00\x08\x00\x00\x00' # 21: jeq 8, 18, 0               creat
  bpf+='\x15\x00\x11\x00\x0e\x00\x00\x00' # 22: jeq 14, 17, 0              mknod
  bpf+='\x15\x00\x12\x00\x44\x01\x00\x00' # 23: jeq 324, 18, 0             mknodat
  bpf+='\x15\x00\x09\x00\x05\x00\x00\x00' # 24: jeq 5, 9, 0                open
  bpf+='\x15\x00\x0a\x00\x42\x01\x00\x00' # 25: jeq 322, 10, 0             openat
  bpf+='\x15\x00\x13\x00\xb5\x01\x00\x00' # 26: jeq 437, 19, 0             openat2: ENOSYS (its mode is in a struct), as unknown calls
  bpf+='\x35\x00\x00\x01\xa9\x01\x00\x00' # 27: jge 425, 0, 1              io_uring_setup (425) ...
  bpf+='\x25\x00\x00\x10\xab\x01\x00\x00' # 28: jgt 427, 0, 16             ... io_uring_register (427): deny
  bpf+='\x35\x00\x00\x0e\x35\x01\x00\x00' # 29: jge 309, 0, 14             add_key (309) ..., else allow
  bpf+='\x25\x00\x0d\x0e\x37\x01\x00\x00' # 30: jgt 311, 13, 14            ... keyctl (311): deny
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 31: ld  [24]                   ioctl's request (low 32 bits)
  bpf+='\x15\x00\x0c\x00\x12\x54\x00\x00' # 32: jeq 0x5412, 12, 0          TIOCSTI
  bpf+='\x15\x00\x0b\x0a\x1c\x54\x00\x00' # 33: jeq 0x541c, 11, 10         TIOCLINUX, else allow
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 34: ld  [24]                   open's flags, argument 1
  bpf+='\x45\x00\x06\x08\x40\x00\x40\x00' # 35: jset 0x400040, 6, 8        O_CREAT|__O_TMPFILE: the mode, else allow
  bpf+='\x20\x00\x00\x00\x20\x00\x00\x00' # 36: ld  [32]                   openat's flags, argument 2
  bpf+='\x45\x00\x00\x06\x40\x00\x40\x00' # 37: jset 0x400040, 0, 6        O_CREAT|__O_TMPFILE: the mode, else allow
  bpf+='\x20\x00\x00\x00\x28\x00\x00\x00' # 38: ld  [40]                   the mode, argument 3
  bpf+='\x45\x00\x05\x04\x00\x0c\x00\x00' # 39: jset 0xc00, 5, 4           S_ISUID|S_ISGID, else allow
  bpf+='\x20\x00\x00\x00\x18\x00\x00\x00' # 40: ld  [24]                   the mode, argument 1
  bpf+='\x45\x00\x03\x02\x00\x0c\x00\x00' # 41: jset 0xc00, 3, 2           S_ISUID|S_ISGID, else allow
  bpf+='\x20\x00\x00\x00\x20\x00\x00\x00' # 42: ld  [32]                   the mode, argument 2
  bpf+='\x45\x00\x01\x00\x00\x0c\x00\x00' # 43: jset 0xc00, 1, 0           S_ISUID|S_ISGID, else allow
  bpf+='\x06\x00\x00\x00\x00\x00\xff\x7f' # 44: ret 0x7fff0000             SECCOMP_RET_ALLOW
  bpf+='\x06\x00\x00\x00\x01\x00\x05\x00' # 45: ret 0x50001                SECCOMP_RET_ERRNO | EPERM
  bpf+='\x06\x00\x00\x00\x26\x00\x05\x00' # 46: ret 0x50026                SECCOMP_RET_ERRNO | ENOSYS
  ;;
*) die 1 "no seccomp filter for ${HOSTTYPE:-this machine}, so TIOCSTI cannot be blocked; claudebox supports x86_64 and aarch64" ;;
esac
args+=(--seccomp 10)

args+=(--unshare-all --share-net --hostname claudebox --die-with-parent --cap-drop ALL --chdir "$chdir")
# Signals: the sandbox shares its caller's process group, and kill(0, ...)
# reaches every process in it, pid namespaces or not: a script, make or an
# editor's task that starts claudebox, and the other commands of its
# pipeline (a review stopped and killed them). With no terminal on stdin,
# stdout or stderr, the sandbox gets a session (and group) of its own
# (--new-session): nothing is lost, as there is no terminal to resize. On a
# terminal, it stays in the foreground group, where Claude's TUI gets
# SIGWINCH and Ctrl-C; a shell with job control (an interactive one) gives
# each command a group of its own, so only the rest of a pipeline shares it.
if [ ! -t 0 ] && [ ! -t 1 ] && [ ! -t 2 ]; then args+=(--new-session); fi
if [ "$EUID" = 0 ]; then
  # As root, a user namespace made inside (where the sandbox's uid 0 has
  # every capability over namespaces of its own) could mount a cgroup
  # hierarchy whose root-owned files the host's uid 0 may write: freeze or
  # limit the host's containers. Root's sandbox makes none (a plain user's
  # may: Claude Code's own bwrap sandbox needs them).
  args+=(--disable-userns)
  if [ "$net" = host ]; then args+=(--unshare-user --uid 0 --gid 0); fi
fi

# --- network -----------------------------------------------------------------------
# The host's network namespace would let the sandbox reach the host's
# loopback services, its abstract Unix sockets (they belong to a network
# namespace, not to the file system: X11's @/tmp/.X11-unix/X0, D-Bus,
# containerd) and the cloud metadata endpoint. So the sandbox gets a network
# namespace of its own, whose only way out is slirp4netns: a user-mode TCP/IP
# stack on the host side of a tap device, which makes each connection the
# sandbox opens with a socket of its own on the host, so the internet works
# as from the host. It runs with --disable-host-loopback (its gateway,
# 10.0.2.2, would otherwise lead to the host's 127.0.0.1), with a seccomp
# filter of its own. DNS goes to its forwarder, 10.0.2.3, which asks the
# host's resolvers, also one on the host's loopback (systemd-resolved).
# Blackhole routes take away the link-local range (169.254.0.0/16: AWS, GCP,
# Azure, OCI metadata and the ECS credentials endpoint), AWS's IPv6 metadata
# address, Alibaba's and Azure's WireServer (168.63.129.16), and the host's
# own addresses: slirp4netns connects
# from the host's side, so a host service bound to 0.0.0.0 (a database, a
# Docker daemon's TCP port) would otherwise be reachable at any of them.
#
# One such network serves every claudebox run of a project: a keeper
# process (net_keeper, below) makes it on the first run and keeps it while
# runs use it, then CLAUDEBOX_NET_IDLE seconds more (default 300); every
# run joins it with nsenter. Making it takes 40-50 ms (slirp4netns alone
# starts in 12-20 ms), joining it 3. The namespaces belong to the user
# namespace the keeper's `unshare` made, and the command runs in a user
# namespace of bwrap's below it, without capabilities, so it cannot change
# the routes back.
# The blackholed destinations, as `ip route` takes them. 127.0.0.0/8 too:
# the sandbox's own loopback goes by the local table, which comes first,
# but a socket bound to tap0 (SO_BINDTODEVICE, which needs no privilege)
# skips it and sent 127.0.0.1 out through slirp4netns, which passed it to
# the host's loopback as it is (--disable-host-loopback only stops 10.0.2.2
# standing for it; an eighth review reached the host's UDP and TCP
# services so).
net_blocked=(127.0.0.0/8 169.254.0.0/16 fd00:ec2::254/128 100.100.100.200/32 168.63.129.16/32)

# host_addrs sets host_blocked to each IPv4 address or range the host takes
# as its own (ADDR/32, or ADDR/N for an address on lo with a prefix or an
# AnyIP route), but loopback (the sandbox's own) and slirp4netns's
# 10.0.2.0/24 (its gateway and DNS). They are the kernel's LOCAL routes in
# /proc/net/fib_trie, read by bash in one go, with no process to start.
host_blocked=()
host_addrs() {
  local lines line last="" found=" " range
  host_blocked=()
  mapfile -t lines </proc/net/fib_trie 2>/dev/null || return 0
  for line in ${lines[@]+"${lines[@]}"}; do
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in
      "|-- "*) last=${line#"|-- "} ;;
      /[0-9]*" host LOCAL")
        case "$last" in 127.* | 10.0.2.* | "") continue ;; esac
        range=$last${line%% *}
        case "$found" in *" $range "*) continue ;; esac
        found+="$range "
        host_blocked+=("$range")
        ;;
    esac
  done
}
slirp_opts=(--configure --mtu=65520 --disable-host-loopback --enable-sandbox --enable-seccomp)
# As root, slirp4netns's own sandbox (--enable-sandbox) is made in the host's
# mount namespace, and unmounting its old root there also unmounts the host's
# shared mounts: podman's and Docker's network namespaces under /run/netns
# went missing while claudebox ran (seen here). Root gets slirp4netns without
# that sandbox, still with its seccomp filter.
if [ "$EUID" = 0 ]; then slirp_opts=(--configure --mtu=65520 --disable-host-loopback --enable-seccomp); fi

net_file=$net_dir/net$pkey

# start_of PID sets start to the start time of process PID (field 22 of
# /proc/PID/stat, after the command name, which may hold spaces and
# parentheses); with PID, it names one process for good. It fails for a
# process that has ended (a zombie: its namespaces are gone).
# (Split by word splitting, not `read <<<`: a here-string costs 0.3 ms.)
start=""
start_of() {
  local stat fields
  start=""
  read -r stat 2>/dev/null </proc/"$1"/stat || return 1
  # shellcheck disable=SC2206 # split on purpose: numbers and one letter
  fields=(${stat##*) })
  [ "${fields[0]:-Z}" != Z ] || return 1
  start=${fields[19]:-}
  [ -n "$start" ]
}

# net_find sets net_holder when the file names a live network of this
# project: the process holding its namespaces is still the one noted (its
# start time), so a reused PID is never joined. A keeper that retires
# removes the file first and keeps its network for runs that found it in
# the meantime (see net_keeper).
net_holder=""
net_find() {
  local content line path holder hstart
  net_holder=""
  [ -f "$net_file" ] || return 1
  # Only a note in the user's own directory is believed (/tmp/claudebox-UID
  # could have been made by someone else, to be joined to their network).
  [[ -O $net_dir && ! -L $net_dir ]] || die 1 "$not_yours"
  [[ -O $net_file ]] || die 1 "$net_file is not yours, and claudebox only joins networks noted by your own keepers; remove it"
  IFS= read -r -d '' content <"$net_file" || :
  line=${content%%$'\n'*}
  path=${content#*$'\n'}
  [ "$path" = "$project"$'\n' ] || return 1
  holder=${line%% *}
  hstart=${line#* }
  hstart=${hstart%% *}
  case "$holder" in "" | *[!0-9]*) return 1 ;; esac
  start_of "$holder" && [ "$start" = "$hstart" ] || return 1
  net_holder=$holder
}


# net_start starts a keeper and sets net_holder once its network is up, or
# stops claudebox with the keeper's reason: never a run without it.
net_start() {
  local status reply tool path lock
  rare_code
  hash -- "${keeper_tools[@]}" 2>/dev/null || :
  for tool in "${keeper_tools[@]}"; do
    path=${BASH_CMDS[$tool]-}
    case "$path" in /*) tool_path[$tool]=$path ;; esac
  done
  need_tools "${keeper_tools[@]}"
  if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
    die 1 "/dev/net/tun is missing or not readable and writable by you, and slirp4netns needs it for the sandbox's own network (distributions ship it with mode 0666); fix it (as root: chmod 0666 /dev/net/tun), $or_share"
  fi
  if [ ! -d "$net_dir" ]; then (umask 077 && mkdir -p -- "$net_dir") 2>/dev/null || :; fi
  [[ -d $net_dir && -O $net_dir && ! -L $net_dir ]] || die 1 "$not_yours"
  # One run at a time starts a keeper: first runs started together share
  # the network the first of them makes (the lock is on the open file, so
  # it lasts until this run closes it, once the network is noted).
  exec {lock}>>"$net_dir/.lock"
  "${tool_path[flock]}" -w 30 "$lock" ||
    die 1 "another claudebox held $net_dir/.lock for 30 s while starting a network; try again, or end it"
  if net_find; then # made by the run that held the lock
    exec {lock}>&-
    return
  fi
  exec 16<<<""
  [ -p /proc/self/fd/16 ] ||
    die 1 "the sandbox's own network needs bash 5.1 or newer (here-strings as pipes; this is bash $BASH_VERSION, or BASH_COMPAT is set); $or_share"
  read -r -u 16
  exec 18>/proc/self/fd/16
  # A process group of its own (job control on for this one start): what
  # is sent to the run's group (Ctrl-C, Ctrl-Z, `timeout`, `kill %1`) is
  # not for the keeper, whose network other runs may be using.
  set -m
  net_keeper 16<&- 19<&- 20<&- 21<&- &
  set +m
  exec 18>&-
  status="" reply=""
  # The keeper waits 10 s at most for each of its steps.
  read -r -t 30 -u 16 status reply || [ "$?" -le 128 ] || status=timeout
  exec 16<&- {lock}>&-
  case "$status" in
  ok) net_holder=$reply ;;
  error) die 1 "the sandbox's network could not be set up: $reply; $or_share" ;;
  timeout) die 1 "the sandbox's network was not set up within 30 s (its keeper goes on and ends by itself); $or_share" ;;
  *) die 1 "the sandbox's network could not be set up: its keeper ended without saying why; $or_share" ;;
  esac
}

net_pre=()
if [ "$net" = private ]; then
  # --unshare-user makes bwrap's own user namespace even for (namespaced)
  # root; --uid/--gid keep the user's ids inside (the keeper's namespace
  # maps them to 0).
  args+=(--unshare-user --uid "$EUID" --gid "${GROUPS[0]}")
  net_pre=("${tool_path[nsenter]:-nsenter}" --user=/proc/HOLDER/ns/user --net=/proc/HOLDER/ns/net --preserve-credentials)
fi
# The sandbox's resolv.conf: slirp4netns's DNS forwarder, and the host's
# search and options lines.
resolv=""
if [ "$net" = private ]; then
  resolv="nameserver 10.0.2.3"$'\n'
  if [ -r /etc/resolv.conf ]; then
    mapfile -t lines </etc/resolv.conf
    for line in ${lines[@]+"${lines[@]}"}; do
      case "$line" in nameserver*) ;; *) resolv+=$line$'\n' ;; esac
    done
  fi
  args+=(--ro-bind-data 17 /etc/resolv.conf)
  fds+=" 17"
  mounts+=("ro-bind-data${US}nameserver 10.0.2.3 (slirp4netns's DNS forwarder) and the host's search and options$US/etc/resolv.conf")
fi

# bwrap starts with an empty environment (`exec -c`) and sets the allowlist
# itself (--setenv): --clearenv would still leave the host environment
# readable at /proc/1/environ inside; this leaves nothing there. The
# --setenv pairs reach bwrap as NUL-separated arguments on fd 13 (--args),
# not on its command line, which every user of the host can read (ps):
# ANTHROPIC_API_KEY is among them.
setenv=()
# setenv_size sets setenv_bytes to the bytes the pairs take (LC_ALL=C: in
# a UTF-8 locale ${#e} counts characters).
setenv_size() {
  local LC_ALL=C e
  setenv_bytes=0
  for e in "${envs[@]}"; do setenv_bytes=$((setenv_bytes + ${#e} + 12)); done
}
for e in "${envs[@]}"; do setenv+=(--setenv "${e%%=*}" "${e#*=}"); done
setenv_size
# They go through a pipe written before bwrap reads it, so they must fit
# in what any pipe holds (4 kB when the user's pipes are over their soft
# limit); more goes through a process substitution (a fork) instead.
[ "$setenv_bytes" -lt 1000000 ] || die 1 "the environment for the sandbox is larger than 1 MB; pass fewer or smaller variables with --allow-env"
args=(--args 13 "${args[@]}")
fds+=" 13"

if [ "$audit" = 1 ]; then
  rare_code
  print_audit
  exit 0
fi

if [ "$net" = private ]; then
  # Last, so that little time passes between finding the network and
  # joining it.
  net_find || net_start
  # (nsenter's own message, were the network gone in the meantime, would
  # not say what to do.)
  [ -e "/proc/$net_holder/ns/net" ] ||
    die 1 "the sandbox's network ended as this run joined it (was its keeper stopped?); run claudebox again"
  net_pre[1]=--user=/proc/$net_holder/ns/user
  net_pre[2]=--net=/proc/$net_holder/ns/net
fi

if [ -n "$nix_note" ]; then printf '%s\n' "${nix_note//$'\n'/\\n}" >&2; fi
cd / # (bwrap keeps no host directory busy; inside, --chdir)

# The filter goes to bwrap through a pipe without a fork (a process
# substitution costs one): bash makes a small here-string a pipe, and the
# pipe reopened through /proc/self/fd takes the bytes, NULs included, after
# the here-string's newline is read off. Where bash gives a temporary file
# instead (bash < 5.1, BASH_COMPAT=50), or /proc is missing, a process
# substitution it is.
{
  # Only these descriptors go to bwrap (which passes on what it does not
  # read itself): whatever else the caller left open is closed here, above
  # all a directory's, which leads out of any mount namespace.
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    case "$fds " in *" $fd "*) ;; *) exec {fd}>&- ;; esac
  done
  if [ "$setenv_bytes" -lt 4000 ] && [ -p /proc/self/fd/10 ] && [ -p /proc/self/fd/13 ] && read -r -u 10 && read -r -u 13 &&
    read -r -u 14 && read -r -u 15 &&
    printf '%b' "$bpf" >/proc/self/fd/10 && printf '%s\0' "${setenv[@]}" >/proc/self/fd/13; then
    exec -c ${net_pre[@]+"${net_pre[@]}"} "$bwrap_bin" "${args[@]}" -- "${cmd[@]}"
  else
    exec -c ${net_pre[@]+"${net_pre[@]}"} "$bwrap_bin" "${args[@]}" -- "${cmd[@]}" 10< <(printf '%b' "$bpf") 13< <(printf '%s\0' "${setenv[@]}")
  fi
} 10<<<"" 11<<<"$nixconf" 12<<<"$gitconfig" 13<<<"" 14<<<"" 15<<<"" 17<<<"$resolv"

# --- rare paths (see rare_code) ---
usage() {
  cat <<'EOF'
Usage: claudebox [OPTIONS] [CLAUDE ARGS...]
       claudebox [OPTIONS] -- COMMAND [ARGS...]

Runs Claude Code (or COMMAND) in a bubblewrap sandbox that sees the project
directory (read-write), a Claude config directory of claudebox's own for the
project (read-write, as ~/.claude), the Nix store and a few /etc files
(read-only), and nothing else of your home directory, environment, socket
files (but the Nix daemon's) or processes. It gets a network of its own
(slirp4netns): the internet, but not the host's localhost services,
abstract sockets or the cloud metadata address. Options for Claude itself
go after --, as in the second example.

Options:
  --project DIR     the project to mount read-write (default: the top of the
                    git work tree the current directory is in, else the
                    current directory; --project . for just the current
                    one); the sandbox starts in the current directory when
                    it is inside DIR, else in DIR
  --allow-env NAME  pass the host variable NAME into the sandbox as well
                    (repeatable); everything else is dropped
  --share-host-net  share the host's network instead: the sandbox can then
                    reach services on the host's localhost, its abstract Unix
                    sockets (X11, D-Bus) and 169.254.169.254 (cloud metadata)
  --no-nix-daemon   leave out the Nix daemon's socket: Nix inside cannot
                    build or fetch, and nothing reaches the daemon's builders,
                    which run in the host's network (fixed-output ones
                    always, every one when the daemon's sandbox is off)
  --nix-daemon      put the socket in even when it is left out by default:
                    for root, and for a user the daemon trusts (a trusted
                    client can turn off a build's sandbox, or run it as
                    root), and when nix.conf has sandbox other than true
                    (builds then run on the host's file system: they can
                    read your world-readable files and every process's
                    command line, and their logs come back)
  --audit           print, as JSON, the command, environment, mounts,
                    network and filters the sandbox would get, and exit
                    without running
  -h, --help        show this help

Examples:
  claudebox                         # Claude Code on the current directory
  claudebox -- claude --resume      # Claude with its own options
  claudebox --project ~/src/app -- bash    # a shell in the same sandbox
  claudebox --allow-env AWS_PROFILE -- env # one more variable, explicitly
  claudebox --audit | jq .env       # what the sandbox would see

Claude's config for a project is kept in
${XDG_DATA_HOME:-~/.local/share}/claudebox/projects/, never in your own
~/.claude (Claude on the host runs the hooks written there): log in once per
project, or export CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) or
ANTHROPIC_API_KEY. CLAUDEBOX_CONFIG_DIR=DIR uses one config directory for
every project instead (a project's sandbox can then plant hooks that run in
the others').

The sandbox's network is shared by the runs of one project and kept
CLAUDEBOX_NET_IDLE seconds (default 300) after the last one ends, so that
the next starts at once; CLAUDEBOX_NET_IDLE=0 ends it with the last run.

Exit status: the command's own status; 2 for a usage error; 1 when claudebox
cannot start the sandbox or its network (the message says why).
EOF
}

# print_audit prints, as JSON, what the sandbox would get (--audit).
print_audit() {
  if [ "$net" = private ]; then
    host_addrs
    if net_find; then net_pre=("${net_pre[@]//HOLDER/$net_holder}"); fi
  fi
  command -v jq >/dev/null 2>&1 || die 1 "--audit needs jq; install jq or use the claudebox Nix package"
  # One string per item, separated by \x1e, on stdin: jq 1.6 has no --args
  # that stops option parsing.
  RS=$'\x1e'
  printf "%s$RS" "${envs[@]}" "${mounts[@]}" "${cmd[@]}" ${net_pre[@]+"${net_pre[@]}"} "${bwrap_bin:-bwrap}" "${args[@]}" -- "${cmd[@]}" |
  jq -Rs --arg us "$US" --arg rs "$RS" --arg project "$project" --arg chdir "$chdir" --arg config "$config" \
    --arg nix_daemon "$nix_daemon" --arg nix_why "$nix_why" --arg nix_socket "$nix_socket" \
    --arg bpf "$bpf" --arg arch "$HOSTTYPE" --argjson n_env "${#envs[@]}" \
    --argjson n_pre "$((${#net_pre[@]}))" --arg net "$net" --arg blocked "${net_blocked[*]}" --arg slirp "${slirp_opts[*]}" \
    --arg hosts "${host_blocked[*]}" --arg holder "$net_holder" --arg state "$net_file" --argjson idle "$net_idle" \
    --argjson n_mounts "${#mounts[@]}" --argjson n_cmd "${#cmd[@]}" '
    (rtrimstr($rs) | split($rs)) as $a
    | {
        command: $a[$n_env + $n_mounts:$n_env + $n_mounts + $n_cmd],
        project: $project,
        chdir: $chdir,
        claude_config: $config,
        nix_daemon: {socket: $nix_socket, mounted: ([$a[$n_env:$n_env + $n_mounts][] | split($us) | .[2]] | index($nix_socket) != null),
                     left_out_because: (if $nix_why == "" then null else $nix_why end)},
        env: ($a[:$n_env] | map(index("=") as $i | {key: .[:$i], value: .[$i + 1:]}
                 # Only values known to be harmless are shown: audits get pasted
                 # into reports, and ANTHROPIC_*, CLAUDE_* and --allow-env
                 # variables may hold credentials (keys, tokens, headers, URLs).
                 | if (.key | test("^(HOME|PATH|SHELL|CLAUDE_CONFIG_DIR|CLAUDEBOX|NIX_REMOTE|SSL_CERT_FILE|USER|TERM|COLORTERM|TERM_PROGRAM|TERM_PROGRAM_VERSION|LANG|LANGUAGE|TZ|LC_[A-Z_]+|ANTHROPIC_MODEL|ANTHROPIC_SMALL_FAST_MODEL|CLAUDE_CODE_USE_BEDROCK|CLAUDE_CODE_USE_VERTEX|CLAUDE_CODE_MAX_OUTPUT_TOKENS|DISABLE_[A-Z_]+)$") | not) and .value != ""
                   then .value = "(set, \(.value | length) characters, not shown)" else . end) | from_entries),
        mounts: ($a[$n_env:$n_env + $n_mounts] | map(split($us) | {type: .[0], source: .[1], target: .[2]}
                 | if .source == "" then del(.source) else . end)),
        namespaces: (if $net == "private"
                     then {unshare: ["user", "ipc", "pid", "uts", "cgroup", "mount"], joined: ["net"], shared: []}
                     else {unshare: ["user", "ipc", "pid", "uts", "cgroup", "mount"], shared: ["net"]} end),
        network: (if $net == "private"
                  then {mode: "private", via: "slirp4netns", host_loopback: false, host_abstract_sockets: false,
                        blackholed: (($blocked | split(" ")) + ($hosts | split(" ") | map(select(. != "")))),
                        slirp4netns: ($slirp | split(" ")),
                        shared_by: "the claudebox runs of this project",
                        keeper: {state: $state, idle_seconds: $idle,
                                 holder_pid: (if $holder == "" then null else ($holder | tonumber) end)}}
                  else {mode: "host", host_loopback: true, host_abstract_sockets: true, blackholed: []} end),
        die_with_parent: true,
        capabilities: [],
        seccomp: {arch: $arch, blocked_ioctls: ["TIOCSTI", "TIOCLINUX"], errno: "EPERM",
                  blocked_calls: ["add_key", "request_key", "keyctl", "io_uring_setup", "io_uring_enter", "io_uring_register"],
                  no_setuid_setgid_mode: ["chmod", "fchmod", "fchmodat", "fchmodat2", "open", "openat", "creat", "mknod", "mknodat"],
                  enosys: ["openat2"],
                  bpf: ($bpf | gsub("\\\\x"; ""))},
        exec: $a[$n_env + $n_mounts + $n_cmd:],
        bwrap: $a[$n_env + $n_mounts + $n_cmd + $n_pre:]
      }'
}

# net_keeper runs in the background, detached from the terminal: it makes
# the network, says "ok HOLDER" (or "error MESSAGE") on fd 18, then keeps it
# while any process is in it, and CLAUDEBOX_NET_IDLE seconds more. The
# namespaces are held by `cat` under `unshare`, reading a pipe only the
# keeper writes to: if the keeper ends in any way, cat reads end of file and
# exits, and slirp4netns, whose --exit-fd is another such pipe, exits too.
net_keeper() {
  # Its state is global, not local: when errexit ends a function, bash drops
  # its locals before the EXIT trap runs, and keeper_end needs them.
  keeper_holder="" keeper_slirp="" keeper_err=$net_dir/.err.$BASHPID
  local hstart line routes routes_pid ready members p retired_at=0 tick=5 routed me=$BASHPID
  trap '' INT HUP QUIT PIPE TSTP TTIN TTOU # not the terminal's, nor its job's
  trap 'exit 143' TERM                     # through the EXIT trap
  # However it ends: slirp4netns stopped, the note removed if still its own.
  # shellcheck disable=SC2317 # run by the EXIT trap
  keeper_end() {
    set +o errexit
    [ -z "$keeper_slirp" ] || kill "$keeper_slirp" 2>/dev/null
    rm -f -- "$keeper_err" "$keeper_err.routes" "$keeper_err.slirp"
    if [ -n "$keeper_holder" ] && net_find && [ "$net_holder" = "$keeper_holder" ]; then rm -f -- "$net_file"; fi
  }
  trap keeper_end EXIT
  unset envs args mounts # nothing secret, but none of the keeper's business
  cd /                   # keeps no project directory busy
  umask 077
  # The tools' messages, for keeper_fail (removed when the keeper ends).
  exec </dev/null >/dev/null 2>"$keeper_err"
  for p in /proc/self/fd/*; do # what the caller left open, but ours
    p=${p##*/}
    case "$p" in 0 | 1 | 2 | 18 | 255) ;; *) exec {p}>&- ;; esac
  done
  keeper_fail() { # keeper_fail MESSAGE [FILE]: FILE's first line is why
    local why="" file=${2:-$keeper_err}
    [ ! -s "$file" ] || read -r why <"$file" || :
    printf 'error %s%s\n' "$1" "${why:+ ($why)}" >&18
    exit 1
  }
  coproc HOLDER { exec -c "${tool_path[unshare]}" --user --map-root-user --net -- "${tool_path[cat]}"; }
  keeper_holder=$HOLDER_PID
  exec 22<&"${HOLDER[0]}" 23>&"${HOLDER[1]}" # ours, even once bash drops the coproc's
  printf 'x\n' >&23 || keeper_fail "unshare could not make the network's namespaces"
  # cat echoes the line once it runs, so once unshare made the namespaces.
  read -r -t 10 -u 22 line || keeper_fail "unshare could not make the network's namespaces"
  start_of "$keeper_holder" || keeper_fail "the process holding the network's namespaces ended"
  hstart=$start
  host_addrs
  routed="${host_blocked[*]}"
  printf -v routes 'route replace blackhole %s\n' "${net_blocked[@]}" ${host_blocked[@]+"${host_blocked[@]}"}
  # The routes go in while slirp4netns starts; both are done before
  # anything joins. Tools start with an empty environment (exec -c).
  (exec -c "${tool_path[nsenter]}" --target "$keeper_holder" --user --net --preserve-credentials \
    "${tool_path[ip]}" -batch -) <<<"$routes" 2>"$keeper_err.routes" &
  routes_pid=$!
  # slirp4netns's --exit-fd: the read end of a pipe (a here-string's,
  # emptied) whose only write end the keeper keeps, on fd 21.
  exec 20<<<""
  read -r -u 20
  exec 21>/proc/self/fd/20
  slirp_start() {
    # It writes 1 to its --ready-fd once tap0 is configured. The write end
    # is opened before it is forked: opened in the child, the read here
    # could come first, find no writer, and take that for a failed start.
    exec 16<<<""
    read -r -u 16
    exec 19>/proc/self/fd/16
    (exec -c "${tool_path[slirp4netns]}" "${slirp_opts[@]}" --userns-path "/proc/$keeper_holder/ns/user" \
      --ready-fd 19 --exit-fd 20 "$keeper_holder" tap0 16<&- 21>&- 22<&- 23>&- 2>"$keeper_err.slirp") &
    keeper_slirp=$!
    exec 19>&-
    ready=""
    read -r -n 1 -t 10 -u 16 ready || :
    exec 16<&-
    [ "$ready" = 1 ]
  }
  slirp_start || keeper_fail "slirp4netns could not connect the network namespace (run claudebox --audit for its options, and slirp4netns by hand to see why)" "$keeper_err.slirp"
  wait "$routes_pid" || keeper_fail "could not add the blackhole routes for ${net_blocked[*]} in the network namespace" "$keeper_err.routes"
  # One write of a few bytes: a reader sees all of it or, if it reads too
  # early, a note that fails its checks (and starts a network of its own).
  printf '%s %s %s\n%s\n' "$keeper_holder" "$hstart" "$me" "$project" >"$net_file" || keeper_fail "could not write $net_file"
  # If the run that started it is gone (it waits 30 s), this fails and the
  # keeper ends, removing the note.
  printf 'ok %s\n' "$keeper_holder" >&18
  exec 18>&-
  if [ "$net_idle" -lt 10 ]; then tick=1; fi
  idle_since=$SECONDS
  while :; do
    # The pause: cat writes nothing unless written to; end of file means
    # it is gone, and the network with it.
    if read -r -t "$tick" -u 22 line; then :; elif [ "$?" -le 128 ]; then break; fi
    # A slirp4netns that died is started again (tap0 went with it).
    kill -0 "$keeper_slirp" 2>/dev/null || slirp_start || break
    # Addresses the host gained since are blackholed too.
    host_addrs
    if [ "${host_blocked[*]}" != "$routed" ] && [ "${#host_blocked[@]}" -gt 0 ]; then
      printf -v routes 'route replace blackhole %s\n' "${host_blocked[@]}"
      (exec -c "${tool_path[nsenter]}" --target "$keeper_holder" --user --net --preserve-credentials \
        "${tool_path[ip]}" -batch -) <<<"$routes" || break
      routed="${host_blocked[*]}"
    fi
    members=0
    for p in /proc/[0-9]*; do
      if [ "$p" != "/proc/$keeper_holder" ] && [ "$p/ns/net" -ef "/proc/$keeper_holder/ns/net" ]; then
        members=1
        break
      fi
    done
    if [ "$members" = 1 ]; then
      idle_since=$SECONDS
    elif [ "$retired_at" -gt 0 ]; then
      [ "$((SECONDS - retired_at))" -lt 2 ] || break
    elif [ "$((SECONDS - idle_since))" -ge "$net_idle" ] || [ ! -d "$project" ]; then
      # Retire (idle, or the project is gone): runs from now on start a
      # network of their own; one that read the file just before finds
      # this one still there (at least 1 s more, and as long as it is in
      # use).
      if net_find && [ "$net_holder" = "$keeper_holder" ]; then rm -f -- "$net_file"; fi
      retired_at=$SECONDS
      tick=1
    fi
  done
  exit 0
}
