# Sourced by the local server scripts: one background process per pid file.

# process_alive PID_FILE CMDLINE_PATTERN: the process is alive and ours (a stale pid file may name a
# pid since reused by another program).
process_alive() {
  local p
  [[ -f "$1" ]] && p="$(cat "$1")" && [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null \
    && grep -qa -- "$2" "/proc/$p/cmdline" 2>/dev/null
}

# process_stop PID_FILE CMDLINE_PATTERN NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 30).
process_stop() {
  local pid_file=$1 pattern=$2 name=$3 limit=$((${4:-30} * 5)) p waited=0
  if process_alive "$pid_file" "$pattern"; then
    p="$(cat "$pid_file")"
    kill -TERM "$p"
    while kill -0 "$p" 2>/dev/null; do
      if ((waited >= limit)); then
        echo "$name pid $p still alive after ${4:-30}s; killing it" >&2
        kill -KILL "$p" 2>/dev/null || true
        break
      fi
      sleep 0.2
      waited=$((waited + 1))
    done
  fi
  rm -f "$pid_file"
}
