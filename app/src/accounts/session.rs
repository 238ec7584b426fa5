//! Browser sessions (tower-sessions, stored in the database so any replica
//! can serve them). The session id is rotated on every log-in, and a log-out
//! deletes the session on the server, not just the cookie.
//!
//! Lifetime ([`enforce_lifetime`], run on every request that carries a
//! session cookie):
//! - idle: the stored expiry is `SESSION_IDLE_TIMEOUT` after the last
//!   write, and an active session is written again at most every few
//!   minutes (`SessionSettings::refresh_every`) to push it back — not once
//!   per request;
//! - absolute: `SESSION_MAX_AGE` after log-in the session is deleted,
//!   however active, and the person logs in again.

use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::infra::config::SessionSettings;

const USER_ID: &str = "user_id";
/// When the person logged in (Unix ms).
const SIGNED_IN_AT: &str = "signed_in_at";
/// When the expiry was last pushed back (Unix ms).
const REFRESHED_AT: &str = "refreshed_at";

/// The session of the request being served.
pub async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal("session layer missing", e))
}

/// The signed-in user's id, if any.
pub async fn signed_in_user_id(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get::<Uuid>(USER_ID).await.map_err(|e| AppError::unavailable("session store", e))
}

/// Signs `user_id` in: a fresh session id (defeats session fixation), then
/// the user id stored in it.
pub async fn start(session: &Session, user_id: Uuid) -> Result<(), AppError> {
    session.cycle_id().await.map_err(|e| AppError::unavailable("session cycle", e))?;
    let now = crate::infra::db::now_millis();
    session.insert(USER_ID, user_id).await.map_err(|e| AppError::unavailable("session store", e))?;
    session.insert(SIGNED_IN_AT, now).await.map_err(|e| AppError::unavailable("session store", e))?;
    session.insert(REFRESHED_AT, now).await.map_err(|e| AppError::unavailable("session store", e))
}

/// Ends a session past its absolute lifetime; pushes an active one's idle
/// expiry back when the last push is older than `refresh_every`.
pub async fn keep_within_lifetime(session: &Session, settings: SessionSettings) -> Result<(), AppError> {
    let store = |e| AppError::unavailable("session store", e);
    if session.get::<Uuid>(USER_ID).await.map_err(store)?.is_none() {
        return Ok(());
    }
    let now = crate::infra::db::now_millis();
    let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await.map_err(store)?;
    let Some(signed_in_at) = signed_in_at else {
        // A session from before lifetimes were recorded: its life starts now.
        session.insert(SIGNED_IN_AT, now).await.map_err(store)?;
        return session.insert(REFRESHED_AT, now).await.map_err(store);
    };
    if now - signed_in_at >= settings.max_age.as_millis() as i64 {
        tracing::info!("session ended: past its maximum age");
        return session.flush().await.map_err(store);
    }
    let refreshed_at = session.get::<i64>(REFRESHED_AT).await.map_err(store)?.unwrap_or(0);
    if now - refreshed_at >= settings.refresh_every().as_millis() as i64 {
        // A changed session is saved with a fresh expiry (and cookie).
        session.insert(REFRESHED_AT, now).await.map_err(store)?;
    }
    Ok(())
}

/// Middleware: applies [`keep_within_lifetime`] to requests that carry a
/// session cookie (others never touch the store).
pub async fn enforce_lifetime(
    axum::extract::State(settings): axum::extract::State<SessionSettings>,
    session: Session,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let has_cookie = request.headers().contains_key(axum::http::header::COOKIE);
    let is_asset = request.uri().path().starts_with("/pkg/");
    if has_cookie && !is_asset {
        if let Err(err) = keep_within_lifetime(&session, settings).await {
            return err.into_response();
        }
    }
    next.run(request).await
}

/// Signs out: the session row is deleted and the cookie cleared.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(|e| AppError::unavailable("session store", e))
}
