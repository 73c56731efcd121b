#!/usr/bin/env bash
# `ferry server` in the background: the console, the REST API and the watcher, with its own Flink.
# Usage: server.sh start [ferry server options...] | stop | restart [options...] | status
#
#   FERRY_LOCAL_HOME         state directory (default <repo>/.local): the embedded Flink's checkpoints
#                            in server/, pid in run/server.pid, log in log/server.log
#   FERRY_SERVER_PORT        port of the console and API on 127.0.0.1 (default 18200)
# Secrets that pipe specs name as ${VAR} are read from this script's environment.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=process.sh
. "$repo/deploy/local/process.sh"
home="${FERRY_LOCAL_HOME:-$repo/.local}"
mkdir -p "$home/run" "$home/log"
home="$(cd "$home" && pwd)"
port="${FERRY_SERVER_PORT:-18200}"
pid_file="$home/run/server.pid"
log_file="$home/log/server.log"
url="http://127.0.0.1:$port"
# Before ./ferry execs java its command line names the script, afterwards the jar: both lie in the repository.
pattern="$repo/"

start() {
  if process_alive "$pid_file" "$pattern"; then
    echo "ferry server already running: $url (pid $(cat "$pid_file"))"
    return 0
  fi
  if curl -s -o /dev/null --max-time 2 "$url/api/pipes"; then
    echo "port $port is taken by another process: set FERRY_SERVER_PORT" >&2
    return 1
  fi
  # Built here, not by ./ferry in the background: a first build's output belongs on this terminal.
  if [[ ! -f "$repo/jobs/target/ferry-jobs.jar" ]]; then
    mvn -q -f "$repo/pom.xml" -DskipTests package
  fi
  FERRY_LOG_DIR="$home/log" nohup "$repo/ferry" server --listen "127.0.0.1:$port" --state-dir "$home/server" "$@" \
    </dev/null >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  local waited=0
  until curl -sf -o /dev/null --max-time 2 "$url/api/pipes"; do
    if ! process_alive "$pid_file" "$pattern"; then
      echo "ferry server did not start; last lines of $log_file:" >&2
      tail -n 20 "$log_file" >&2
      return 1
    fi
    if ((waited >= 120)); then
      echo "ferry server did not answer within 60 s; see $log_file" >&2
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  echo "ferry server running: console $url/ (pid $(cat "$pid_file"), log $log_file)"
  grep "^pipe " "$log_file" || true # pipes it started again from their checkpoints
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) process_stop "$pid_file" "$pattern" "ferry server" 40 ;;
  restart) shift; process_stop "$pid_file" "$pattern" "ferry server" 40; start "$@" ;;
  status)
    if process_alive "$pid_file" "$pattern"; then
      echo "ferry server running: $url/ (pid $(cat "$pid_file"))"
    else
      echo "ferry server stopped"
      exit 3
    fi
    ;;
  *) echo "usage: $0 start [ferry server options...] | stop | restart [options...] | status" >&2; exit 2 ;;
esac
