#!/usr/bin/env bash
# CDC benchmark, all figures from one run on this machine:
#   1. throughput: CHANGES row updates are made while the pipe is stopped (they wait in the slot),
#      then the pipe drains them; changes/s = CHANGES / (last ClickHouse insert - the pipe Running
#      again: its start-up and the first batch's decoding included). The
#      same backlog, waiting in a second slot, is drained by Flink CDC's own Postgres source into a
#      sink that keeps nothing (bench/cdc-ceiling): the ceiling of the library Ferry used to stand on;
#      changes/s = CHANGES / (last - first change seen). CPU seconds of each JVM, start-up included;
#   2. latency at sync_interval_seconds = 1: pgbench updates at RATE tx/s while a probe inserts rows
#      stamped with clock_timestamp(); latency = _synced_at (when ClickHouse wrote it) - commit time;
#   3. the slot's retained WAL while a 20M-row initial load runs under WAL_ROWS row updates/s (500
#      rows per transaction), sampled every second, against the WAL written meanwhile.
#   4. catching up under load: pgbench's TPC-B runs at CATCH_TPS transactions/s (scale 10) on a cdc
#      pipe; the pipe is paused for BEHIND seconds (default 60) while the load goes on, then resumed;
#      lag = ClickHouse's now() - the newest pgbench_history.mtime it holds, sampled every second, and
#      the time until it is back under 2 s is the catch-up time (the load still running).
# STEPS picks sections (default "1 2 3 4").
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
changes="${CHANGES:-1000000}"
rate="${RATE:-2000}"
load_rows="${LOAD_ROWS:-20000000}"
wal_rows="${WAL_ROWS:-5000}"
catch_tps="${CATCH_TPS:-1000}"
behind="${BEHIND:-60}"
steps=" ${STEPS:-1 2 3 4} "
step() { [[ "$steps" == *" $1 "* ]]; }
ch="http://127.0.0.1:18123/"
query() { curl -sSf "$ch" --data-binary "$1"; }
psql_db() { local db=$1; shift; PGPASSWORD=postgres psql -h 127.0.0.1 -p 15432 -U postgres -d "$db" -v ON_ERROR_STOP=1 -Atq "$@"; }
pgbench=/usr/lib/postgresql/15/bin/pgbench
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; cp "$work/retained" /tmp/ferry-bench-retained 2>/dev/null || true; rm -rf "$work"' EXIT

mvn -q -DskipTests package
# CPU seconds a process used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
deploy/local/postgres.sh start >/dev/null
deploy/local/clickhouse.sh start >/dev/null

spec() { # name database tables mode
  cat >"$work/$1.yaml" <<YAML
name: $1
source: {type: postgres, host: 127.0.0.1, port: 15432, database: $2, user: postgres, password: postgres}
destination: {url: 'http://127.0.0.1:18123', database: $1}
tables: [$3]
settings: {replication_mode: $4, sync_interval_seconds: 1}
YAML
}
run_pipe() { # name -> runs ferry in the background, waits until Running
  ./ferry run "$work/$1.yaml" --progress-every 5 >"$work/$1.out" 2>&1 &
  echo $! >"$work/$1.pid"
  for _ in $(seq 1 600); do
    [[ "$(query "SELECT state FROM ferry.pipe_states WHERE pipe = '$1' ORDER BY at DESC LIMIT 1" 2>/dev/null)" == Running ]] && return
    sleep 0.5
  done
  echo "pipe $1 did not reach Running" >&2; cat "$work/$1.out" >&2; exit 1
}
stop_pipe() { kill "$(cat "$work/$1.pid")"; wait "$(cat "$work/$1.pid")" 2>/dev/null || true; }
fresh() { # pipe database
  query "DROP DATABASE IF EXISTS $1" >/dev/null
  query "DELETE FROM ferry.pipe_states WHERE pipe = '$1'" >/dev/null 2>&1 || true
  rm -rf ".local/state/$1" # ferry run's checkpoints of an earlier run: this one starts over
  deploy/local/postgres.sh psql -q -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
    WHERE database = '$2' AND NOT active" -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2"
}

summary=""
if step 1; then
echo "== 1. throughput: draining $changes changes"
fresh bench_cdc_tp bench_cdc
psql_db bench_cdc -c "ALTER DATABASE bench_cdc SET synchronous_commit = on"
psql_db bench_cdc -c "CREATE TABLE items (id bigint PRIMARY KEY, qty int NOT NULL, price numeric(10,2), name text);
  ALTER TABLE items REPLICA IDENTITY FULL;
  INSERT INTO items SELECT g, 0, g % 1000 / 10.0, 'item ' || g FROM generate_series(1, $changes) g"
spec bench_cdc_tp bench_cdc items cdc_only
run_pipe bench_cdc_tp
stop_pipe bench_cdc_tp
ceiling=bench/cdc-ceiling
mvn -q -f "$ceiling/pom.xml" package dependency:build-classpath -Dmdep.outputFile=target/classpath
psql_db bench_cdc -c "CREATE PUBLICATION ceiling_pub FOR TABLE items" \
  -c "SELECT pg_create_logical_replication_slot('ceiling_slot', 'pgoutput')" >/dev/null
