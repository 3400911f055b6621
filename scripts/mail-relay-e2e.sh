#!/usr/bin/env bash
# End-to-end test of POST /mail behind a real mail relay: Postfix receives mail over SMTP and hands
# it to CheckBridge with a pipe(8) transport that posts the raw message with curl.
#
#   scripts/mail-relay-e2e.sh [CHECKBRIDGE_BINARY]
#
# The binary is $1, else $CHECKBRIDGE_BIN, else .build/debug/checkbridge in the repository.
# Runs as root on Debian 12 (CI: a fresh machine, no systemd, loopback only). Installs postfix,
# swaks, curl and sqlite3 with apt-get when they are missing. Postfix runs as a private instance
# (`postfix -c DIR`) with its own configuration, queue and log in a temporary directory: the
# system's /etc/postfix is never touched and the instance is stopped on exit. Set
# KEEP_WORKDIR=1 to keep the temporary directory for inspection.
#
# Prints one line per assertion and ends with "N passed, M failed"; exits 0 only if all passed.
set -uo pipefail

MAIL_DOMAIN=checks.test
WAIT_SECONDS=60

root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-${CHECKBRIDGE_BIN:-$root/.build/debug/checkbridge}}"

passed=0
failed=0
work=""
cb_pid=""
postfix_conf=""
postfix_started=0

say() { printf '==> %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
# check DESCRIPTION CONDITION — one assertion; CONDITION is shell code, evaluated here
check() {
    if eval "$2"; then pass "$1"; else fail "$1"; fi
}
# A setup step failed: nothing after it can pass.
abort() {
    fail "$*"
    exit 1
}

summary() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
}

# --- cleanup ----------------------------------------------------------------------------------

show_logs() {
    [ -n "$work" ] || return 0
    if [ -s "$work/checkbridge.log" ]; then
        echo "--- last lines of checkbridge.log"
        tail -n 30 "$work/checkbridge.log"
    fi
    if [ -s "$work/postfix/maillog" ]; then
        echo "--- last lines of the Postfix log"
        tail -n 40 "$work/postfix/maillog"
    fi
}

master_pid() {
    local file="$work/postfix/queue/pid/master.pid"
    [ -r "$file" ] && tr -dc '0-9' <"$file"
}

stop_postfix() {
    [ "$postfix_started" = 1 ] || return 0
    local pid
    pid="$(master_pid)"
    postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true
    if [ -n "$pid" ]; then
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "Postfix master $pid did not stop; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    postfix_started=0
}

stop_checkbridge() {
    [ -n "$cb_pid" ] || return 0
    kill -TERM "$cb_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$cb_pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$cb_pid" 2>/dev/null; then
        echo "checkbridge $cb_pid did not stop; killing it"
        kill -KILL "$cb_pid" 2>/dev/null || true
    fi
    wait "$cb_pid" 2>/dev/null || true
    cb_pid=""
}

cleanup() {
    local status=$?
    trap - EXIT
    [ "$failed" -gt 0 ] && show_logs
    stop_postfix
    stop_checkbridge
    if [ -n "$work" ] && [ -d "$work" ]; then
        if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
            echo "kept $work"
        else
            rm -rf "$work"
        fi
    fi
    summary
    if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
    exit "$status"
}
trap cleanup EXIT
trap 'fail "interrupted"; exit 130' INT TERM

# --- prerequisites ------------------------------------------------------------------------------

[ "$(id -u)" = 0 ] || abort "must run as root (it installs and starts Postfix)"

