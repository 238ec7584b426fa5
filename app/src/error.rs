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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// The request came from another site (CSRF protection), or the caller
    /// may not do this (not an admin).
    Forbidden,
    /// The account was disabled by an administrator.
    AccountDisabled,
    /// The bearer token is read-only and the request would change something.
    InsufficientScope,
    /// The bearer (or refresh) token is unknown, expired or revoked.
    InvalidToken,
    /// The change would leave the instance without an administrator.
    LastAdmin,
    /// The account holds as many of these as it may (personal tokens…).
    LimitReached,
    /// The provider account is linked to an Echoes account already.
    AlreadyLinked,
    /// Unlinking would leave the account with no way to sign in.
    LastSignInMethod,
    /// The account has two-step sign-in: the log-in needs its code too.
    TwoFactorRequired,
    /// A one-time code (authenticator, recovery or sign-in code) is wrong,
    /// used or expired.
    InvalidCode,
    /// Too many attempts; `retry_after_secs` says when to try again.
    TooManyRequests,
    /// A dependency (database, storage) or a bounded resource (decoding,
    /// password hashing) is busy or unreachable; try again shortly.
    Unavailable,
    /// Something failed on our side; details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status for this code.
    pub fn status(self) -> u16 {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials | Self::TwoFactorRequired | Self::InvalidCode => 401,
            Self::EmailTaken => 409,
            Self::Validation => 422,
            Self::BadRequest => 400,
            Self::NotFound => 404,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::UploadNotReceived => 409,
            Self::Forbidden | Self::AccountDisabled | Self::InsufficientScope => 403,
            Self::InvalidToken => 401,
            Self::LastAdmin | Self::LimitReached | Self::AlreadyLinked | Self::LastSignInMethod => 409,
            Self::TooManyRequests => 429,
            Self::Unavailable => 503,
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
    /// When to try again, in seconds (429 and 503); also sent as `Retry-After`.
    /// (u32 keeps the error small enough to pass around by value.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u32>,
    /// When a form had more than one field wrong: every one of them (the
    /// first is also `field` and `message`), so all show at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldMessage>,
    /// What was entered in `field`, when a page without JavaScript needs it
    /// back (the taken email, so "Log in instead?" can carry it over). Only
    /// ever the caller's own input, never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Box<str>>,
    /// What really went wrong, for the server log only: never serialized,
    /// never shown to a person.
    #[serde(skip)]
    pub cause: ErrorSource,
}

/// One field's problem, in an error about several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

/// The cause behind an [`AppError`], kept for logging. Two errors compare
/// equal whatever their sources.
#[derive(Clone, Default)]
pub struct ErrorSource(Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>);

impl ErrorSource {
    pub fn get(&self) -> Option<&(dyn std::error::Error + Send + Sync)> {
        self.0.as_deref()
    }
}

impl std::fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(source) => write!(f, "{source}"),
            None => f.write_str("-"),
        }
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ErrorSource {}

/// A cause with the context it happened in ("store audio: disk full").
#[derive(Debug)]
struct InContext {
    context: String,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for InContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.context, self.cause)?;
        let mut next = self.cause.source();
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

impl std::error::Error for InContext {}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
            errors: Vec::new(),
            value: None,
            cause: ErrorSource::default(),
        }
    }

    /// An error of `code` attached to one form field.
    pub fn on_field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), ..Self::new(code, message) }
    }

    /// A validation error attached to one form field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::on_field(ErrorCode::Validation, field, message)
    }

    /// Tells the client when to try again.
    /// A field error moved onto `field` (the same check serving a form
    /// whose input has another name); an error without a field stays so.
    pub fn on(mut self, field: &str) -> Self {
        if self.field.is_some() {
            self.field = Some(field.to_owned());
        }
        self
    }

    /// One error standing for all of `errors`: the first (in form order)
    /// leads, and when several name a field, each is listed so a form can
    /// show them together. `None` when there are none.
    pub fn all_of(errors: Vec<AppError>) -> Option<AppError> {
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        let rest: Vec<AppError> = errors.collect();
        if first.field.is_some() && rest.iter().any(|e| e.field.is_some()) {
            let mut listed = vec![FieldMessage { field: first.field.clone().unwrap_or_default(), message: first.message.clone() }];
            for error in rest {
                match error.field {
                    Some(field) if !listed.iter().any(|l| l.field == field) => {
                        listed.push(FieldMessage { field, message: error.message })
                    }
                    _ => {}
                }
            }
            first.errors = listed;
        }
        Some(first)
    }

    /// Hands what was entered in the error's field back to the form.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into().into_boxed_str());
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(u32::try_from(secs.max(1)).unwrap_or(u32::MAX));
        self
    }

    /// Keeps `cause` (with `context`) for the log.
    pub fn caused_by(mut self, context: &str, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = InContext { context: context.to_owned(), cause: cause.into() };
        self.cause = ErrorSource(Some(std::sync::Arc::new(source)));
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please log in to continue.")
    }

    pub fn account_disabled() -> Self {
        Self::new(
            ErrorCode::AccountDisabled,
            "This account has been disabled. Contact the administrator of this Echoes.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// An internal failure: the user gets a generic message; the cause is
    /// kept and logged once, with the request's route (see [`report`]).
    #[cfg(feature = "ssr")]
    #[track_caller]
    pub fn internal(context: &str, err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let at = std::panic::Location::caller();
        let error = Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
            .caused_by(&format!("{context} (at {at})"), err);
        report::record(&error);
        error
    }

    /// A dependency that is down or overloaded (database pool exhausted,
    /// storage unreachable): a 503 the client may retry.
    #[cfg(feature = "ssr")]
    #[track_caller]
    pub fn unavailable(context: &str, err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let at = std::panic::Location::caller();
        let error = Self::new(
            ErrorCode::Unavailable,
            "Echoes cannot reach its storage or database right now. Please try again in a moment.",
        )
        .retry_after(5)
        .caused_by(&format!("{context} (at {at})"), err);
        report::record(&error);
        error
    }

    /// The message for `field`, if this error belongs to it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        if self.field.as_deref() == Some(field) {
            return Some(self.message.clone());
        }
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }

    /// Every field this error names, in form order.
    pub fn fields(&self) -> Vec<&str> {
        match (&self.field, self.errors.is_empty()) {
            (Some(field), true) => vec![field.as_str()],
            (_, false) => self.errors.iter().map(|e| e.field.as_str()).collect(),
            (None, true) => Vec::new(),
        }
    }

    /// The message when the error belongs to no particular field.
    pub fn general_message(&self) -> Option<String> {
        self.field.is_none().then(|| self.message.clone())
    }
}

