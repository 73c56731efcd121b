#!/usr/bin/env bash
# MongoDB initial-load benchmark, all figures from one run on this machine (DOCS documents, default
# 1,000,000, ObjectId _id, 9 fields):
#   1. a plain driver find() loop over the collection, each document's _id and JSON written to
#      ClickHouse as RowBinary in batches of 100,000: the practical limit here;
#   2. Ferry's initial load of the same collection (snapshot-only pipe, default settings).
# Both read the same mongo-java-server (there is no mongod on this machine), whose speed bounds both.
# The destination tables are compared by sum(cityHash64(_id, doc)). Runs as a JUnit test
# (jobs/.../MongoSnapshotBenchmark) because the fake server lives in a JVM; bench/RESULTS.md records a run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
docs="${DOCS:-1000000}"
out="$repo/jobs/target/mongo-snapshot-bench.txt"

mvn -q -DskipTests install
mvn -q -pl jobs failsafe:integration-test failsafe:verify -Dit.test=MongoSnapshotBenchmark \
  -Dferry.bench.mongo.docs="$docs" -Dferry.bench.out="$out"
echo
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
cat "$out"
