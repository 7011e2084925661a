# shellcheck shell=bash
# scripts/_lib.sh: what the scripts share; sourced (`. scripts/_lib.sh`) from the repo root after `set -euo pipefail`.
#
#   apt_install PKG...       install Debian packages (sudo when not root); nothing when called with none
#   find_java                print the first Java 11 or 17 found (its bin/java); exit 1 when none fits
#   java_apt_needs           print openjdk-17-jre-headless when no Java fits, nothing otherwise
#   python_apt_needs         print the Debian packages missing for python3 -m venv
#   ensure_venv              .venv with requirements-test.lock (the service and its [test] extra), see pip_install
#   pip_install NAME LOCK    scripts/install-locked .venv/bin/python LOCK --editable (hash-checked), unless
#                            .venv/.NAME-<hash> says it is done
#   ensure_local_node        start the local Cassandra and wait for it, unless Astra / contact points are configured

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "scripts/_lib.sh is sourced by the other scripts, not run" >&2
  exit 2
fi

apt_install() {
  (($#)) || return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "scripts/${0##*/}: not root and no sudo: install $* yourself" >&2; return 1; }
    sudo=(sudo)
  fi
  echo "==> Installing Debian packages: $*"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# The one Java rule, for scripts/setup and scripts/cassandra alike: Cassandra 5.0 runs on Java 11 or 17.
# JAVA_HOME first (the user's choice, if it fits), then Debian's 17, then 11, then whatever `java` is on PATH.
find_java() {
  local java v
  for java in "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/java-17-openjdk-*/bin/java \
              /usr/lib/jvm/java-11-openjdk-*/bin/java "$(command -v java || true)"; do
    [[ -n "$java" && -x "$java" ]] || continue
    v=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [[ "$v" == 17 || "$v" == 11 ]]; then echo "$java"; return 0; fi
  done
  return 1
}

java_apt_needs() { find_java >/dev/null || echo openjdk-17-jre-headless; }

python_apt_needs() {
  command -v python3 >/dev/null || { echo python3 python3-venv; return; }
  python3 -c 'import venv, ensurepip' 2>/dev/null || echo python3-venv
}

# NAME names the stamp; LOCK is one of the hash-checked locks (scripts/lock writes them). The stamp's hash covers
# everything the install depends on: pyproject.toml, the lock, scripts/install-locked, the venv's Python and the
# repo's path (an editable install points at it).
pip_install() {
  local name=$1 lock=$2 hash stamp
  hash=$({
    cat pyproject.toml "$lock" scripts/install-locked
    echo "lock=$lock root=$PWD"
    .venv/bin/python -c 'import sys; print(sys.version)'
  } | sha256sum | cut -c1-16)
  stamp=.venv/.$name-$hash
  [[ -f "$stamp" ]] && return 0
  echo "==> Installing Python packages into .venv: $lock (hash-checked), then the project (editable)"
  scripts/install-locked .venv/bin/python "$lock" --editable
  rm -f .venv/."$name"-*
  touch "$stamp"
}

ensure_venv() {
  # shellcheck disable=SC2046  # one word per package
  apt_install $(python_apt_needs)
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "scripts/${0##*/}: Python 3.11+ is needed" >&2
    return 1
  fi
  if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c '' 2>/dev/null; then
    echo "==> Creating .venv"
    rm -rf .venv
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  pip_install installed requirements-test.lock
}

ensure_local_node() {
  if scripts/local-cassandra-needed; then
    scripts/cassandra start
    scripts/cassandra wait
  else
    echo "==> Using the configured Cassandra / Astra DB (the local node is left alone)"
  fi
}
