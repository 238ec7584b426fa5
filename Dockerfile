# syntax=docker/dockerfile:1
# Echoes as an image: built with cargo-leptos, run as a non-root user on a
# slim Debian with libopus. Configure it with the variables in the README
# (compose.yaml shows PostgreSQL + S3); data lives in /var/lib/echoes.

# --- build -----------------------------------------------------------------
FROM rust:1.95-bookworm AS build
# Debian's current packages, not pinned versions: a pin breaks the build as
# soon as the mirror carries a security update.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopus-dev pkg-config nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --locked --version 0.3.10 \
 && cargo install wasm-bindgen-cli --version 0.2.130
WORKDIR /src
# npm's binaryen gives a wasm-opt recent enough for Leptos (Debian's is not).
COPY end2end/package.json end2end/package-lock.json end2end/
WORKDIR /src/end2end
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
WORKDIR /src
COPY . .
ENV PATH=/src/end2end/node_modules/.bin:$PATH \
    CARGO_TARGET_DIR=/src/target
RUN cargo leptos build --release --precompress --split \
 && install -D target/release/echoes /out/echoes \
 && cp -r target/site /out/site

# --- run -------------------------------------------------------------------
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopus0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/echoes --create-home echoes
COPY --from=build /out/echoes /usr/local/bin/echoes
COPY --from=build /out/site /usr/share/echoes/site
ENV LEPTOS_SITE_ROOT=/usr/share/echoes/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///var/lib/echoes/echoes.db \
    AUDIO_STORAGE_PATH=/var/lib/echoes/audio \
    LOG_FORMAT=json
USER 10001:10001
WORKDIR /var/lib/echoes
VOLUME ["/var/lib/echoes"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/bin/sh", "-c", "curl -fsS http://127.0.0.1:3000/health || exit 1"]
# SIGTERM: /ready turns 503, requests in flight get SHUTDOWN_GRACE_SECONDS.
STOPSIGNAL SIGTERM
ENTRYPOINT ["echoes"]
CMD ["serve"]
