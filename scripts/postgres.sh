#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and local runs of the audit store's postgres backend.
#
#   scripts/postgres.sh install             ensure the server binaries (apt-get install postgresql when missing
#                                           and run as root); prints their directory
#   scripts/postgres.sh bindir              prints the binaries' directory; exit 3 when there are none
#   scripts/postgres.sh start [--dir DIR] [--port PORT]
#                                           initdb a fresh cluster in DIR (default: a new temp dir), start it on
#                                           127.0.0.1:PORT (default: a free port), print its URL on stdout:
#                                           postgresql://postgres@127.0.0.1:PORT/postgres (trust auth, local only)
#   scripts/postgres.sh stop DIR            stop the cluster in DIR and remove DIR
#   scripts/postgres.sh pause DIR           stop the server (pg_ctl stop -m fast), keep DIR and its data
#   scripts/postgres.sh resume DIR          start the paused server again: same data, same port, same URL
#
# Binaries: $POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/*/bin (Debian), else initdb on PATH.
# initdb and postgres refuse to run as root: as root, the cluster runs as the `postgres` user (created by the
# Debian package), else as `nobody`. Durability is off (fsync=off): the data is thrown away.
# Diagnostics go to stderr; stdout carries only the result (a directory or a URL).
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  if [[ -n "${POSTGRES_BIN_DIR:-}" ]]; then
    [[ -x "$POSTGRES_BIN_DIR/initdb" && -x "$POSTGRES_BIN_DIR/postgres" ]] || {
      log "POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR has no initdb/postgres"
      return 1
    }
    echo "$POSTGRES_BIN_DIR"
    return 0
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r); do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  done
  local initdb
  if initdb="$(command -v initdb 2>/dev/null)"; then
    dir="$(dirname "$(readlink -f "$initdb")")"
    if [[ -x "$dir/postgres" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  fi
  return 1
}

install() {
  local dir
  if dir="$(find_bindir)"; then
    log "server binaries present: $dir ($("$dir/postgres" --version))"
    echo "$dir"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    log "no PostgreSQL server binaries, and cannot install them here (needs root and apt-get):"
    log "  install the 'postgresql' package, or set POSTGRES_BIN_DIR to a directory with initdb, pg_ctl, postgres"
    return 1
  fi
  log "installing PostgreSQL server (apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  dir="$(find_bindir)" || {
    log "apt-get installed postgresql but no server binaries were found"
    return 1
  }
  log "installed: $dir ($("$dir/postgres" --version))"
  echo "$dir"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});"
}

# Runs a command as the cluster's owner (root cannot run initdb/postgres).
as_owner() {
  if [[ "$(id -u)" != 0 ]]; then
    "$@"
  elif command -v runuser >/dev/null; then
    runuser -u "$OWNER" -- "$@"
  else
    su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")"
  fi
}

start() {
  local dir="" port=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) dir="$2"; shift 2 ;;
      --port) port="$2"; shift 2 ;;
      *) log "unknown option $1"; return 2 ;;
    esac
  done
  local bindir
  bindir="$(find_bindir)" || {
    log "no PostgreSQL server binaries: run 'scripts/postgres.sh install' (as root) first"
    return 3
  }
  [[ -n "$dir" ]] || dir="$(mktemp -d -t switchover-pg-XXXXXX)"
  mkdir -p "$dir"
  [[ -n "$port" ]] || port="$(free_port)"

  OWNER="$(id -un)"
  if [[ "$(id -u)" == 0 ]]; then
    if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
    chown "$OWNER" "$dir"
    # Every directory above DIR must be traversable by the owner.
    local parent="$dir"
    while parent="$(dirname "$parent")" && [[ "$parent" != / ]]; do
      if ! as_owner test -x "$parent" 2>/dev/null; then
        log "$OWNER cannot reach $dir (no search permission on $parent): choose a --dir under /tmp"
        return 1
      fi
    done
  fi

  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || {
    log "initdb failed:"
    tail -n 20 "$dir/initdb.log" >&2
    return 1
  }
  echo "$port" >"$dir/port"
  launch "$bindir" "$dir" "$port"
}

# Starts the server of the cluster in DIR on PORT and prints its URL (OWNER set).
launch() {
  local bindir="$1" dir="$2" port="$3"
  local logfile="$dir/server.log"
  # Sockets in DIR (not /var/run/postgresql, which may not exist or not be writable); TCP on loopback only.
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >"$dir/pg_ctl.log" 2>&1; then
    log "the server did not start:"
    tail -n 20 "$logfile" >&2 2>/dev/null || tail -n 20 "$dir/pg_ctl.log" >&2
    return 1
  fi
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running in $dir on 127.0.0.1:$port (stop: scripts/postgres.sh stop $dir)"
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

# A fast shutdown: sessions are cut, committed work is checkpointed (so synchronous_commit=off loses nothing).
pause() {
  local dir="${1:?usage: scripts/postgres.sh pause DIR}"
  local bindir
  bindir="$(find_bindir)" || return 3
  [[ -f "$dir/data/postmaster.pid" ]] || {
    log "no server running in $dir"
    return 1
  }
  OWNER="$(stat -c %U "$dir/data")"
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
}

resume() {
  local dir="${1:?usage: scripts/postgres.sh resume DIR}"
  local bindir
  bindir="$(find_bindir)" || return 3
  [[ -d "$dir/data" && -f "$dir/port" ]] || {
    log "no cluster made by 'scripts/postgres.sh start' in $dir"
    return 1
  }
  OWNER="$(stat -c %U "$dir/data")"
  launch "$bindir" "$dir" "$(cat "$dir/port")"
}

stop() {
  local dir="${1:?usage: scripts/postgres.sh stop DIR}"
  local bindir
  bindir="$(find_bindir)" || return 3
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    OWNER="$(stat -c %U "$dir/data")"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 || log "pg_ctl stop failed"
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  install) install ;;
  bindir) find_bindir || exit 3 ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  pause) shift; pause "$@" ;;
  resume) shift; resume "$@" ;;
  *)
    sed -n '2,18p' "$0" >&2
    exit 2
    ;;
esac
