#!/usr/bin/env bash
# Uploads hostile audio to the release build and reports, for each file, the
# answer, the time it took, the slowest /health answer meanwhile (polled
# every 50 ms), and the server's peak RSS. The files: a 24 MB FLAC of
# constant 65535-sample frames (hundreds of hours of audio), the 76-byte M4A
# whose stsc claims 4 billion entries (it used to abort the server), and
# random bytes behind WAV and FLAC magic.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=3203
source scripts/bench/server.sh

python3 - "$work" <<'PY'
import os, struct, sys
work = sys.argv[1]
def crc8(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8): c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c
def crc16(b):
    c = 0
    for x in b:
        c ^= x << 8
        for _ in range(8): c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c
def utf8(n):
    if n < 0x80: return bytes([n])
    if n < 0x800: return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])
    if n < 0x10000: return bytes([0xE0 | n >> 12, 0x80 | n >> 6 & 0x3F, 0x80 | n & 0x3F])
    return bytes([0xF0 | n >> 18, 0x80 | n >> 12 & 0x3F, 0x80 | n >> 6 & 0x3F, 0x80 | n & 0x3F])
out = bytearray(b'fLaC' + bytes([0x80, 0, 0, 34]) + struct.pack('>HH', 65535, 65535) + bytes(6)
                + struct.pack('>Q', (44100 << 44) | (15 << 36)) + bytes(16))
n = 0
while len(out) < 24 * 1024 * 1024:
    head = bytes([0xFF, 0xF8, 0x79, 0x08]) + utf8(n) + struct.pack('>H', 65534)
    frame = head + bytes([crc8(head), 0x00, 0x10, 0x00])
    out += frame + struct.pack('>H', crc16(frame))
    n += 1
open(f'{work}/bomb.flac', 'wb').write(out)
def box(kind, body): return struct.pack('>I', len(body) + 8) + kind + body
inner = box(b'stsc', bytes(4) + b'\xff\xff\xff\xff')
for kind in [b'stbl', b'minf', b'mdia', b'trak', b'moov']: inner = box(kind, inner)
open(f'{work}/bomb.m4a', 'wb').write(box(b'ftyp', b'M4A \0\0\0\0M4A ') + inner)
rnd = os.urandom(64 * 1024)
open(f'{work}/noise.wav', 'wb').write(b'RIFF\xff\xff\xff\x7fWAVEfmt ' + rnd)
open(f'{work}/noise.flac', 'wb').write(b'fLaC\0\0\0\x22' + rnd)
PY

curl -fs -c "$work/jar" -H 'Accept: application/json' "$base/_fn/accounts/sign_up" -d email=bench@example.org \
  -d 'password=correct horse battery' -d display_name=Bench >/dev/null
rss() { awk '/VmHWM/ { print $2 / 1024 " MB" }' "/proc/$pid/status"; }
echo "peak RSS after start: $(rss)"
for file in bomb.flac bomb.m4a noise.wav noise.flac; do
  ( slowest=0; while [ ! -e "$work/stop" ]; do
      t=$(curl -s -o /dev/null -w '%{time_total}' "$base/health"); slowest=$(echo "$t $slowest" | awk '{ print ($1 > $2) ? $1 : $2 }')
      sleep 0.05; done; echo "$slowest" > "$work/slowest" ) &
  watcher=$!
  result=$(curl -s -b "$work/jar" -H 'Accept: application/json' -o "$work/answer" -w '%{http_code} %{time_total}' \
    -F emotion=calm -F "audio=@$work/$file;type=application/octet-stream" "$base/echoes")
  touch "$work/stop"; wait $watcher; rm -f "$work/stop"
  printf '%-11s %s bytes: HTTP %s in %ss, slowest /health %ss, peak RSS %s — %s\n' "$file" "$(stat -c %s "$work/$file")" \
    ${result% *} ${result#* } "$(cat "$work/slowest")" "$(rss)" "$(head -c 120 "$work/answer")"
done
echo "objects left in storage: $(find "$work/audio" -type f | wc -l)"
