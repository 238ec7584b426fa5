# Sourced by the other scripts: where builds go and which tools come first.
# The build cache lives outside the clone so fresh clones (and CI) reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/echoes/target}"
export PATH="$(pwd)/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
