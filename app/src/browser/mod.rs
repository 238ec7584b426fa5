//! Browser-only helpers (compiled into the WASM, never on the server).

pub mod hydration;
pub mod place;
pub mod recorder;
pub mod take_store;
pub mod upload;
pub mod xhr;
