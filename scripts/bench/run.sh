#!/usr/bin/env bash
# Ingest load test: a release build on a fresh database against wrk, side by side with nginx
# answering a static 200 on the same machine, so the figures say how close we are to the ceiling.
#
#   scripts/bench/run.sh [--checks N] [--duration SECONDS] [--connections "16 64"] [--durability full|normal]
#                        [--work-dir DIR]
#
# --work-dir puts the database under DIR instead of /tmp: `--work-dir /dev/shm` shows how much of
# the time is the disk's (on tmpfs a flush is a no-op, so that is a diagnosis, not a setting).
# Prints, per target and connection count: requests/s, p50/p99/p99.9 latency, errors; then the
# stored-result count against the 2xx count, and the server's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."

checks=100
duration=10
connections="16 64"
durability=full
targets="hooks mail"
work_parent=/tmp
while [ $# -gt 0 ]; do
    case "$1" in
        --checks) checks=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --durability) durability=$2; shift 2 ;;
        --targets) targets=$2; shift 2 ;;   # "hooks", "mail" or "hooks mail"
        --work-dir) work_parent=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

for tool in wrk nginx sqlite3 curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "installing the load tools (wrk, nginx-light, sqlite3)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null && apt-get install -y -q wrk nginx-light sqlite3 curl >/dev/null
        break
    fi
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

swift build -c release --product checkbridge >&2
binary=$(swift build -c release --show-bin-path)/checkbridge

work=$(mktemp -d "$work_parent/checkbridge-bench.XXXXXX")
server_port=18181
nginx_port=18182
cleanup() {
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The ceiling: nginx answering a static 200 with keep-alive.
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/nginx;
    proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx;
    scgi_temp_path $work/nginx;
    server { listen 127.0.0.1:$nginx_port; location / { return 200 "ok"; } }
}
CONF
for port in $server_port $nginx_port; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is in use; stop what listens there first" >&2
        exit 1
    fi
done
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx"

"$binary" serve --port "$server_port" --database "$work/bench.sqlite" --durability "$durability" \
    --log-level error > "$work/server.log" 2>&1 &
server_pid=$!
ready=no
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$server_port/readyz" >/dev/null 2>&1 && { ready=yes; break; }
    sleep 0.1
done
if [ "$ready" != yes ]; then
    echo "the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
key=$(cat "$work/bench.sqlite.admin-key")

