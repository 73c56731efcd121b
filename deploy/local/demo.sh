#!/usr/bin/env bash
# The demo: local Postgres and ClickHouse, a sample shop schema with data, `ferry server` (its console
# on http://127.0.0.1:18200/, its own Flink's web UI on http://127.0.0.1:18201/), one pipe created on
# it and followed to its end, then what landed in ClickHouse. The servers keep running afterwards.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

mvn -q -DskipTests package
deploy/local/postgres.sh start
deploy/local/clickhouse.sh start
# Started afresh, so it runs what was just built; the spec's ${FERRY_DEMO_PG_PASSWORD} is read from its environment.
FERRY_DEMO_PG_PASSWORD=postgres deploy/local/server.sh restart
console="http://127.0.0.1:${FERRY_SERVER_PORT:-18200}"
api() { curl -sf -H 'Content-Type: application/json' "$@"; }
# A demo pipe of an earlier run goes first, with its tables.
api -X DELETE "$console/api/pipes/demo?drop_tables=true" >/dev/null 2>&1 || true

echo "Creating the sample database 'shop'..."
deploy/local/postgres.sh psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DROP DATABASE IF EXISTS shop WITH (FORCE);
CREATE DATABASE shop;
SQL
deploy/local/postgres.sh psql -q -v ON_ERROR_STOP=1 -d shop <<'SQL'
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE TABLE customers (
  id bigint PRIMARY KEY, name text NOT NULL, email text, country char(2), created_at timestamptz NOT NULL);
CREATE TABLE orders (
  id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, status order_status NOT NULL,
  total numeric(12,2), items jsonb, tags text[], ordered_at timestamptz NOT NULL);
CREATE TABLE "Order Notes" (order_id bigint, line int, note text, PRIMARY KEY (order_id, line));
INSERT INTO customers
SELECT g, 'Customer ' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
       (ARRAY['CZ','DE','US','JP','BR'])[1 + g % 5], now() - g * interval '1 hour'
FROM generate_series(1, 20000) g;
INSERT INTO orders
SELECT g, 1 + g % 20000, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4]::order_status,
       round((g % 100000) / 7.0, 2), jsonb_build_object('sku', 'S' || (g % 500), 'qty', 1 + g % 5),
       ARRAY['tag' || (g % 3)], now() - g * interval '1 minute'
FROM generate_series(1, 300000) g;
INSERT INTO "Order Notes" SELECT g, 1, 'Příliš žluťoučký kůň 🐎 #' || g FROM generate_series(1, 5000) g;
ANALYZE;
SQL

# The clickhouse side starts empty each time so the demo shows a fresh copy.
curl -sf "http://127.0.0.1:18123/" --data-binary "DROP DATABASE IF EXISTS shop" >/dev/null

echo "Creating pipe 'demo' on the server (console $console/#/pipe/demo)..."
spec="$(<deploy/examples/demo.yaml)"
spec="${spec//\\/\\\\}"; spec="${spec//\"/\\\"}"; spec="${spec//$'\n'/\\n}" # as a JSON string
if ! reply="$(curl -s -H 'Content-Type: application/json' -X POST "$console/api/pipes" --data-binary "{\"spec\": \"$spec\"}")" \
   || [[ "$reply" == *'"error"'* ]]; then
  echo "creating the pipe failed: $reply" >&2
  exit 1
fi
state=""
for _ in $(seq 600); do
  status="$(api "$console/api/pipes/demo" || true)"
  state="$({ grep -o '"state":"[A-Za-z]*"' <<<"$status" || true; } | head -n 1 | cut -d'"' -f4)"
  rows="$({ grep -o '"rows_snapshotted":[0-9]*' <<<"$status" || true; } | awk -F: '{ n += $2 } END { print n + 0 }')"
  echo "$(date +%T) $state, $rows rows loaded"
  [[ "$state" == Completed || "$state" == Failed ]] && break
  sleep 2
done
FERRY_DEMO_PG_PASSWORD=postgres ./ferry status demo
[[ "$state" == Completed ]] || { echo "the pipe did not complete; see $console/#/pipe/demo" >&2; exit 1; }

echo
echo "What landed in ClickHouse (database shop):"
query() { curl -sf "http://127.0.0.1:18123/" --data-binary "$1"; }
query "SELECT table, count() AS rows FROM (
         SELECT 'customers' AS table FROM shop.customers FINAL WHERE _is_deleted = 0
         UNION ALL SELECT 'orders' FROM shop.orders FINAL WHERE _is_deleted = 0
         UNION ALL SELECT 'order_notes' FROM shop.order_notes FINAL WHERE _is_deleted = 0)
       GROUP BY table ORDER BY table FORMAT PrettyCompactMonoBlock"
query "SELECT id, customer_id, status, total, items, tags, ordered_at FROM shop.orders FINAL
       WHERE _is_deleted = 0 ORDER BY id LIMIT 3 FORMAT PrettyCompactMonoBlock"
query "SELECT state, reason, at FROM ferry.pipe_states WHERE pipe = 'demo' ORDER BY at FORMAT PrettyCompactMonoBlock"
echo
echo "The pipe's page: $console/#/pipe/demo (the server keeps running: deploy/local/server.sh stop ends it)"
