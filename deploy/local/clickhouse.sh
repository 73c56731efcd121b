#!/usr/bin/env bash
# Ferry's local ClickHouse for development: the ClickHouse HTTP interface on 127.0.0.1 over the
# chDB engine (module deploy/chdb-server). Usage: clickhouse.sh start|stop|status
#
#   FERRY_LOCAL_HOME           state directory (default <repo>/.local): data in clickhouse/,
#                              pid in run/clickhouse.pid, log in log/clickhouse.log
#   FERRY_CLICKHOUSE_NAME      instance name (default clickhouse): another name is another
#                              instance, with data in <name>/, pid run/<name>.pid, log log/<name>.log
#   FERRY_CLICKHOUSE_PORT      HTTP port (default 18123)
#   FERRY_CLICKHOUSE_CONFIG    engine configuration file (clickhouse-local's --config-file: zookeeper,
#                              macros, remote_servers...); default none
#   FERRY_CLICKHOUSE_SETTINGS  default settings of every session, "NAME=VALUE NAME=VALUE" (a server's
#                              default profile); default none
#   FERRY_CLICKHOUSE_PASSWORD  password of user "default" (default: none)
#   FERRY_CLICKHOUSE_START_TIMEOUT  seconds to wait for /ping (default 60)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=process.sh
. "$repo/deploy/local/process.sh"
local_home="${FERRY_LOCAL_HOME:-$repo/.local}"
mkdir -p "$local_home"
local_home="$(cd "$local_home" && pwd)"
port="${FERRY_CLICKHOUSE_PORT:-18123}"
name="${FERRY_CLICKHOUSE_NAME:-clickhouse}"
if [[ ! "$name" =~ ^[A-Za-z0-9_-]+$ ]]; then
  echo "FERRY_CLICKHOUSE_NAME must be letters, digits, _ or - (got '$name')" >&2
  exit 2
fi
engine_config="${FERRY_CLICKHOUSE_CONFIG:-}"
data_dir="$local_home/$name"
pid_file="$local_home/run/$name.pid"
log_file="$local_home/log/$name.log"
module="$repo/deploy/chdb-server"
url="http://127.0.0.1:$port"

pid() {
  [[ -f "$pid_file" ]] && cat "$pid_file"
}

running() {
  process_alive "$pid_file" ferry-chdb-server
}

server_jar() {
  find "$module/target" -maxdepth 1 -name 'ferry-chdb-server-*.jar' \
    ! -name '*-sources.jar' ! -name '*-tests.jar' 2>/dev/null | head -n 1
}

java_home() {
  if [[ -n "${JAVA_HOME:-}" ]]; then
    echo "$JAVA_HOME"
  else
    java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.home = //p'
  fi
}

log_tail() {
  echo "--- last lines of $log_file ---" >&2
  tail -n 30 "$log_file" >&2 || true
}

start() {
  if running; then
    echo "ClickHouse (chDB) already running: $url (pid $(pid))"
    return 0
  fi
  if [[ -z "$(server_jar)" ]]; then
    echo "Building deploy/chdb-server..." >&2
    mvn -q -f "$repo/pom.xml" -pl deploy/chdb-server -am package -DskipTests >&2
  fi
  local jar lib jhome
  jar="$(server_jar)"
  lib="$("$repo/deploy/local/chdb-fetch.sh" | tail -n 1)"
  jhome="$(java_home)"
  if [[ ! -f "$jhome/lib/libjsig.so" ]]; then
    echo "No $jhome/lib/libjsig.so: set JAVA_HOME to a JDK 17+" >&2
    return 1
  fi
  if curl -s -o /dev/null --max-time 2 "$url/ping"; then
    echo "Port $port is taken by another process; set FERRY_CLICKHOUSE_PORT" >&2
    return 1
  fi
  local extra=()
  if [[ -n "$engine_config" ]]; then
    if [[ ! -f "$engine_config" ]]; then
      echo "FERRY_CLICKHOUSE_CONFIG: no file $engine_config" >&2
      return 1
    fi
    extra=(--config-file "$(cd "$(dirname "$engine_config")" && pwd)/$(basename "$engine_config")")
  fi
  local setting
  for setting in ${FERRY_CLICKHOUSE_SETTINGS:-}; do
    extra+=(--setting "$setting")
  done
  mkdir -p "$data_dir" "$(dirname "$pid_file")" "$(dirname "$log_file")"
  # libjsig lets the engine's signal handlers and the JVM's coexist (without it the JVM hangs or crashes).
  LD_PRELOAD="$jhome/lib/libjsig.so" nohup "$jhome/bin/java" -jar "$jar" \
    --libchdb "$lib" --data "$data_dir" --port "$port" "${extra[@]}" >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"

  local timeout="${FERRY_CLICKHOUSE_START_TIMEOUT:-60}" waited=0
  until curl -sf -o /dev/null --max-time 2 "$url/ping"; do
    # Right after the fork the pid may still be the shell about to exec java: ask only whether it lives.
    if ! kill -0 "$(pid)" 2>/dev/null; then
      echo "ClickHouse (chDB) exited during startup" >&2
      rm -f "$pid_file"
      log_tail
      return 1
    fi
    if ((waited >= timeout * 5)); then
      echo "ClickHouse (chDB) did not answer $url/ping within ${timeout}s; stopping it" >&2
      log_tail
      stop >&2
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "ClickHouse (chDB) running: $url (pid $(pid), data $data_dir, log $log_file)"
}

stop() {
  if ! running; then
    rm -f "$pid_file"
    echo "ClickHouse (chDB) not running"
    return 0
  fi
  # SIGTERM: the server stops taking requests, closes its engine connections and exits.
  process_stop "$pid_file" ferry-chdb-server "ClickHouse (chDB)"
  echo "ClickHouse (chDB) stopped"
}

status() {
  if running; then
    echo "ClickHouse (chDB) running: $url (pid $(pid))"
  else
    echo "ClickHouse (chDB) not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