/// Checks a form's fields all at once: `(a, b, c).all_valid()?` gives
/// every value, or one error naming every field that was wrong.
pub trait AllValid {
    type Values;
    fn all_valid(self) -> Result<Self::Values, AppError>;
}

macro_rules! all_valid_for_tuple {
    ($($name:ident: $t:ident),+) => {
        impl<$($t),+> AllValid for ($(Result<$t, AppError>,)+) {
            type Values = ($($t,)+);
            fn all_valid(self) -> Result<Self::Values, AppError> {
                let ($($name,)+) = self;
                match ($($name,)+) {
                    ($(Ok($name),)+) => Ok(($($name,)+)),
                    ($($name,)+) => {
                        let errors = vec![$($name.err()),+].into_iter().flatten().collect();
                        Err(AppError::all_of(errors).expect("at least one field was wrong"))
                    }
                }
            }
        }
    };
}
all_valid_for_tuple!(a: A, b: B);
all_valid_for_tuple!(a: A, b: B, c: C);
all_valid_for_tuple!(a: A, b: B, c: C, d: D);

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
            // Nothing internal reaches a person: the details stay in the log.
            other => {
                #[cfg(feature = "ssr")]
                tracing::warn!(error = %other, "server function failed outside our code");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
            }
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
            let retry_after = self.retry_after_secs;
            let mut response = (self.status_code(), axum::Json(self)).into_response();
            if let Some(secs) = retry_after {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
            }
            response
        }
    }

    impl From<sqlx::Error> for AppError {
        #[track_caller]
        fn from(err: sqlx::Error) -> Self {
            match err {
                // The pool is exhausted or the server unreachable: retryable.
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    AppError::unavailable("database", err)
                }
                other => AppError::internal("database", other),
            }
        }
    }
}

/// Logging internal errors once, in the request they belong to.
///
/// The middleware runs each request inside [`capture`]; an internal error
/// made while serving it is [`record`]ed there and logged by the middleware
/// inside the request's span (which carries the matched route). An error
/// made outside any request (a background task) is logged at once.
#[cfg(feature = "ssr")]
pub mod report {
    use std::sync::{Arc, Mutex};

    use super::AppError;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<AppError>>>);

    tokio::task_local! {
        static CAPTURED: Captured;
    }

    /// Runs `request` and returns what it produced plus the internal errors
    /// recorded while it ran.
    pub async fn capture<F: std::future::Future>(request: F) -> (F::Output, Vec<AppError>) {
        let captured = Captured::default();
        let output = CAPTURED.scope(captured.clone(), request).await;
        let errors = captured.0.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default();
        (output, errors)
    }

    pub(super) fn record(error: &AppError) {
        let kept = CAPTURED.try_with(|captured| {
            if let Ok(mut errors) = captured.0.lock() {
                errors.push(error.clone());
            }
        });
        if kept.is_err() {
            log(error);
        }
    }

    /// Logs one error with its cause.
    pub fn log(error: &AppError) {
        let cause = format!("{:?}", error.cause);
        if error.code == super::ErrorCode::Unavailable {
            tracing::warn!(code = ?error.code, error = %cause, "dependency unavailable");
        } else {
            tracing::error!(code = ?error.code, error = %cause, "internal error");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_valid_names_every_wrong_field_in_form_order() {
        let ok: Result<u8, AppError> = Ok(1);
        let name: Result<u8, AppError> = Err(AppError::invalid("display_name", "Enter your name."));
        let email: Result<u8, AppError> = Err(AppError::invalid("email", "Enter your email address."));
        let error = (name, ok.clone(), email).all_valid().unwrap_err();
        assert_eq!(error.field.as_deref(), Some("display_name"));
        assert_eq!(error.fields(), ["display_name", "email"]);
        assert_eq!(error.message_for("email").as_deref(), Some("Enter your email address."));
        assert_eq!(error.message_for("display_name").as_deref(), Some("Enter your name."));
        assert_eq!((ok.clone(), ok).all_valid().unwrap(), (1, 1));
    }

    #[test]
    fn one_wrong_field_stays_a_plain_field_error() {
        let error = AppError::all_of(vec![AppError::invalid("email", "Enter your email address.")]).unwrap();
        assert!(error.errors.is_empty());
        assert_eq!(error.fields(), ["email"]);
        let json = serde_json::to_value(&error).unwrap();
        assert!(json.get("errors").is_none(), "{json}");
        assert_eq!(AppError::all_of(Vec::new()), None);
    }
}
