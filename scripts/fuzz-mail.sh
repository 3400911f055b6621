#!/usr/bin/env bash
# Fuzzes MailParser with libFuzzer, seeded from the test fixtures.
#
#   scripts/fuzz-mail.sh [SECONDS]        (default 600)
#
# Crashes and timeouts are written to .build-fuzz/findings/; add each one to
# Tests/MailParserTests/Resources/fuzz-regressions/ once fixed.
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$root/.build-fuzz"
findings="$scratch/findings"

cd "$root/Fuzz"
swift build -c debug -Xswiftc -sanitize=fuzzer,address --product MailParserFuzz --scratch-path "$scratch"
binary="$(swift build -c debug -Xswiftc -sanitize=fuzzer,address --product MailParserFuzz \
    --scratch-path "$scratch" --show-bin-path)/MailParserFuzz"

corpus="$(mktemp -d "${TMPDIR:-/tmp}/mailparser-corpus.XXXXXX")"
trap 'rm -rf "$corpus"' EXIT
cp "$root"/Tests/MailParserTests/Resources/fixtures/*.eml "$corpus"/
if compgen -G "$root/Tests/MailParserTests/Resources/fuzz-regressions/*" > /dev/null; then
    cp "$root"/Tests/MailParserTests/Resources/fuzz-regressions/* "$corpus"/
fi
mkdir -p "$findings"

"$binary" "$corpus" \
    -max_total_time="$seconds" \
    -max_len=65536 \
    -timeout=5 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$findings/"
