#!/usr/bin/env bash
# A throw-away PostgreSQL server for the storage contract tests, on loopback only.
#   scripts/test_postgres.sh start   # prints the SQLAlchemy URL
#   scripts/test_postgres.sh stop
# Uses Debian's postgresql package (installed here if missing). The data directory lives in
# /tmp and is deleted on stop; fsync is off because nothing in it needs to survive.
set -euo pipefail
action=${1:?usage: test_postgres.sh start|stop}
dir=${PG_TEST_DIR:-/tmp/visitor-desk-pg}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
  echo "installing Debian's postgresql for the contract tests" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

# PostgreSQL refuses to run as root: as root, run it as the package's postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
  start)
    if [ -f "$dir/url" ] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      cat "$dir/url"; exit 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      start >/dev/null
    echo "postgresql+asyncpg://postgres@127.0.0.1:$port/postgres" | as_pg tee "$dir/url"
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: test_postgres.sh start|stop" >&2; exit 2 ;;
esac
