#!/usr/bin/env bash
# Growth check: ingest rate and `checks.results` latency on a database that already holds
# 10,000 checks and 1,000,000 results, to show that the hot queries stay flat as data grows; then
# ingest again while retention prunes half of those results, to show that pruning does not stall it.
#
#   scripts/bench/growth.sh [--checks 10000] [--results 1000000] [--duration 10]
set -euo pipefail
cd "$(dirname "$0")/../.."

checks=10000
results=1000000
duration=10
while [ $# -gt 0 ]; do
    case "$1" in
        --checks) checks=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in wrk sqlite3 curl python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null && apt-get install -y -q wrk sqlite3 curl >/dev/null
        break
    }
done

swift build -c release --product checkbridge >&2
binary=$(swift build -c release --show-bin-path)/checkbridge
work=$(mktemp -d /tmp/checkbridge-growth.XXXXXX)
port=18183
cleanup() {
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; stop what listens there first" >&2
    exit 1
fi

start_server() {
    "$binary" serve --port "$port" --database "$work/growth.sqlite" --log-level error "$@" >> "$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return
        sleep 0.1
    done
    echo "the server did not start" >&2
    exit 1
}

# The schema comes from the server itself; then the rows go in directly, which takes seconds.
start_server
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
# The seeded results arrived one every `spacing_ms` up to now, spanning two years, so that a
# retention of one year has half of them to prune.
now_ms=$(($(date +%s) * 1000))
spacing_ms=$((2 * 365 * 86400000 / results))
echo "seeding $checks checks and $results results…" >&2
sqlite3 "$work/growth.sqlite" <<SQL
PRAGMA journal_mode=WAL;
INSERT INTO check_groups VALUES ('grp_growth', 'Growth', '', 0, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $checks)
INSERT INTO checks (id, group_id, name, token, rules, default_status, failure_threshold, enabled, created_at, updated_at)
SELECT 'chk_' || i, 'grp_growth', 'check ' || i, 'token' || i,
       '[{"conditions":[{"case_sensitive":false,"field":"/result","op":"equals","value":"ok"}],"match":"all","status":"success"}]',
       'failure', 1, 1, 0, 0 FROM n;
-- Result i belongs to check i mod N; the check's result before it is i - N (ids start at 1).
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $results)
INSERT INTO results (id, check_id, previous_id, status, source, received_at, subject, excerpt, raw_size)
SELECT i, 'chk_' || (i % $checks + 1), CASE WHEN i > $checks THEN i - $checks END,
       CASE WHEN i % 10 = 0 THEN 'failure' ELSE 'success' END, 'webhook',
       $now_ms - ($results - i) * $spacing_ms, 'Backup job', 'processed 14 VMs, 0 errors', 80 FROM n;
-- Each check's newest result and its run of non-successes, as the server keeps them.
INSERT INTO check_heads (check_id, last_result_id, non_successes)
SELECT r.check_id, MAX(r.id), SUM(r.id > COALESCE(s.last_success, 0))
FROM results r
LEFT JOIN (SELECT check_id, MAX(id) AS last_success FROM results WHERE status = 'success' GROUP BY check_id) s
    ON s.check_id = r.check_id
GROUP BY r.check_id;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
start_server
key=$(cat "$work/growth.sqlite.admin-key")

cat > "$work/hooks.lua" <<LUA
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"result":"ok","subject":"Backup job Nightly","text":"14 VMs processed, 0 errors"}'
request = function()
    counter = counter + 1
    return wrk.format(nil, "/hooks/token" .. ((counter % $checks) + 1))
end
LUA
cat > "$work/results.lua" <<LUA
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
request = function()
    counter = counter + 1
    local body = '{"jsonrpc":"2.0","id":1,"method":"checks.results","params":{"check_id":"chk_'
        .. ((counter % $checks) + 1) .. '","limit":50}}'
    return wrk.format(nil, "/rpc", nil, body)
end
LUA

echo "database: $(du -h "$work/growth.sqlite" | cut -f1), $(sqlite3 "$work/growth.sqlite" 'SELECT COUNT(*) FROM results') results"
for script in hooks results; do
    out=$(wrk -t2 -c64 -d"${duration}s" --latency -s "$work/$script.lua" "http://127.0.0.1:$port")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf '%-8s 64 conns: %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$script" "$rps" "$p50" "$p99" "${non2xx:-0}"
done

# Retention: one year and 50 per check, which leaves half of the rows. The pruner starts at once
# and paces itself; ingest runs while it deletes.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
before=$(sqlite3 "$work/growth.sqlite" 'SELECT COUNT(*) FROM results')
start_server --retention-days 365 --retention-per-check 50
out=$(wrk -t2 -c64 -d"${duration}s" --latency -s "$work/hooks.lua" "http://127.0.0.1:$port")
printf 'hooks while pruning: %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1 == "50%" {print $2}')" \
    "$(echo "$out" | awk '$1 == "99%" {print $2}')" "$(echo "$out" | awk '/Non-2xx/ {n = $5} END {print n + 0}')"
ingested=$(echo "$out" | awk '/requests in/ {print $1}')
after=$(sqlite3 "$work/growth.sqlite" 'SELECT COUNT(*) FROM results')
echo "retention: $before results before, $ingested requests ingested, $after results left:" \
    "$((before + ingested - after)) pruned (roughly: a request cut off at the end may be counted or not) in ${duration} s"
