#!/usr/bin/env bash
# The floor of each way to read a table out of Postgres, in CPU of the client and of the server
# backend: the binary-transfer cursor Ferry's initial load uses, binary COPY and text COPY, over
# bench.events as bench/initial-load.sh leaves it (run that first; ROWS rows). ROUNDS rounds
# (default 3), interleaved so the machine's drift touches every path alike.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[[ -d jobs/target/lib ]] || mvn -q -DskipTests package
deploy/local/postgres.sh start >/dev/null
driver="$(ls jobs/target/lib/postgresql-*.jar | head -n 1)"
java -cp "$driver" bench/read-paths/ReadPaths.java \
  "jdbc:postgresql://127.0.0.1:15432/bench?user=postgres&password=postgres&prepareThreshold=-1&binaryTransfer=true" \
  events "id, account_id, kind, amount, score, happened_at, flag, note" "${ROUNDS:-3}"
