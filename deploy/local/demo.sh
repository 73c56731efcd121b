#!/usr/bin/env bash
# The demo: local Postgres and ClickHouse, a sample shop schema with data, one pipe run on an
# embedded Flink (web UI on http://localhost:8081 while it runs), then what landed in ClickHouse.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

mvn -q -DskipTests package
deploy/local/postgres.sh start
deploy/local/clickhouse.sh start

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
curl -sf "http://127.0.0.1:18123/" --data-binary "DELETE FROM ferry.pipe_states WHERE pipe = 'demo'" >/dev/null 2>&1 || true

FERRY_DEMO_PG_PASSWORD=postgres ./ferry run deploy/examples/demo.yaml

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
