//! The layers every request passes through, one concern a file. The order
//! they are applied in is in `crate::router`.

pub mod csrf;
pub mod error_log;
pub mod rate_limit;
pub mod request_id;
pub mod server_fn_body_limit;
pub mod server_fn_status;
