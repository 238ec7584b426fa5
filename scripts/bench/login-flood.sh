#!/usr/bin/env bash
# 2,000 log-ins, 200 at a time, at the release build: each is a 19 MiB
# argon2 hash, so without bounds memory would grow with the crowd. Reports
# the answers by status and the server's peak RSS before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hey >/dev/null || { echo "needs hey (apt-get install hey)"; exit 1; }
port=3204
# A generous address limit, so the account and hashing limits are what is measured.
RUST_LOG=error source scripts/bench/server.sh LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
  RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000
api="http://127.0.0.1:$port/_fn/accounts"
curl -fs -H 'Accept: application/json' "$api/sign_up" -d email=flood@example.org \
  -d 'password=correct horse battery' -d display_name=Flood >/dev/null
rss() { awk '/VmHWM/ { print $2 / 1024 " MB" }' "/proc/$pid/status"; }
echo "peak RSS before: $(rss)"
for who in flood@example.org nobody@example.org; do
  echo "== 2000 log-ins as $who, 200 at once (wrong password)"
  hey -n 2000 -c 200 -m POST -T application/x-www-form-urlencoded -A application/json \
    -d "email=$who&password=wrong-password" "$api/log_in" | sed -n '/Summary/,/Requests\/sec/p;/Status code distribution/,/^$/p'
  echo "peak RSS: $(rss)"
done
