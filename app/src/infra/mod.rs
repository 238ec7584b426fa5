//! Server-only infrastructure: configuration, database, object storage and
//! the shared [`AppState`](state::AppState). Never compiled into the WASM.

pub mod config;
pub mod db;
pub mod state;
pub mod storage;
