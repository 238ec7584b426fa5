#!/usr/bin/env bash
# Measures the server's peak RSS (VmHWM) around uploads, on the release
# build: a 20 MB upload should barely move it, and a 200 MB upload (over the
# 25 MiB cap) should be refused at once without reading the body.
# Usage: scripts/bench/upload-memory.sh   (after scripts/run.sh or test.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
port=3200
source scripts/bench/server.sh

hwm() { awk '/VmHWM/ { print $2 }' "/proc/$pid/status"; }
rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
jar="$work/cookies"
curl -fs -c "$jar" -b "$jar" -H 'Accept: application/json' "http://127.0.0.1:$port/_fn/accounts/sign_up" \
  --data-urlencode email=bench@example.org --data-urlencode password='correct horse battery' \
  --data-urlencode display_name=Bench >/dev/null

# A real WAV (8 kHz mono 16-bit, correct sizes) of a quiet noise-like
# pattern: it sniffs as audio and the server decodes all of it.
make_wav() { # $1 = path, $2 = total bytes
  python3 scripts/bench/make-wav.py "$1" "$2"
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
