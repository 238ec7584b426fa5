#!/usr/bin/env bash
# Installs what is missing, builds the release, and runs Echoes at
# http://127.0.0.1:3000 on SQLite (./data/echoes.db) and local disk
# (./data/audio). Configure with environment variables or a .env file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo leptos build --release --precompress --split
exec "$CARGO_TARGET_DIR/release/echoes"
