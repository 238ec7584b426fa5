//! Lays out the release server's code so that what it runs to start and to
//! answer everyday requests sits together at the front of the binary. The
//! kernel maps code in as it first runs, 64 KiB around each page: left where
//! it falls, the few MiB that run kept 23 of the binary's 37 MiB of code
//! resident. The list is `link/text-order.txt`, written by
//! `scripts/text-order.sh`; names it has that the binary lacks are skipped.
//!
//! Only for release builds on x86_64 Linux, where rustc links with its own
//! LLD. `ECHOES_TEXT_ORDER=off` keeps the default layout (for a linker that
//! lacks `--symbol-ordering-file`); a path uses another list (a relative
//! path is taken from `server/`, as Cargo reads it for rerun-if-changed,
//! and passed to the linker whole, since the linker runs elsewhere).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ECHOES_TEXT_ORDER");
    let target = std::env::var("TARGET").unwrap_or_default();
    let profile = std::env::var("PROFILE").unwrap_or_default();
    if target != "x86_64-unknown-linux-gnu" || profile != "release" {
        return;
    }
    // Read when the script runs: one target folder may serve several clones.
    let manifest_dir = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let order = match std::env::var("ECHOES_TEXT_ORDER") {
        Ok(setting) if setting == "off" => return,
        Ok(path) if !path.is_empty() => manifest_dir.join(path),
        _ => manifest_dir.join("link/text-order.txt"),
    };
    if !order.is_file() {
        return;
    }
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rustc-link-arg-bin=echoes=-Wl,--symbol-ordering-file={}", order.display());
    println!("cargo:rustc-link-arg-bin=echoes=-Wl,--no-warn-symbol-ordering");
}
