#!/usr/bin/env bash
# Long form of the randomized fault test (jobs/.../PostgresFaultIT): a workload of inserts,
# updates (keys too) and deletes on a keyed and a keyless table, with faults drawn at random for
# MINUTES (default 30): the TaskManager killed, the job lost and started from its last checkpoint (as
# ferry run after kill -9), ClickHouse stopped and Postgres restarted for up to OUTAGE seconds
# (default 30), pause/resume, a table resynced, columns added, dropped and retyped.
# After every round both tables must equal the source by per-row checksum; the test fails on the
# first round that does not. SEED repeats a run. bench/RESULTS.md records a run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
minutes="${MINUTES:-30}"
outage="${OUTAGE:-30}"
out="$repo/jobs/target/faults-bench.txt"

mvn -q -DskipTests install
seed_arg=()
[[ -n "${SEED:-}" ]] && seed_arg=(-Dferry.faults.seed="$SEED")
start=$(date +%s)
mvn -pl jobs failsafe:integration-test failsafe:verify -Dit.test=PostgresFaultIT \
  -Dferry.faults.minutes="$minutes" -Dferry.faults.outage.seconds="$outage" "${seed_arg[@]}" \
  | grep --line-buffered -E '^(faults seed|round )' | tee "$out"
echo
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo "== $(grep -c '^round ' "$out") rounds, all equal, in $(( ($(date +%s) - start) / 60 )) min"
