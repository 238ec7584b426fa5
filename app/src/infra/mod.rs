//! Server-only infrastructure: configuration, database, object storage and
//! the shared [`AppState`](state::AppState). Never compiled into the WASM.

pub mod client_ip;
pub mod config;
pub mod db;
pub mod instance;
pub mod mail;
pub mod recently_read;
pub mod secrets;
pub mod security_headers;
pub mod slots;
pub mod sms;
pub mod state;
pub mod storage;
