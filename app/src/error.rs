//! The one error type users ever see.
//!
//! Policy (after crates.io's `util/errors.rs`): every failure a user can cause
//! becomes an [`AppError`] with a stable [`ErrorCode`], the right HTTP status
//! and a human message, optionally naming the form field it belongs to.
//! Anything else (database down, disk full) is logged once on the server and
//! reaches the user only as a generic `internal` error.

use serde::{Deserialize, Serialize};
use server_fn_error::*;

/// Stable, machine-readable error codes. Clients may match on these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request needs a signed-in user.
    Unauthenticated,
    /// Email and password do not match an account.
    InvalidCredentials,
    /// Sign-up with an email that already has an account.
    EmailTaken,
    /// A field failed validation; `field` names it.
    Validation,
    /// The request was malformed (bad id, bad multipart body, …).
    BadRequest,
    /// Nothing here, or it belongs to someone else.
    NotFound,
    /// The upload is larger than the configured cap.
    PayloadTooLarge,
    /// The upload is not one of the accepted audio formats.
    UnsupportedMediaType,
    /// A Range header that starts past the end of the object.
    RangeNotSatisfiable,
    /// "Complete" before the file has arrived in storage.
    UploadNotReceived,
    /// Something failed on our side; details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status for this code.
    pub fn status(self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::EmailTaken => 409,
            Self::Validation => 422,
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::UploadNotReceived => 409,
            Self::Internal => 500,
        }
    }
}

/// An error as the user sees it: serialized to JSON for API clients and
/// server-function callers, rendered next to the form field it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The form field this error belongs to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// A validation error attached to one form field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self { code: ErrorCode::Validation, message: message.into(), field: Some(field.to_owned()) }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please log in to continue.")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// An internal failure: the details are logged here, once, and the user
    /// gets a generic message.
    #[cfg(feature = "ssr")]
    #[track_caller]
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(%err, context, location = %at, "internal error");
        Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
    }

    /// The message for `field`, if this error belongs to it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message.clone())
    }

    /// The message when the error belongs to no particular field.
    pub fn general_message(&self) -> Option<String> {
        self.field.is_none().then(|| self.message.clone())
    }
}

mod server_fn_error {
    pub use leptos::server_fn::codec::JsonEncoding;
    pub use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                Self::bad_request(format!("The request could not be read: {msg}"))
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::new(ErrorCode::Internal, "Could not reach the server. Check your connection and try again.")
            }
            ServerFnErrorErr::MissingArg(arg) => Self::invalid(&arg, format!("Please fill in {arg}.")),
            other => Self::new(ErrorCode::Internal, format!("Unexpected error: {other}")),
        }
    }
}

#[cfg(feature = "ssr")]
mod http_response {
    use super::AppError;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    impl AppError {
        pub fn status_code(&self) -> StatusCode {
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            (self.status_code(), axum::Json(self)).into_response()
        }
    }

    impl From<sqlx::Error> for AppError {
        #[track_caller]
        fn from(err: sqlx::Error) -> Self {
            AppError::internal("database", err)
        }
    }
}
