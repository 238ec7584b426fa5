#!/usr/bin/env bash
# Times failed log-ins on the release build: an unknown email and a wrong
# password should take about the same time (both run one argon2id check).
set -euo pipefail
cd "$(dirname "$0")/../.."
port=3201
# The throttle would slow and then block 21 failures in a row: raise it.
source scripts/bench/server.sh LOGIN_MAX_FAILURES=1000 LOGIN_MAX_FAILURES_PER_ADDRESS=100000
api="http://127.0.0.1:$port/_fn/accounts"
curl -fs -H 'Accept: application/json' "$api/sign_up" -d email=timing@example.org \
  -d 'password=correct horse battery' -d display_name=Timing >/dev/null
attempt() { curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' "$api/log_in" -d "email=$1" -d "password=$2"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
n=21
known=$(for _ in $(seq $n); do attempt timing@example.org wrong-password; done | median)
unknown=$(for _ in $(seq $n); do attempt nobody@example.org wrong-password; done | median)
right=$(for _ in $(seq $n); do attempt timing@example.org 'correct horse battery'; done | median)
echo "median of $n: wrong password ${known}s, unknown email ${unknown}s, correct password ${right}s"
