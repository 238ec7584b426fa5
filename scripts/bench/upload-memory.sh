#!/usr/bin/env bash
# Measures the server's peak RSS (VmHWM) around uploads, on the release
# build: a 20 MB upload should barely move it, and a 200 MB upload (over the
# 25 MiB cap) should be refused at once without reading the body.
# Usage: scripts/bench/upload-memory.sh   (after scripts/run.sh or test.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
bin="$CARGO_TARGET_DIR/release/echoes"
port=3200
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

DATABASE_URL="sqlite://$work/echoes.db" AUDIO_STORAGE_PATH="$work/audio" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin" &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

hwm() { awk '/VmHWM/ { print $2 }' "/proc/$pid/status"; }
rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
jar="$work/cookies"
curl -fs -c "$jar" -b "$jar" -H 'Accept: application/json' "http://127.0.0.1:$port/api/accounts/sign_up" \
  --data-urlencode email=bench@example.org --data-urlencode password='correct horse battery' \
  --data-urlencode display_name=Bench >/dev/null

# A WAV header followed by silence: sniffs as audio, any size we like.
make_wav() { # $1 = path, $2 = total bytes
  printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00' > "$1"
  head -c $(( $2 - 44 )) /dev/zero >> "$1"
}
make_wav "$work/small.wav" 100000
make_wav "$work/20mb.wav" 20000000
make_wav "$work/200mb.wav" 200000000

upload() { # $1 = file, then extra curl options; prints status, time and bytes sent
  local file=$1; shift
  curl -s -o /dev/null -w '%{http_code} in %{time_total}s after sending %{size_upload} bytes' -b "$jar" \
    -H 'Accept: application/json' "$@" -F emotion=calm -F "audio=@$file;type=audio/wav" \
    "http://127.0.0.1:$port/echoes" || true
}

echo "warm-up upload (100 kB): $(upload "$work/small.wav")"
before=$(hwm)
echo "peak RSS before:                 ${before} kB (current $(rss) kB)"
echo "20 MB upload:                    $(upload "$work/20mb.wav")"
after20=$(hwm)
echo "peak RSS after 20 MB:            ${after20} kB (+$(( after20 - before )) kB)"
echo "200 MB upload (over the cap):    $(upload "$work/200mb.wav")"
after200=$(hwm)
echo "peak RSS after 200 MB:           ${after200} kB (+$(( after200 - after20 )) kB)"
echo "200 MB chunked (no length):     $(upload "$work/200mb.wav" -H 'Transfer-Encoding: chunked')"
echo "peak RSS after chunked 200 MB:   $(hwm) kB"
for i in 1 2 3 4 5; do upload "$work/20mb.wav" >/dev/null; done
echo "peak RSS after 5 more 20 MB:     $(hwm) kB"
