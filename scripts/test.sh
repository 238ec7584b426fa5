#!/usr/bin/env bash
# Runs every test: unit, integration (SQLite; PostgreSQL too when
# TEST_DATABASE_URL is set), the JSON API against its OpenAPI document
# (schemathesis), and end-to-end in Chromium against the release build.
# Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "Unit tests, and the Dockerfile's lint"
cargo test -p app --features ssr --lib
"$HOME/.cache/echoes/venv/bin/hadolint" Dockerfile
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Integration tests on SQLite and PostgreSQL"
else
  say "Integration tests on SQLite (set TEST_DATABASE_URL to add PostgreSQL)"
fi
cargo test -p server

say "Release build"
cargo leptos build --release --precompress --split
cargo build -p testkit --bins

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Fault tests: the release binary killed, stopped, and cut off from PostgreSQL and S3"
  ECHOES_BIN="$CARGO_TARGET_DIR/release/echoes" cargo test -p testkit --test faults -- --test-threads=1
else
  say "Fault tests: the release binary killed, stopped, and cut off from S3 (set TEST_DATABASE_URL to add PostgreSQL)"
  ECHOES_BIN="$CARGO_TARGET_DIR/release/echoes" cargo test -p testkit --test faults -- --test-threads=1 \
    --skip postgres
fi

say "The JSON API from outside: a curl script and schemathesis"
scripts/api-check.sh

say "End-to-end tests in Chromium"
export ECHOES_BIN="$CARGO_TARGET_DIR/release/echoes"
export ECHOES_SITE_ROOT="$(pwd)/target/site"
export ECHOES_TEST_S3_BIN="$CARGO_TARGET_DIR/debug/echoes-test-s3"
export ECHOES_TEST_OAUTH_BIN="$CARGO_TARGET_DIR/debug/echoes-test-oauth"
(cd end2end && npx playwright test)
say "All tests passed"
