//! The API's error shape, `{"error": {"code", "message", "field"?}}`, and
//! extractors whose refusals take that shape too (axum's own answer with
//! plain text).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use app::accounts::CurrentUser;
use app::error::{AppError, ErrorCode};
use app::infra::state::AppState;

/// An [`AppError`] as the API answers it.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl From<sqlx::Error> for ApiError {
    #[track_caller]
    fn from(error: sqlx::Error) -> Self {
        ApiError(error.into())
    }
}

/// Every error the API returns.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: match on this.
    pub code: ErrorCode,
    /// For people; may change.
    pub message: String,
    /// The request field the error is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// On 429 and 503: when to try again (also the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// When several fields were wrong: each of them (the first is also
    /// `field` and `message`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<app::error::FieldMessage>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = error.status_code();
        let retry_after = error.retry_after_secs;
        let body = ErrorBody {
            error: ErrorDetail {
                code: error.code,
                message: error.message,
                field: error.field,
                retry_after_secs: error.retry_after_secs.map(u64::from),
                errors: error.errors,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let message = rejection.body_text();
        ApiError(match rejection {
            JsonRejection::MissingJsonContentType(_) => AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Send the body as JSON (Content-Type: application/json).",
            ),
            JsonRejection::JsonDataError(_) => AppError::new(ErrorCode::Validation, truncated(&message)),
            JsonRejection::BytesRejection(ref bytes) if bytes.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::new(ErrorCode::PayloadTooLarge, "The request body is too large.")
            }
            _ => AppError::bad_request(truncated(&message)),
        })
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError(AppError::new(ErrorCode::Validation, truncated(&rejection.body_text())))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError(AppError::bad_request(truncated(&rejection.body_text())))
    }
}

/// serde's messages quote the input; keep them short.
fn truncated(message: &str) -> String {
    let mut text: String = message.chars().take(300).collect();
    if text.len() < message.len() {
        text.push('…');
    }
    text
}

/// A JSON body, refused in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string, refused in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters, refused in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The signed-in caller (session cookie or bearer token), refused in the
/// API's error shape.
pub struct Caller(pub CurrentUser);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Caller)
            .map_err(ApiError)
    }
}

impl OptionalFromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(|c| c.map(Caller))
            .map_err(ApiError)
    }
}

/// Unknown paths under `/api/v1`.
pub async fn not_found() -> ApiError {
    ApiError(AppError::new(ErrorCode::NotFound, "No such API endpoint. See /api/v1/openapi.json."))
}

/// JSON Schema counts `450.0` as an integer; serde does not. These accept
/// any JSON number that is whole and in range, so what the document calls
/// an integer is taken as one.
pub mod whole {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let value = serde_json::Number::deserialize(d)?;
        if let Some(n) = value.as_i64() {
            return Ok(n as f64);
        }
        if let Some(n) = value.as_u64() {
            return Ok(n as f64);
        }
        value.as_f64().filter(|n| n.fract() == 0.0).ok_or_else(|| D::Error::custom("expected a whole number"))
    }

    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let n = number(d)?;
        if (0.0..=u64::MAX as f64).contains(&n) {
            Ok(n as u64)
        } else {
            Err(D::Error::custom("expected a whole number of 0 or more"))
        }
    }

    pub fn option_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(value) => {
                let n = number(value).map_err(D::Error::custom)?;
                if (i64::MIN as f64..=i64::MAX as f64).contains(&n) {
                    Ok(Some(n as i64))
                } else {
                    Err(D::Error::custom("expected a whole number"))
                }
            }
        }
    }
}
