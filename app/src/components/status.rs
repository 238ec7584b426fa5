//! Gives a server-rendered page the HTTP status of the error it shows
//! (a missing echo is a real 404, not a 200 that says "not found").

use crate::error::AppError;

pub fn set_page_status(_err: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(_err.status_code());
    }
}

/// The same, for a page that knows its status as a number.
pub fn set_page_status_code(_status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::from_u16(_status).unwrap_or(http::StatusCode::BAD_REQUEST));
    }
}
