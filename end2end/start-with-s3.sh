#!/usr/bin/env bash
# Starts the test S3 server, waits until it listens, then runs Echoes
# pointed at it (Echoes creates its bucket at start). Used by
# playwright.config.ts; Playwright stops the whole process group.
# Usage: start-with-s3.sh <echoes-test-s3> <root> <port> <echoes>
set -euo pipefail
"$1" "$2" "$3" &
for _ in $(seq 100); do
  (echo > "/dev/tcp/127.0.0.1/$3") 2>/dev/null && break
  sleep 0.1
done
exec "$4"