# N checks in one group; their tokens feed the wrk script.
python3 - "$server_port" "$key" "$checks" > "$work/tokens.txt" <<'PY'
import json, sys, urllib.request
port, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def rpc(body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/rpc", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))
group = rpc({"jsonrpc": "2.0", "id": 1, "method": "checkGroups.create", "params": {"name": "Bench"}})["result"]["id"]
rules = [{"status": "success", "conditions": [{"field": "/result", "op": "equals", "value": "ok"}]},
         {"status": "warning", "conditions": [{"field": "body", "op": "contains", "value": "retry"}]}]
for start in range(0, count, 200):
    batch = [{"jsonrpc": "2.0", "id": i, "method": "checks.create",
              "params": {"group_id": group, "name": f"check {i}", "rules": rules}}
             for i in range(start, min(count, start + 200))]
    for answer in rpc(batch):
        print(answer["result"]["token"])
PY

# wrk's --latency stops at p99; every script also prints p99.9.
cat > "$work/percentiles.lua" <<'LUA'
done = function(summary, latency, requests)
    io.write(string.format("P999 %.3f\n", latency:percentile(99.9) / 1000))
end
LUA

cat > "$work/hooks.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"result":"ok","subject":"Backup job Nightly","text":"14 VMs processed, 0 errors, 0 warnings"}'
request = function()
    counter = counter + 1
    return wrk.format(nil, "/hooks/" .. tokens[(counter % #tokens) + 1])
end
LUA
cat "$work/percentiles.lua" >> "$work/hooks.lua"

# Mail: a ~3 KB multipart report per request, each with its own Message-ID (a repeat would be a
# duplicate, answered 200 with nothing stored), routed by the envelope recipient in ?to=.
ingest_key=$("$binary" keys create --name bench-relay --role ingest --database "$work/bench.sqlite" | tail -1)
cat > "$work/mail.lua" <<LUA
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
local thread_id = 0
setup = function(thread)
    thread_id = thread_id + 1
    -- Unique across runs too: a Message-ID seen before is a duplicate, answered 200 and not stored.
    thread:set("prefix", os.getenv("RUN") .. "t" .. thread_id)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "message/rfc822"
wrk.headers["Authorization"] = "Bearer $ingest_key"
local rows = ""
for i = 1, 15 do
    rows = rows .. "<tr><td class=3D\"vm\">VM-" .. i .. ".contoso.local</td><td class=3D\"ok\">Success</td>"
        .. "<td>22:0" .. (i % 10) .. ":31</td><td>22:1" .. (i % 10) .. ":02</td><td>48.2 GB</td><td>0:11:31</td></tr>\r\n"
end
-- A ~3 KB report split around its Message-ID: each request only concatenates, so the load
-- generator spends its CPU on sending rather than on rewriting the message.
local head = table.concat({
    "Return-Path: <veeam@contoso.example>\r\n",
    "From: \"Veeam Backup & Replication\" <veeam@contoso.example>\r\n",
    "To: backups@checks.example.net\r\n",
    "Subject: [Success] Daily VM Backup (15 VMs)\r\n",
    "Message-ID: <"})
local tail = table.concat({
    "@bench.example>\r\n",
    "Date: Sun, 2 Feb 2025 22:41:18 +0100\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n",
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
    "Backup job: Daily VM Backup. 15 of 15 VMs processed. Success: 15, Warning: 0, Error: 0.\r\n",
    "Start 22:00:05, end 22:41:17, total size 578 GB, duration 0:41:12.\r\n",
    "--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    "<html><head><style>td { font-family: Tahoma; font-size: 12px; }</style></head><body>\r\n",
    "<table width=3D\"100%\"><tr><td>Backup job: Daily VM Backup</td><td>Success</td></tr></table>\r\n",
    "<table width=3D\"100%\">\r\n",
    rows,
    "</table><div>Veeam Backup &amp; Replication 12.2.0.334</div></body></html>\r\n--b1--\r\n"})
request = function()
    counter = counter + 1
    local token = tokens[(counter % #tokens) + 1]
    return wrk.format(nil, "/mail?to=" .. token .. "%40checks.example.net", nil, head .. prefix .. "-" .. counter .. tail)
end
LUA
cat "$work/percentiles.lua" >> "$work/mail.lua"

# wrk's --latency summary → "rps p50 p99 p99.9 errors requests non2xx"
measure() {
    local url=$1 conns=$2 script=${3:-}
    local out
    if [ -n "$script" ]; then
        out=$(RUN="$conns$script" TOKENS="$work/tokens.txt" wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$script" "$url")
    else
        out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$work/percentiles.lua" "$url")
    fi
    python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def latency(label):
    match = re.search(r"^\s*" + re.escape(label) + r"\s+([\d.]+)(us|ms|s)\b", text, re.M)
    if not match: return "n/a"
    value, unit = float(match.group(1)), match.group(2)
    return f"{value / 1000 if unit == 'us' else value * 1000 if unit == 's' else value:.2f}ms"
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
total = re.search(r"(\d+) requests in", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
p999 = re.search(r"^P999 ([\d.]+)", text, re.M)
print(rps, latency("50%"), latency("99%"), f"{float(p999.group(1)):.2f}ms" if p999 else "n/a",
      (errors.group(1).replace(" ", "") if errors else "none"), total, non2xx.group(1) if non2xx else 0)
PY
}

printf '%-8s %5s %10s %9s %9s %9s %s\n' target conns "req/s" p50 p99 p99.9 errors
total_2xx=0
total_connections=0
for conns in $connections; do
    read -r n_rps n_p50 n_p99 n_p999 n_err _ _ <<< "$(measure "http://127.0.0.1:$nginx_port/" "$conns")"
    printf '%-8s %5s %10s %9s %9s %9s %s\n' nginx "$conns" "$n_rps" "$n_p50" "$n_p99" "$n_p999" "$n_err"
    for target in $targets; do
        read -r rps p50 p99 p999 err total non2xx <<< \
            "$(measure "http://127.0.0.1:$server_port" "$conns" "$work/$target.lua")"
        total_2xx=$((total_2xx + total - non2xx))
        total_connections=$((total_connections + conns))
        ratio=$(python3 -c "print(f'{100 * $rps / $n_rps:.1f}%')")
        printf '%-8s %5s %10s %9s %9s %9s %s (non-2xx %s) = %s of nginx\n' \
            "$target" "$conns" "$rps" "$p50" "$p99" "$p999" "$err" "$non2xx" "$ratio"
    done
done

peak_rss=$(awk '/VmHWM/ {print $2 / 1024 " MB"}' "/proc/$server_pid/status")
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
stored=$(sqlite3 "$work/bench.sqlite" "SELECT COUNT(*) FROM results")
echo "2xx answers: $total_2xx, results stored: $stored, peak RSS: $peak_rss"
sqlite3 "$work/bench.sqlite" "SELECT source, COUNT(*), CAST(AVG(raw_size) AS INT) FROM results GROUP BY source" |
    awk -F'|' '{ printf "  %s: %s results, %s bytes a request on average\n", $1, $2, $3 }'
# wrk stops with one request in flight per connection; the server may store those although wrk
# never reads their answers. So stored results may exceed the 2xx count by at most the number of
# connections, and must never be fewer.
extra=$((stored - total_2xx))
if [ "$extra" -lt 0 ] || [ "$extra" -gt "$total_connections" ]; then
    echo "MISMATCH: $total_2xx answers were 2xx but $stored results are stored" >&2
    exit 1
fi
echo "every 2xx answer is a stored result (+$extra requests cut off in flight when wrk stopped)"