case "$binary" in /*) ;; *) binary="$PWD/$binary" ;; esac
[ -x "$binary" ] || abort "no checkbridge binary at $binary (pass it as \$1 or CHECKBRIDGE_BIN)"

missing=()
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || missing+=(postfix)
command -v swaks >/dev/null 2>&1 || missing+=(swaks)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    # "No configuration": the package leaves /etc/postfix/main.cf alone and starts nothing.
    printf '%s\n' \
        'postfix postfix/main_mailer_type select No configuration' \
        'postfix postfix/mailname string checkbridge-e2e.invalid' | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -q >/dev/null || abort "apt-get update failed"
    timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
        || abort "apt-get install ${missing[*]} failed"
fi
export PATH="$PATH:/usr/sbin:/sbin"

# --- work directory and ports -------------------------------------------------------------------

work="$(mktemp -d "${TMPDIR:-/tmp}/checkbridge-mail-e2e.XXXXXX")" || abort "mktemp failed"
chmod 0711 "$work" # the pipe transport runs as nobody and must reach relay/ (but list nothing)
mkdir -m 0700 "$work/cb"     # database and admin key: root only
mkdir -m 0755 "$work/relay"  # deliver script and the ingest key's header file
mkdir -m 0755 "$work/postfix" "$work/postfix/etc" "$work/postfix/queue" # queue: root 0755; Postfix makes the rest
mkdir -m 0700 "$work/mail"   # responses and messages of this script

port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
# free_port FIRST LAST [EXCLUDED...]
free_port() {
    local first="$1" last="$2" port
    shift 2
    for port in $(seq "$first" "$last"); do
        case " $* " in *" $port "*) continue ;; esac
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    return 1
}
offset=$((RANDOM % 500))
cb_port="$(free_port $((18080 + offset)) 18999)" || abort "no free port for checkbridge"
smtp_port="$(free_port 2525 2599)" || abort "no free port for SMTP"
closed_port="$(free_port $((19080 + offset)) 19999 "$cb_port")" || abort "no free port for the unreachable-server test"
say "checkbridge on 127.0.0.1:$cb_port, Postfix smtpd on 127.0.0.1:$smtp_port, work dir $work"

# --- JSON through sqlite3's JSON functions (no jq on a fresh machine) ---------------------------

# jsql FILE SQL — SQL runs with the table d(j) holding FILE's text.
jsql() {
    sqlite3 -batch -noheader :memory: \
        "WITH d(j) AS (SELECT CAST(readfile('$1') AS TEXT)) $2;"
}
jget() { jsql "$1" "SELECT json_extract(j, '$2') FROM d"; }

base="http://127.0.0.1:$cb_port"
rpc_id=0
# rpc OUTFILE METHOD PARAMS — the response goes to OUTFILE; fails on a transport or RPC error.
rpc() {
    rpc_id=$((rpc_id + 1))
    local body="{\"jsonrpc\":\"2.0\",\"id\":$rpc_id,\"method\":\"$2\",\"params\":$3}"
    curl -sS --noproxy '*' --max-time 15 -o "$1" "$base/rpc" \
        -H @"$work/cb/admin.header" -H 'Content-Type: application/json' --data-binary "$body" || return 1
    [ "$(jget "$1" '$.error')" = "" ] || { echo "$2: $(cat "$1")"; return 1; }
}

# --- CheckBridge --------------------------------------------------------------------------------

say "starting $binary"
(cd "$work/cb" && exec "$binary" serve --host 127.0.0.1 --port "$cb_port" --database "$work/cb/checkbridge.sqlite" \
    --mail-domain "$MAIL_DOMAIN" --log-level notice) >"$work/checkbridge.log" 2>&1 &
cb_pid=$!
up=0
for _ in $(seq 1 120); do
    kill -0 "$cb_pid" 2>/dev/null || break
    if curl -sf --noproxy '*' --max-time 2 "$base/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.5
done
if [ "$up" != 1 ]; then
    kill -0 "$cb_pid" 2>/dev/null || abort "checkbridge exited at start (see its log below)"
    abort "checkbridge did not answer /healthz within 60 s"
fi
pass "checkbridge is up"

code="$(curl -s --noproxy '*' --max-time 10 -o /dev/null -w '%{http_code}' -X POST "$base/mail")"
[ "$code" = 401 ] || abort "POST /mail without a key answered $code, not 401 — is $binary older than /mail?"

admin_key="$(cat "$work/cb/checkbridge.sqlite.admin-key" 2>/dev/null)" || abort "no admin key file"
printf 'Authorization: Bearer %s\n' "$admin_key" >"$work/cb/admin.header"
chmod 0600 "$work/cb/admin.header"

ingest_key="$("$binary" keys create --name relay --role ingest --database "$work/cb/checkbridge.sqlite" 2>>"$work/checkbridge.log" | tail -n 1)"
case "$ingest_key" in "" | *" "*) abort "checkbridge keys create printed no key" ;; esac
pass "ingest key created"

r="$work/mail"
rpc "$r/group.json" checkGroups.create '{"name":"Mail relay e2e"}' || abort "checkGroups.create failed"
group_id="$(jget "$r/group.json" '$.result.id')"
success_rules='[{"status":"success","conditions":[{"field":"subject","op":"contains","value":"success"}]}]'
rpc "$r/check-a.json" checks.create "{\"group_id\":\"$group_id\",\"name\":\"Nightly backup\",\"rules\":$success_rules}" \
    || abort "checks.create (A) failed"
rpc "$r/check-b.json" checks.create "{\"group_id\":\"$group_id\",\"name\":\"File server backup\"}" \
    || abort "checks.create (B) failed"
rpc "$r/check-c.json" checks.create "{\"group_id\":\"$group_id\",\"name\":\"Offsite copy\"}" \
    || abort "checks.create (C) failed"
for c in a b c; do
    declare "id_$c=$(jget "$r/check-$c.json" '$.result.id')"
    declare "token_$c=$(jget "$r/check-$c.json" '$.result.token')"
    declare "address_$c=$(jget "$r/check-$c.json" '$.result.mail_address')"
done
# shellcheck disable=SC2154 # set by declare above
check "checks.create gives mail_address {token}@$MAIL_DOMAIN" \
    '[ -n "$token_a" ] && [ -n "$token_b" ] && [ -n "$token_c" ] && [ "$address_a" = "$token_a@$MAIL_DOMAIN" ]'

# --- the relay's delivery script ------------------------------------------------------------------

auth_file="$work/relay/checkbridge-auth"
deliver="$work/relay/checkbridge-deliver"
printf 'Authorization: Bearer %s\n' "$ingest_key" >"$auth_file"
chown nobody: "$auth_file"
chmod 0400 "$auth_file" # only the pipe user (and root) can read the key

write_deliver() { # write_deliver PATH URL AUTH_FILE
    cat >"$1" <<EOF
#!/bin/sh
# Postfix pipe(8) transport -> CheckBridge POST /mail.
# The raw message arrives on stdin, one argument per envelope recipient.
# Exit 0: delivered (202 stored or unmatched, 200 duplicate). Exit 75 (EX_TEMPFAIL): Postfix keeps
# the mail queued and retries. Exit 65 (EX_DATAERR): CheckBridge refused this message; it bounces.
URL='$2'
AUTH_FILE='$3' # one line "Authorization: Bearer cbk_…", readable only by the pipe user

urlencode() {
    RCPT="\$1" LC_ALL=C awk 'BEGIN {
        for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
        s = ENVIRON["RCPT"]
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (c ~ /[A-Za-z0-9._~@-]/) printf "%s", c; else printf "%%%02X", ord[c]
        }
    }'
}

query=
for rcpt in "\$@"; do query="\$query\${query:+&}to=\$(urlencode "\$rcpt")"; done
[ -n "\$query" ] || { echo "checkbridge-deliver: no recipient"; exit 64; }

out=\$(curl -sS --max-time 300 -H @"\$AUTH_FILE" -H 'Content-Type: message/rfc822' \\
    --data-binary @- -w '\n%{http_code}' "\$URL?\$query")
code=\$(printf '%s\n' "\$out" | tail -n 1)
body=\$(printf '%s\n' "\$out" | sed '\$d' | head -c 300)
case "\$code" in
    2??) exit 0 ;;
    400 | 413 | 415) echo "CheckBridge refused the message (HTTP \$code): \$body"; exit 65 ;;
    *) echo "CheckBridge unavailable (HTTP \$code): \$body"; exit 75 ;;
esac
EOF
    chmod 0755 "$1"
}
write_deliver "$deliver" "$base/mail" "$auth_file"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
check "user nobody can run the deliver script and read the key" \
    'as_nobody sh -c "test -x \"$deliver\" && test -r \"$auth_file\""'
check "the key is readable by nobody else (0400 nobody)" \
    '[ "$(stat -c "%a %U" "$auth_file")" = "400 nobody" ]'
check "user nobody cannot read the admin key" \
    '! as_nobody cat "$work/cb/checkbridge.sqlite.admin-key" >/dev/null 2>&1'

# The script's failure paths, run as Postfix would (as nobody, empty environment).
printf 'From: probe@e2e.test\r\nSubject: probe\r\n\r\nprobe\r\n' >"$r/probe.eml"
write_deliver "$work/relay/deliver-down" "http://127.0.0.1:$closed_port/mail" "$auth_file"
as_nobody env -i PATH=/usr/bin:/bin "$work/relay/deliver-down" "x@$MAIL_DOMAIN" <"$r/probe.eml" >"$r/down.out" 2>&1
status=$?
check "deliver script exits 75 (EX_TEMPFAIL) when CheckBridge is unreachable (got $status)" '[ "$status" = 75 ]'
printf 'Authorization: Bearer cbk_not_a_key\n' >"$work/relay/bad-auth"
chown nobody: "$work/relay/bad-auth"
chmod 0400 "$work/relay/bad-auth"
write_deliver "$work/relay/deliver-badkey" "$base/mail" "$work/relay/bad-auth"
as_nobody env -i PATH=/usr/bin:/bin "$work/relay/deliver-badkey" "x@$MAIL_DOMAIN" <"$r/probe.eml" >"$r/badkey.out" 2>&1
status=$?
check "deliver script exits 75 on 401 (wrong key), so mail waits for the fix (got $status)" \
    '[ "$status" = 75 ] && grep -q "HTTP 401" "$r/badkey.out"'

# --- Postfix: a private instance in $work/postfix ---------------------------------------------------

postfix_conf="$work/postfix/etc"
cat >"$postfix_conf/main.cf" <<EOF
# Private instance for scripts/mail-relay-e2e.sh
compatibility_level = 3.6
queue_directory = $work/postfix/queue
data_directory = $work/postfix/data
command_directory = $(postconf -dh command_directory)
daemon_directory = $(postconf -dh daemon_directory)
meta_directory = $(postconf -dh meta_directory)
shlib_directory = $(postconf -dh shlib_directory)
mail_owner = postfix
setgid_group = postdrop
maillog_file = $work/postfix/maillog
maillog_file_prefixes = $work
myhostname = relay.e2e.test
mydomain = e2e.test
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
# Accept mail for the check domain and hand all of it to CheckBridge
relay_domains = $MAIL_DOMAIN
relay_recipient_maps =
transport_maps = texthash:$postfix_conf/transport
message_size_limit = 26214400
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
EOF
printf '%s checkbridge:\n' "$MAIL_DOMAIN" >"$postfix_conf/transport"
cat >"$postfix_conf/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$smtp_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
checkbridge unix -      n       n       -       10      pipe
  flags=Rq user=nobody argv=$deliver \${recipient}
EOF

postfix -c "$postfix_conf" check >"$r/postfix-check.out" 2>&1 \
    || { cat "$r/postfix-check.out"; abort "postfix check failed"; }
postfix -c "$postfix_conf" start >"$r/postfix-start.out" 2>&1 \
    || { cat "$r/postfix-start.out"; abort "postfix start failed"; }
postfix_started=1
listening=0
for _ in $(seq 1 60); do
    if port_in_use "$smtp_port"; then listening=1; break; fi
    sleep 0.5
done
[ "$listening" = 1 ] || abort "Postfix smtpd is not listening on 127.0.0.1:$smtp_port"
pass "Postfix (private instance, $(postconf -dh mail_version)) listens on 127.0.0.1:$smtp_port"

# --- send four mails over SMTP --------------------------------------------------------------------

sent=0
# send NAME TO SUBJECT BODY
send() {
    if swaks --server 127.0.0.1 --port "$smtp_port" --helo client.e2e.test --timeout 30 \
        --from reports@backup.example --to "$2" \
        --header "Subject: $3" --body "$4" >"$r/swaks-$1.out" 2>&1; then
        sent=$((sent + 1))
        pass "SMTP accepted: $1 (to $2)"
    else
        fail "SMTP refused: $1 (to $2)"
        tail -n 8 "$r/swaks-$1.out"
    fi
}
# shellcheck disable=SC2154
send success "$token_a@$MAIL_DOMAIN" "Backup job Nightly: Success" "14 VMs processed, 0 errors."
send failure "backups+$token_b@$MAIL_DOMAIN" "Backup job File server: Failed" "2 of 9 shares failed."
send two-checks "$token_a@$MAIL_DOMAIN,$token_c@$MAIL_DOMAIN" "Weekly verify: Success" "All restore points verified."
send unmatched "nobody@$MAIL_DOMAIN" "Nobody reads this" "No check has this address."

# --- wait for the results -------------------------------------------------------------------------

count_results() { jsql "$1" "SELECT json_array_length(j, '\$.result.results') FROM d"; }
count_status() { jsql "$1" "SELECT count(*) FROM d, json_each(d.j, '\$.result.results') WHERE json_extract(value, '\$.status') = '$2'"; }
count_subject() { jsql "$1" "SELECT count(*) FROM d, json_each(d.j, '\$.result.results') WHERE json_extract(value, '\$.subject') = '$2'"; }
count_recipient() { jsql "$1" "SELECT count(*) FROM d, json_each(d.j, '\$.result.mail[0].recipients') WHERE value = '$2'"; }
received_at() { jsql "$1" "SELECT json_extract(value, '\$.received_at') FROM d, json_each(d.j, '\$.result.results') WHERE json_extract(value, '\$.subject') = '$2' LIMIT 1"; }
count_source() { jsql "$1" "SELECT count(*) FROM d, json_each(d.j, '\$.result.results') WHERE json_extract(value, '\$.source') = '$2'"; }

say "waiting up to $WAIT_SECONDS s for Postfix to deliver to CheckBridge"
deadline=$((SECONDS + WAIT_SECONDS))
arrived=0
while [ "$SECONDS" -lt "$deadline" ]; do
    # shellcheck disable=SC2154
    if rpc "$r/results-a.json" checks.results "{\"check_id\":\"$id_a\"}" >/dev/null &&
        rpc "$r/results-b.json" checks.results "{\"check_id\":\"$id_b\"}" >/dev/null &&
        rpc "$r/results-c.json" checks.results "{\"check_id\":\"$id_c\"}" >/dev/null &&
        rpc "$r/unmatched.json" mail.unmatched.list '{}' >/dev/null &&
        [ "$(count_results "$r/results-a.json")" -ge 2 ] &&
        [ "$(count_results "$r/results-b.json")" -ge 1 ] &&
        [ "$(count_results "$r/results-c.json")" -ge 1 ] &&
        [ "$(jsql "$r/unmatched.json" "SELECT json_array_length(j, '\$.result.mail') FROM d")" -ge 1 ]; then
        arrived=1
        break
    fi
    sleep 1
done
check "all mail reached CheckBridge within $WAIT_SECONDS s (after $((SECONDS - deadline + WAIT_SECONDS)) s)" '[ "$arrived" = 1 ]'
# One more read after a pause: nothing beyond the expected results may arrive.
sleep 2
rpc "$r/results-a.json" checks.results "{\"check_id\":\"$id_a\"}" || fail "checks.results (A)"
rpc "$r/results-b.json" checks.results "{\"check_id\":\"$id_b\"}" || fail "checks.results (B)"
rpc "$r/results-c.json" checks.results "{\"check_id\":\"$id_c\"}" || fail "checks.results (C)"
rpc "$r/unmatched.json" mail.unmatched.list '{}' || fail "mail.unmatched.list"

n_a="$(count_results "$r/results-a.json")"
n_b="$(count_results "$r/results-b.json")"
n_c="$(count_results "$r/results-c.json")"
n_unmatched="$(jsql "$r/unmatched.json" "SELECT json_array_length(j, '\$.result.mail') FROM d")"

check "check A (rules: subject contains \"success\"): 2 results, both success (got $n_a)" \
    '[ "$n_a" = 2 ] && [ "$(count_status "$r/results-a.json" success)" = 2 ]'
check "check A got the single mail and the two-check mail" \
    '[ "$(count_subject "$r/results-a.json" "Backup job Nightly: Success")" = 1 ] &&
     [ "$(count_subject "$r/results-a.json" "Weekly verify: Success")" = 1 ]'
check "check B via backups+{token}: 1 result, failure (got $n_b)" \
    '[ "$n_b" = 1 ] && [ "$(count_status "$r/results-b.json" failure)" = 1 ] &&
     [ "$(count_subject "$r/results-b.json" "Backup job File server: Failed")" = 1 ]'
check "check C (no rules, default failure): 1 result from the two-check mail (got $n_c)" \
    '[ "$n_c" = 1 ] && [ "$(count_status "$r/results-c.json" failure)" = 1 ] &&
     [ "$(count_subject "$r/results-c.json" "Weekly verify: Success")" = 1 ]'
# One pipe run, one POST with two ?to= parameters: MailIngest gives both results one received_at.
check "the two-check mail went to CheckBridge as one POST (both results share received_at)" \
    '[ -n "$(received_at "$r/results-c.json" "Weekly verify: Success")" ] &&
     [ "$(received_at "$r/results-a.json" "Weekly verify: Success")" = "$(received_at "$r/results-c.json" "Weekly verify: Success")" ]'
check "every result has source \"mail\"" \
    '[ "$(count_source "$r/results-a.json" mail)" = "$n_a" ] && [ "$(count_source "$r/results-b.json" mail)" = "$n_b" ] &&
     [ "$(count_source "$r/results-c.json" mail)" = "$n_c" ]'
check "mail.unmatched.list shows the mail to nobody@$MAIL_DOMAIN (got $n_unmatched)" \
    '[ "$n_unmatched" = 1 ] &&
     [ "$(jget "$r/unmatched.json" "\$.result.mail[0].subject")" = "Nobody reads this" ] &&
     [ "$(jget "$r/unmatched.json" "\$.result.mail[0].from")" = "reports@backup.example" ] &&
     [ "$(count_recipient "$r/unmatched.json" "nobody@$MAIL_DOMAIN")" = 1 ]'

# Postfix's side: five recipients delivered by the pipe transport, nothing left in the queue.
delivered="$(grep -c 'relay=checkbridge, .*status=sent' "$work/postfix/maillog" 2>/dev/null)"
check "Postfix log: 5 recipients delivered via the checkbridge pipe (got ${delivered:-0})" '[ "${delivered:-0}" = 5 ]'
queued="$(find "$work/postfix/queue/incoming" "$work/postfix/queue/active" "$work/postfix/queue/deferred" \
    "$work/postfix/queue/hold" "$work/postfix/queue/maildrop" -type f 2>/dev/null | wc -l)"
check "Postfix queue is empty (got $queued)" '[ "$queued" = 0 ]'

total=$((n_a + n_b + n_c))
echo
echo "$sent mails sent over SMTP, $total results and $n_unmatched unmatched mail arrived"
