#!/usr/bin/env bash
# Times failed log-ins on the release build: an unknown email and a wrong
# password should take about the same time (both run one argon2id check).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
port=3201
work=$(mktemp -d)
# The throttle would slow and then block 21 failures in a row: raise it.
LOGIN_MAX_FAILURES=1000 LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
DATABASE_URL="sqlite://$work/echoes.db" AUDIO_STORAGE_PATH="$work/audio" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$CARGO_TARGET_DIR/release/echoes" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
api="http://127.0.0.1:$port/api/accounts"
curl -fs -H 'Accept: application/json' "$api/sign_up" -d email=timing@example.org \
  -d 'password=correct horse battery' -d display_name=Timing >/dev/null
attempt() { curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' "$api/log_in" -d "email=$1" -d "password=$2"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
n=21
known=$(for _ in $(seq $n); do attempt timing@example.org wrong-password; done | median)
unknown=$(for _ in $(seq $n); do attempt nobody@example.org wrong-password; done | median)
right=$(for _ in $(seq $n); do attempt timing@example.org 'correct horse battery'; done | median)
echo "median of $n: wrong password ${known}s, unknown email ${unknown}s, correct password ${right}s"
