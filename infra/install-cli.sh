#!/usr/bin/env bash
# Puts the rgrid command on the user's PATH: a symlink PREFIX/bin/rgrid -> <this clone>/rgrid.
# The launcher follows the symlink back to the clone, so a `git pull` + rebuild updates the command.
#
#   infra/install-cli.sh                     ~/.local/bin/rgrid (no root needed)
#   infra/install-cli.sh --prefix /usr/local /usr/local/bin/rgrid (run with sudo)
#   infra/install-cli.sh --uninstall [--prefix DIR]
#
# Idempotent: running it again changes nothing. An existing PREFIX/bin/rgrid that is not a link to
# this clone is left alone unless --force is given.
set -euo pipefail

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  printf 'install-cli: %s\n' "$1" >&2
  exit "${2:-1}"
}

prefix="${HOME:?HOME is not set}/.local"
force=false
uninstall=false
while (($# > 0)); do
  case $1 in
    --prefix)
      (($# >= 2)) || die "--prefix needs a directory" 2
      prefix=$2
      shift 2
      ;;
    --prefix=*)
      prefix=${1#--prefix=}
      shift
      ;;
    --force)
      force=true
      shift
      ;;
    --uninstall)
      uninstall=true
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      die "unknown argument '$1' (see --help)" 2
      ;;
  esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
launcher="$repo/rgrid"
[[ -x $launcher ]] || die "$launcher is missing or not executable; run this script from an RGrid clone"

bin_dir="$prefix/bin"
target="$bin_dir/rgrid"

if $uninstall; then
  if [[ -L $target && $(readlink "$target") == "$launcher" ]]; then
    rm -f "$target"
    echo "Removed $target"
  elif [[ -e $target || -L $target ]]; then
    die "$target is not a link to $launcher; left it alone"
  else
    echo "Nothing to remove: $target does not exist"
  fi
  exit 0
fi

if [[ -L $target && $(readlink "$target") == "$launcher" ]]; then
  echo "Already installed: $target -> $launcher"
else
  if [[ -e $target || -L $target ]] && ! $force; then
    die "$target already exists and is not a link to $launcher; remove it or run again with --force"
  fi
  mkdir -p "$bin_dir" || die "cannot create $bin_dir (for /usr/local, run with sudo)"
  ln -sfn "$launcher" "$target" || die "cannot write $target (for /usr/local, run with sudo)"
  echo "Installed $target -> $launcher"
fi

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *)
    echo "Note: $bin_dir is not on your PATH. Add it, e.g. to ~/.bashrc:"
    echo "  export PATH=\"$bin_dir:\$PATH\""
    ;;
esac
if [[ ! -f $repo/cli/target/rgrid-cli.jar ]]; then
  echo "The first rgrid command builds RGrid (a few minutes); or build now: (cd $repo && ./mvnw -q install -DskipTests)"
fi
echo "Tab completion: add to ~/.bashrc:  source <(rgrid completion bash)"