for ((from = 1; from <= changes; from += 100000)); do
  psql_db bench_cdc -c "UPDATE items SET qty = qty + 1 WHERE id BETWEEN $from AND $((from + 99999))"
done
backlog=$(psql_db bench_cdc -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))
  FROM pg_replication_slots WHERE slot_name = 'ferry_bench_cdc_tp'")
run_pipe bench_cdc_tp
until [[ "$(query "SELECT count() FROM bench_cdc_tp.items")" -ge "$changes" ]]; do sleep 1; done
tp_cpu=$(cpu "$(cat "$work/bench_cdc_tp.pid")")
stop_pipe bench_cdc_tp
read -r tp_seconds tp_rows <<<"$(query "SELECT max(_synced_at) - (SELECT max(at) FROM ferry.pipe_states
  WHERE pipe = 'bench_cdc_tp' AND state = 'Running'), count() FROM bench_cdc_tp.items FORMAT TSV")"
tp_rate=$(echo "$tp_rows / $tp_seconds" | bc)
echo "   Ferry: $tp_rows changes in ${tp_seconds}s = $tp_rate changes/s"
echo "== 1b. Flink CDC's Postgres source draining the same backlog into a discarding sink"
/usr/bin/time -f "%U %S" -o "$work/ceiling.time" java --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED -cp "$ceiling/target/classes:$(cat "$ceiling/target/classpath")" \
  dev.ferry.bench.FlinkCdcCeiling 127.0.0.1 15432 bench_cdc postgres postgres ceiling_slot ceiling_pub public.items \
  "$changes" | tee "$work/ceiling.out"
read -r ceiling_rows ceiling_seconds <<<"$(awk '/^drained/ {print $2, $5}' "$work/ceiling.out")"
ceiling_rate=$(echo "$ceiling_rows / $ceiling_seconds" | bc)
ceiling_cpu=$(awk '{print $1 + $2}' "$work/ceiling.time")
psql_db bench_cdc -c "SELECT pg_drop_replication_slot('ceiling_slot')" >/dev/null
summary+="throughput: $tp_rows changes (a $backlog backlog in each slot) landed in ${tp_seconds}s = $tp_rate changes/s
            Flink CDC's source into a discarding sink: $ceiling_rows changes in ${ceiling_seconds}s = $ceiling_rate changes/s
            ratio Ferry / Flink CDC = $(echo "scale=2; $tp_rate / $ceiling_rate" | bc)
            CPU s (whole JVM, start-up included): Ferry $tp_cpu ($(echo "scale=2; $tp_cpu * 1000000 / $tp_rows" | bc) µs per change),
            Flink CDC $ceiling_cpu ($(echo "scale=2; $ceiling_cpu * 1000000 / $ceiling_rows" | bc) µs per change)
"
fi

if step 2; then
echo "== 2. latency at $rate tx/s"
fresh bench_cdc_lat bench_lat
psql_db bench_lat -c "ALTER DATABASE bench_lat SET synchronous_commit = on"
psql_db bench_lat -c "CREATE TABLE items (id bigint PRIMARY KEY, qty int NOT NULL);
  INSERT INTO items SELECT g, 0 FROM generate_series(1, 100000) g;
  CREATE TABLE probe (id bigserial PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())"
spec bench_cdc_lat bench_lat "items, probe" cdc_only
run_pipe bench_cdc_lat
echo "\\set id random(1, 100000)
UPDATE items SET qty = qty + 1 WHERE id = :id;" >"$work/update.sql"
echo "INSERT INTO probe DEFAULT VALUES;" >"$work/probe.sql"
PGPASSWORD=postgres $pgbench -h 127.0.0.1 -p 15432 -U postgres -n -f "$work/update.sql" -c 2 -j 2 -R "$rate" -T 60 bench_lat \
  >"$work/pgbench-lat.out" 2>&1 &
PGPASSWORD=postgres $pgbench -h 127.0.0.1 -p 15432 -U postgres -n -f "$work/probe.sql" -c 1 -R 20 -T 60 bench_lat \
  >"$work/probe.out" 2>&1
wait %2 2>/dev/null || true
sleep 5
stop_pipe bench_cdc_lat
achieved=$(grep -oP 'tps = \K[0-9.]+' "$work/pgbench-lat.out" | head -1)
latency=$(query "SELECT count(), quantile(0.5)(l), quantile(0.99)(l), max(l) FROM (
  SELECT dateDiff('millisecond', committed_at, _synced_at) AS l FROM bench_cdc_lat.probe) FORMAT TSV")
read -r probes p50 p99 pmax <<<"$latency"
echo "   p50 ${p50} ms, p99 ${p99} ms over $probes probes at ~$achieved tx/s"
summary+="latency:    $probes probe rows at ~${achieved} tx/s of updates, sync_interval_seconds 1:
            commit to written in ClickHouse p50 ${p50} ms, p99 ${p99} ms, max ${pmax} ms
"
fi

