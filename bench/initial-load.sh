#!/usr/bin/env bash
# Initial-load benchmark, all figures from one run on this machine:
#   1. Ferry's initial load of a ROWS-row table (default 5,000,000) with the default settings;
#   2. ClickHouse's own `INSERT INTO ... SELECT * FROM postgresql(...)` of the same table into an
#      identical table on the same server: what a ClickHouse user tries first for a one-off copy;
#   3. the same rows through `psql COPY (...) TO STDOUT | curl ... INSERT ... FORMAT TSV`;
#   4. planning time of both partitioning strategies on that table.
# For each method: wall time, CPU seconds of Ferry (or the client processes), ClickHouse and Postgres,
# and Ferry's peak RSS. Prints a summary; bench/RESULTS.md records a run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
rows="${ROWS:-5000000}"
ch="http://127.0.0.1:18123/"
query() { curl -sSf "$ch" --data-binary "$1"; }
psql_bench() { deploy/local/postgres.sh psql -v ON_ERROR_STOP=1 -d bench "$@"; }
now() { date +%s.%N; }
# CPU seconds a process and its children (Postgres' backends are the postmaster's) used so far: its own
# and its reaped children's time, plus what its live children used.
cpu() {
  local stats=("/proc/$1/stat")
  for child in $(pgrep -P "$1"); do stats+=("/proc/$child/stat"); done
  cat "${stats[@]}" 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" -v pid="$1" \
    '{t += $14 + $15; if ($1 == pid) t += $16 + $17} END {printf "%.2f", t / hz}'
}
since() { echo "scale=2; $2 - $1" | bc; }

mvn -q -DskipTests package
deploy/local/postgres.sh start >/dev/null
deploy/local/clickhouse.sh start >/dev/null

if [[ "$(psql_bench -Atc "SELECT count(*) FROM events" 2>/dev/null || echo 0)" != "$rows" ]]; then
  echo "Creating bench.events with $rows rows..."
  deploy/local/postgres.sh psql -q -d postgres -c "DROP DATABASE IF EXISTS bench WITH (FORCE)" -c "CREATE DATABASE bench"
  psql_bench -q <<SQL
CREATE TABLE events (
  id bigint PRIMARY KEY, account_id integer NOT NULL, kind text NOT NULL, amount numeric(12,2),
  score double precision, happened_at timestamptz NOT NULL, flag boolean NOT NULL, note text);
INSERT INTO events
SELECT g, g % 100000, 'kind-' || (g % 37), (g % 1000000) / 100.0, g / 7.0,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', g % 2 = 0,
       CASE WHEN g % 5 = 0 THEN NULL ELSE md5(g::text) END
FROM generate_series(1, $rows) g;
VACUUM ANALYZE events;
SQL
fi
size=$(psql_bench -Atc "SELECT pg_size_pretty(pg_relation_size('events'))")
ch_pid=$(cat .local/run/clickhouse.pid)
pg_pid=$(head -1 .local/postgres/data/postmaster.pid)

archive=jobs/target/ferry-classes
# An archive older than the jar (a build since) is one `ferry` throws away: warm up then too.
if [[ ! "$archive.jsa" -nt jobs/target/ferry-jobs.jar ]]; then
  # Start-up as from a user's second run on: the first run lists its classes, the next command archives them.
  echo "== warm-up run (class data sharing archive)"
  query "DROP DATABASE IF EXISTS bench" >/dev/null
  query "DELETE FROM ferry.pipe_states WHERE pipe = 'bench_load'" >/dev/null 2>&1 || true
  query "DELETE FROM ferry.table_progress WHERE pipe = 'bench_load'" >/dev/null 2>&1 || true
  ./ferry run bench/initial-load.yaml >/dev/null
  ./ferry --version >/dev/null
  while kill -0 "$(cat "$archive.dumping" 2>/dev/null || echo none)" 2>/dev/null; do sleep 1; done
fi

