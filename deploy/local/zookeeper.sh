#!/usr/bin/env bash
# Ferry's throwaway ZooKeeper for tests of replicated ClickHouse tables: Debian's `zookeeper`
# package, one standalone server on 127.0.0.1. Not for production data.
#
#   deploy/local/zookeeper.sh start|stop|status
#
#   FERRY_LOCAL_HOME        state directory (default <repo>/.local): data in zookeeper/,
#                           pid in run/zookeeper.pid, log in log/zookeeper.log
#   FERRY_ZOOKEEPER_PORT    client port (default 12181)
# Installs the package (apt-get) if it is missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=process.sh
. "$repo/deploy/local/process.sh"
local_home="${FERRY_LOCAL_HOME:-$repo/.local}"
mkdir -p "$local_home"
local_home="$(cd "$local_home" && pwd)"
port="${FERRY_ZOOKEEPER_PORT:-12181}"
data_dir="$local_home/zookeeper"
pid_file="$local_home/run/zookeeper.pid"
log_file="$local_home/log/zookeeper.log"
jar=/usr/share/java/zookeeper.jar

pid() {
  [[ -f "$pid_file" ]] && cat "$pid_file"
}

running() {
  process_alive "$pid_file" ZooKeeperServerMain
}

# The four-letter word `ruok`: a serving ZooKeeper answers `imok`.
ruok() {
  local answer
  answer="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf ruok >&3 && cat <&3" 2>/dev/null)" || true
  [[ "$answer" == imok ]]
}

ensure_installed() {
  if [[ ! -f "$jar" ]]; then
    echo "ZooKeeper not found; installing Debian's zookeeper package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq zookeeper >&2
  fi
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

start() {
  if running; then
    echo "ZooKeeper already running on 127.0.0.1:$port (pid $(pid))"
    return 0
  fi
  ensure_installed
  if ruok; then
    echo "Port $port is taken by another ZooKeeper; set FERRY_ZOOKEEPER_PORT" >&2
    return 1
  fi
  mkdir -p "$data_dir" "$(dirname "$pid_file")" "$(dirname "$log_file")"
  cat >"$data_dir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$data_dir
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=200
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
CFG
  local classpath="$jar"
  # The package's jars log through slf4j; slf4j-simple (a dependency of the package) prints to the log.
  [[ -f /usr/share/java/slf4j-simple.jar ]] && classpath="$classpath:/usr/share/java/slf4j-simple.jar"
  nohup "$(java_bin)" -Xmx256m -cp "$classpath" org.apache.zookeeper.server.ZooKeeperServerMain "$data_dir/zoo.cfg" \
    >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  local waited=0
  until ruok; do
    # Right after the fork the pid may still be the shell about to exec java: ask only whether it lives.
    if ! kill -0 "$(pid)" 2>/dev/null; then
      echo "ZooKeeper exited during startup" >&2
      rm -f "$pid_file"
      tail -n 30 "$log_file" >&2 || true
      return 1
    fi
    if ((waited >= 150)); then
      echo "ZooKeeper did not answer on 127.0.0.1:$port within 30s; stopping it" >&2
      tail -n 30 "$log_file" >&2 || true
      stop >&2
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "ZooKeeper running on 127.0.0.1:$port (pid $(pid), data $data_dir, log $log_file)"
}

stop() {
  if ! running; then
    rm -f "$pid_file"
    echo "ZooKeeper not running"
    return 0
  fi
  process_stop "$pid_file" ZooKeeperServerMain ZooKeeper 20
  echo "ZooKeeper stopped"
}

status() {
  if running; then
    echo "ZooKeeper running on 127.0.0.1:$port (pid $(pid))"
  else
    echo "ZooKeeper not running"
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
