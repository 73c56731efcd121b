#!/usr/bin/env bash
# Ferry's throwaway Postgres for the demo and the tests: Debian's PostgreSQL 15,
# its own data dir and port, wal_level=logical. Not for production data.
#
#   deploy/local/postgres.sh start|stop|status|psql [args]
#
# FERRY_LOCAL_HOME (default <repo>/.local) holds the data dir and the log;
# FERRY_PG_PORT (default 15432) is the port; FERRY_PG_WAL_LEVEL (default logical)
# is set when the cluster is created. The superuser is `postgres`, password
# `postgres`, reachable on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
home=${FERRY_LOCAL_HOME:-$repo/.local}
port=${FERRY_PG_PORT:-15432}
wal_level=${FERRY_PG_WAL_LEVEL:-logical}
pg_major=15
data=$home/postgres/data
log=$home/postgres/postgres.log

bin_dir() {
  if [ ! -x /usr/lib/postgresql/$pg_major/bin/pg_ctl ]; then
    echo "PostgreSQL $pg_major not found; installing postgresql-$pg_major" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "postgresql-$pg_major" >&2
  fi
  echo /usr/lib/postgresql/$pg_major/bin
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$data/postmaster.pid" ] && as_postgres "$(bin_dir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
  local bin=$1
  mkdir -p "$home/postgres"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$home/postgres"; fi
  local pwfile
  pwfile=$(mktemp)
  echo postgres >"$pwfile"
  chmod 644 "$pwfile"
  as_postgres "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" -A scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >>"$data/postgresql.conf" <<CONF
# Ferry local settings
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$home/postgres'
wal_level = $wal_level
max_replication_slots = 32
max_wal_senders = 32
max_connections = 200
shared_buffers = 512MB
max_wal_size = 4GB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  # Replication connections (slots, EXPORT_SNAPSHOT) need their own hba line.
  cat >"$data/pg_hba.conf" <<HBA
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
HBA
}

start() {
  local bin
  bin=$(bin_dir)
  if is_running; then echo "postgres already running on 127.0.0.1:$port"; return; fi
  [ -f "$data/PG_VERSION" ] || init_cluster "$bin"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null
  echo "postgres running on 127.0.0.1:$port (data $data)"
}

stop() {
  if is_running; then
    as_postgres "$(bin_dir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    echo "postgres stopped"
  else
    echo "postgres not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "postgres running on 127.0.0.1:$port"; else echo "postgres not running"; exit 3; fi ;;
  psql) shift; PGPASSWORD=postgres exec psql -h 127.0.0.1 -p "$port" -U postgres "$@" ;;
  *) echo "usage: $0 start|stop|status|psql [args]" >&2; exit 2 ;;
esac
