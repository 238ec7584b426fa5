# Sourced by the benchmarks: starts the release build on $port with a fresh
# SQLite database and storage folder in $work, plus any VAR=value given as
# arguments; waits until it answers; stops it and cleans up on exit.
# Sets $pid (the server's), $work and $base.
source scripts/env.sh
work=$(mktemp -d)
base="http://127.0.0.1:$port"
env DATABASE_URL="sqlite://$work/echoes.db" AUDIO_STORAGE_PATH="$work/audio" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site RUST_LOG="${RUST_LOG:-warn}" "$@" "$CARGO_TARGET_DIR/release/echoes" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "$base/health" >/dev/null && break; sleep 0.2; done