if step 3; then
echo "== 3. slot retained WAL during a $load_rows-row initial load with $wal_rows row updates/s"
fresh bench_cdc_load bench_wal
psql_db bench_wal -c "CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL, amount numeric(12,2),
    note text, happened_at timestamptz NOT NULL);
  ALTER TABLE events REPLICA IDENTITY FULL;
  INSERT INTO events SELECT g, g % 100000, g % 1000000 / 100.0, md5(g::text), now() FROM generate_series(1, $load_rows) g"
psql_db bench_wal -c "VACUUM ANALYZE events"
spec bench_cdc_load bench_wal events cdc
echo "\\set id random(1, $((load_rows - 500)))
UPDATE events SET amount = amount + 1 WHERE id BETWEEN :id AND :id + 499;" >"$work/load-update.sql"
start_lsn=$(psql_db bench_wal -c "SELECT pg_current_wal_lsn()")
PGPASSWORD=postgres $pgbench -h 127.0.0.1 -p 15432 -U postgres -n -f "$work/load-update.sql" -c 2 -j 2 -R "$((wal_rows / 500))" -T 3600 bench_wal \
  >"$work/pgbench-load.out" 2>&1 &
bench_pid=$!
./ferry run "$work/bench_cdc_load.yaml" --progress-every 5 >"$work/load.out" 2>&1 &
echo $! >"$work/bench_cdc_load.pid"
: >"$work/retained"
while [[ "$(query "SELECT state FROM ferry.pipe_states WHERE pipe = 'bench_cdc_load' ORDER BY at DESC LIMIT 1" 2>/dev/null)" != Running ]]; do
  psql_db bench_wal -F ' ' -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn),
    pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots
    WHERE slot_name = 'ferry_bench_cdc_load'" >>"$work/retained" || true
  sleep 1
done
wal_written=$(psql_db bench_wal -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$start_lsn'))")
kill $bench_pid 2>/dev/null || true
sleep 3
stop_pipe bench_cdc_load
load_seconds=$(query "SELECT maxIf(at, state = 'Running') - maxIf(at, state = 'Snapshot') FROM ferry.pipe_states
  WHERE pipe = 'bench_cdc_load' FORMAT TSV")
retained_max=$(awk '$1 > m {m = $1} END {printf "%d", m}' "$work/retained")
retained_avg=$(awk '{s += $1; n++} END {if (n) printf "%d", s / n}' "$work/retained")
unacked_max=$(awk '$2 > m {m = $2} END {printf "%d", m}' "$work/retained")
mb() { echo "scale=1; $1 / 1048576" | bc; }

summary+="slot WAL:   initial load of $load_rows rows took ${load_seconds}s under $wal_rows row updates/s; WAL written meanwhile $wal_written;
            slot retained WAL sampled $(wc -l <"$work/retained") times: max $(mb "$retained_max") MB, mean $(mb "$retained_avg") MB;
            WAL past the slot's confirmed position: max $(mb "$unacked_max") MB
"
fi

if step 4; then
echo "== 4. catching up after $behind s behind, under $catch_tps TPC-B tx/s"
fresh bench_cdc_catch bench_catch
psql_db bench_catch -c "ALTER DATABASE bench_catch SET synchronous_commit = on"
PGPASSWORD=postgres $pgbench -h 127.0.0.1 -p 15432 -U postgres -i -q -s 10 bench_catch >/dev/null 2>&1
spec bench_cdc_catch bench_catch "pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history" cdc
run_pipe bench_cdc_catch
lag() { query "SELECT dateDiff('millisecond', max(mtime), now64(3)) / 1000 FROM bench_cdc_catch.pgbench_history FORMAT TSV"; }
PGPASSWORD=postgres $pgbench -h 127.0.0.1 -p 15432 -U postgres -n -c 4 -j 2 -R "$catch_tps" -P 1 \
  -T $((behind + 150)) bench_catch >"$work/pgbench-catch.out" 2>&1 &
catch_bench=$!
sleep 20
steady_lag=$(lag)
stop_pipe bench_cdc_catch
sleep "$behind"
resumed=$(date +%s.%N)
run_pipe bench_cdc_catch
: >"$work/lags"
caught=""
for _ in $(seq 1 120); do
  l=$(lag); echo "$l" >>"$work/lags"
  if [[ -z "$caught" ]] && (( $(echo "$l < 2" | bc) )); then caught=$(echo "$(date +%s.%N) - $resumed" | bc); break; fi
  sleep 1
done
load_running=$(kill -0 "$catch_bench" 2>/dev/null && echo "still running" || echo "ended")
sleep 5
kill "$catch_bench" 2>/dev/null || true
wait "$catch_bench" 2>/dev/null || true
stop_pipe bench_cdc_catch
tps=$(awk '/^progress:/ {s += $4; n++} END {if (n) printf "%d", s / n}' "$work/pgbench-catch.out")
summary+="catch-up:   TPC-B at ~$tps tx/s (4 row changes each); lag while following ${steady_lag} s; paused ${behind} s;
            after resume (run_pipe waits for Running) lag under 2 s after ${caught:-never (120 s)} s, the load $load_running;
            lag per second after Running: $(tr '\n' ' ' <"$work/lags")
"
fi

cat <<OUT

machine:    $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
$summary
OUT
