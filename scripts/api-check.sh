#!/usr/bin/env bash
# The JSON API from the outside, against the release binary (build it first:
# `cargo leptos build --release`):
#  1. a script's story with curl: a personal access token uploads a WAV as
#     multipart, lists it, and downloads it by Range;
#  2. schemathesis fuzzes every operation of the API's own OpenAPI document,
#     signed in with a token, with every check — and must find nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${API_CHECK_PORT:-3150}"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# Every request comes from one address: the limits have tests of their own.
source scripts/bench/server.sh RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000 \
  SIGNUPS_PER_ADDRESS_PER_HOUR=100000 LOGIN_MAX_FAILURES=1000 LOGIN_MAX_FAILURES_PER_ADDRESS=100000
api="$base/api/v1"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
fail() { echo "api-check: $*" >&2; exit 1; }

say "A script with a personal access token (curl)"
access=$(curl -fsS "$api/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"script@example.org","password":"correct horse battery","display_name":"Script"}' | json "['access_token']")
token=$(curl -fsS "$api/auth/tokens" -H "Authorization: Bearer $access" -H 'Content-Type: application/json' \
  -d '{"name":"Backup script","scope":"write"}' | json "['secret']")
python3 - "$work/moment.wav" <<'PY'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 16000))) for i in range(16000)))
PY
id=$(curl -fsS "$api/echoes" -H "Authorization: Bearer $token" \
  -F "audio=@$work/moment.wav;type=audio/wav" -F emotion=calm -F title="From a script" -F tags=backup | json "['id']")
curl -fsS "$api/echoes?tag=backup" -H "Authorization: Bearer $token" | grep -q "\"$id\"" || fail "the upload is not listed"
status=$(curl -sS -o "$work/head.bin" -w '%{http_code}' -r 0-3 "$api/echoes/$id/audio" -H "Authorization: Bearer $token")
[ "$status" = 206 ] && [ "$(cat "$work/head.bin")" = RIFF ] || fail "Range download answered $status"
echo "uploaded, listed and fetched bytes 0-3 of echo $id"

say "schemathesis against /api/v1/openapi.json (every check)"
# A token of its own, so the fuzzing cannot log the story's token out.
fuzz_token=$(curl -fsS "$api/auth/tokens" -H "Authorization: Bearer $access" -H 'Content-Type: application/json' \
  -d '{"name":"schemathesis","scope":"write"}' | json "['secret']")
"$HOME/.cache/echoes/venv/bin/st" --config-file scripts/schemathesis.toml run "$api/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $fuzz_token" \
  --max-examples "${API_CHECK_EXAMPLES:-50}" \
  --seed "${API_CHECK_SEED:-1}" \
  --no-color