echo "== Ferry initial load"
query "DROP DATABASE IF EXISTS bench" >/dev/null
query "DELETE FROM ferry.pipe_states WHERE pipe = 'bench_load'" >/dev/null 2>&1 || true
query "DELETE FROM ferry.table_progress WHERE pipe = 'bench_load'" >/dev/null 2>&1 || true
ch0=$(cpu "$ch_pid"); pg0=$(cpu "$pg_pid"); start=$(now)
/usr/bin/time -f "%U %S %M" -o /tmp/ferry-bench.time ./ferry run bench/initial-load.yaml --progress-every 5 >/tmp/ferry-bench.out
ferry_wall=$(since "$start" "$(now)")
ferry_ch=$(since "$ch0" "$(cpu "$ch_pid")"); ferry_pg=$(since "$pg0" "$(cpu "$pg_pid")")
read -r ferry_user ferry_sys ferry_rss_kb </tmp/ferry-bench.time
ferry_cpu=$(echo "$ferry_user + $ferry_sys" | bc)
load_seconds=$(query "SELECT (maxIf(at, state = 'Completed') - maxIf(at, state = 'Snapshot'))
                      FROM ferry.pipe_states WHERE pipe = 'bench_load' FORMAT TSV")
landed=$(query "SELECT count() FROM bench.events FINAL WHERE _is_deleted = 0")

echo "== ClickHouse postgresql() copy"
query "DROP DATABASE IF EXISTS bench_pg" >/dev/null
query "CREATE DATABASE bench_pg" >/dev/null
query "CREATE TABLE bench_pg.events AS bench.events" >/dev/null
ch0=$(cpu "$ch_pid"); pg0=$(cpu "$pg_pid"); start=$(now)
query "INSERT INTO bench_pg.events (id, account_id, kind, amount, score, happened_at, flag, note)
       SELECT * FROM postgresql('127.0.0.1:15432', 'bench', 'events', 'postgres', 'postgres')" >/dev/null
native_seconds=$(since "$start" "$(now)")
native_ch=$(since "$ch0" "$(cpu "$ch_pid")"); native_pg=$(since "$pg0" "$(cpu "$pg_pid")")
native_rows=$(query "SELECT count() FROM bench_pg.events")

echo "== psql COPY | ClickHouse"
copy_pipeline() {
  PGPASSWORD=postgres psql -h 127.0.0.1 -p 15432 -U postgres -d bench -Atc \
    "COPY (SELECT id, account_id, kind, amount, score, to_char(happened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
                 flag::int, note, 1, 0 FROM events) TO STDOUT" \
    | curl -sSf "$ch?query=INSERT%20INTO%20bench_copy.events%20(id,account_id,kind,amount,score,happened_at,flag,note,_version,_is_deleted)%20FORMAT%20TSV" \
           -X POST -T - -H 'Transfer-Encoding: chunked' # streamed: --data-binary would hold it all in memory
}
export -f copy_pipeline
export ch
query "DROP DATABASE IF EXISTS bench_copy" >/dev/null
query "CREATE DATABASE bench_copy" >/dev/null
query "CREATE TABLE bench_copy.events AS bench.events" >/dev/null
ch0=$(cpu "$ch_pid"); pg0=$(cpu "$pg_pid"); start=$(now)
/usr/bin/time -f "%U %S" -o /tmp/copy-bench.time bash -c copy_pipeline
copy_seconds=$(since "$start" "$(now)")
copy_ch=$(since "$ch0" "$(cpu "$ch_pid")"); copy_pg=$(since "$pg0" "$(cpu "$pg_pid")")
copy_client=$(awk '{print $1 + $2}' /tmp/copy-bench.time)
copied=$(query "SELECT count() FROM bench_copy.events")

echo "== planning"
plan_block=$(./ferry plan bench/initial-load.yaml --partitioning block_range)
plan_count=$(./ferry plan bench/initial-load.yaml --partitioning count_window)

ferry_rate=$(echo "$rows / $load_seconds" | bc)
native_rate=$(echo "$rows / $native_seconds" | bc)
copy_rate=$(echo "$rows / $copy_seconds" | bc)
cat <<OUT

machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
table:   bench.events, $rows rows, $size heap
ferry:   $landed rows landed; load (Snapshot -> Completed) ${load_seconds}s = $ferry_rate rows/s; whole \`ferry run\` ${ferry_wall}s
         CPU s: Ferry $ferry_cpu, ClickHouse $ferry_ch, Postgres $ferry_pg; Ferry peak RSS $((ferry_rss_kb / 1024)) MB
native:  $native_rows rows landed by postgresql() in ${native_seconds}s = $native_rate rows/s
         CPU s: ClickHouse $native_ch, Postgres $native_pg
copy:    $copied rows landed in ${copy_seconds}s = $copy_rate rows/s
         CPU s: psql + curl $copy_client, ClickHouse $copy_ch, Postgres $copy_pg
ratios:  ferry load / postgresql() = $(echo "scale=2; $ferry_rate / $native_rate" | bc)
         ferry load / copy         = $(echo "scale=2; $ferry_rate / $copy_rate" | bc)
         whole ferry run / load    = $(echo "scale=2; $ferry_wall / $load_seconds" | bc)
planning:
  $plan_block
  $plan_count
OUT
