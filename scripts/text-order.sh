#!/usr/bin/env bash
# Writes server/link/text-order.txt: the functions the release server runs
# to start, render the first page and answer everyday requests. The release
# link puts them first, side by side (server/build.rs), so the kernel maps a
# few MiB of the binary instead of pieces scattered across all of it: it
# faults code in 64 KiB at a time, and the binary has 37 MiB of code.
#
# Run it after a change that moves much code (a dependency bump, a new
# rustc, a large refactor): names the binary no longer has are skipped at
# link time, so a stale list only costs memory, never correctness.
# Usage: scripts/text-order.sh   (after a release build: scripts/run.sh,
# scripts/test.sh or `cargo leptos build --release`). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v valgrind >/dev/null || {
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
}
bin="$CARGO_TARGET_DIR/release/echoes"
port=3290
base="http://127.0.0.1:$port"
work=$(mktemp -d)
admin_url="${ORDER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db_name="echoes_order_$$"
cleanup() {
  kill "${vg:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db_name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
python3 scripts/bench/make-wav.py "$work/moment.wav" 400044 8000 1

# callgrind records every function that runs, however briefly; each dump
# ends one stage. Children (the sandboxed decoder) run natively.
profile() { # $1 = DATABASE_URL, $2 = name of the dumps
  rm -rf "$work/audio" "$work/cookies"
  env DATABASE_URL="$1" AUDIO_STORAGE_PATH="$work/audio" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT=target/site RUST_LOG=error \
    valgrind --tool=callgrind --callgrind-out-file="$work/$2" --compress-strings=no --demangle=no \
    "$bin" >/dev/null 2>"$work/valgrind.log" &
  vg=$!
  for _ in $(seq 600); do curl -fso /dev/null "$base/" && break; sleep 0.2; done
  curl -fso /dev/null "$base/" || { cat "$work/valgrind.log" >&2; exit 1; }
  callgrind_control -d "$vg" >/dev/null # .1: start-up and the first page

  # .2: what a signed-in person does most: pages, the list, an upload, playback.
  local jar="$work/cookies" id page
  fn() { curl -fso /dev/null -b "$jar" -c "$jar" -H 'Accept: application/json' "$base/_fn/$1" "${@:2}"; }
  fn accounts/sign_up --data-urlencode email=order@example.org --data-urlencode password='correct horse battery' \
    --data-urlencode display_name=Order
  curl -fso /dev/null -b "$jar" -H 'Accept: application/json' -F emotion=calm \
    -F "audio=@$work/moment.wav;type=audio/wav" "$base/echoes"
  id=$(curl -fs -b "$jar" -H 'Accept: application/json' "$base/_fn/echoes/list" -d emotion=calm |
    grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
  for page in / /echoes /echoes?emotion=calm "/echoes/$id" /record /account /login /signup; do
    curl -fso /dev/null -b "$jar" "$base$page" || true
  done
  fn echoes/list -d emotion=calm
  fn echoes/random -d emotion=calm
  fn accounts/me -d ''
  curl -fso /dev/null -b "$jar" -H 'Range: bytes=0-1' "$base/echoes/$id/audio"
  curl -fso /dev/null -b "$jar" "$base/echoes/$id/audio"
  fn accounts/log_out -d ''
  fn accounts/log_in --data-urlencode email=order@example.org --data-urlencode password='correct horse battery'
  curl -fso /dev/null -b "$jar" "$base/echoes"
  callgrind_control -d "$vg" >/dev/null
  kill -INT "$vg"
  wait "$vg" 2>/dev/null || true
}
dumps=(sqlite)
profile "sqlite://$work/echoes.db" sqlite
# Deployments that grow run on PostgreSQL: its driver's code too, when one is here.
if psql -q "$admin_url" -c "CREATE DATABASE $db_name" >/dev/null 2>&1; then
  profile "${admin_url%/*}/$db_name" postgres
  dumps+=(postgres)
else
  echo "No PostgreSQL at $admin_url (ORDER_DATABASE_URL): the list covers SQLite only." >&2
fi

# Each stage's functions of the binary itself (not of libc): start-up on
# every database first, then the requests; the names as the linker knows them.
out=server/link/text-order.txt
{
  echo "# Written by scripts/text-order.sh on $(date -u +%F) from $(git rev-parse --short HEAD) ($(rustc --version | cut -d' ' -f2)): see there."
  for stage in 1 2; do
    for dump in "${dumps[@]}"; do
      awk '/^ob=/ { ob = substr($0, 4) }
        /^fn=/ && ob ~ /\/echoes$/ && length($0) < 4096 { name = substr($0, 4); sub(/\047[0-9]+$/, "", name); print name }' \
        "$work/$dump.$stage"
    done
  done | awk '!seen[$0]++'
} >"$out"
echo "$out: $(($(wc -l <"$out") - 1)) functions"
