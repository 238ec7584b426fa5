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

pub const USER_ID: &str = "user_id";
/// When the person logged in (Unix ms).
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When the expiry was last pushed back (Unix ms): also "last seen".
pub const REFRESHED_AT: &str = "refreshed_at";
/// A public name for the session, for the account page's list of
/// devices (the session id is the cookie's secret and stays private).
pub const HANDLE: &str = "handle";
/// The browser's User-Agent at log-in, cut to [`MAX_USER_AGENT`].
pub const USER_AGENT: &str = "user_agent";
/// When the person last proved it's them again (Unix ms), for the
/// account deletion without a password.
const REAUTHENTICATED_AT: &str = "reauthenticated_at";
pub const MAX_USER_AGENT: usize = 300;
/// How long a fresh "confirm it's you" counts.
pub const REAUTHENTICATION_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The session cookie's name. `__Host-`: over https the browser only
/// accepts the cookie when it is Secure, for this exact host, on every path.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-echoes_session" } else { "echoes_session" }
}

/// The session of the request being served.
pub async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal("session layer missing", e))
}

/// The signed-in user's id, if any.
pub async fn signed_in_user_id(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get::<Uuid>(USER_ID).await.map_err(|e| AppError::unavailable("session store", e))
}

/// The User-Agent of the request being served, if any.
pub fn request_user_agent() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.headers.get(http::header::USER_AGENT)?.to_str().ok().map(str::to_owned)
}

/// Signs `user_id` in: a fresh session id (defeats session fixation), then
/// the user id, a new handle and the browser stored in it. Whatever the
/// session held before (a sign-in under way at a provider) is dropped.
pub async fn start(session: &Session, user_id: Uuid, user_agent: Option<&str>) -> Result<(), AppError> {
    let store = |e| AppError::unavailable("session store", e);
    session.cycle_id().await.map_err(|e| AppError::unavailable("session cycle", e))?;
    session.clear().await;
    let now = crate::infra::db::now_millis();
    session.insert(USER_ID, user_id).await.map_err(store)?;
    session.insert(SIGNED_IN_AT, now).await.map_err(store)?;
    session.insert(REFRESHED_AT, now).await.map_err(store)?;
    session.insert(HANDLE, Uuid::new_v4()).await.map_err(store)?;
    let user_agent: Option<String> = user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
    session.insert(USER_AGENT, user_agent).await.map_err(store)
}

/// This session's public handle.
pub async fn handle(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get::<Uuid>(HANDLE).await.map_err(|e| AppError::unavailable("session store", e))
}

/// Records that the person just proved it's them (a fresh provider sign-in).
pub async fn mark_reauthenticated(session: &Session) -> Result<(), AppError> {
    let now = crate::infra::db::now_millis();
    session.insert(REAUTHENTICATED_AT, now).await.map_err(|e| AppError::unavailable("session store", e))
}

/// Whether they did so within [`REAUTHENTICATION_WINDOW_MS`].
pub async fn reauthenticated_recently(session: &Session) -> Result<bool, AppError> {
    let at = session.get::<i64>(REAUTHENTICATED_AT).await.map_err(|e| AppError::unavailable("session store", e))?;
    Ok(at.is_some_and(|at| crate::infra::db::now_millis() - at < REAUTHENTICATION_WINDOW_MS))
}

/// Whether a session signed in at `signed_in_at` (ms since the epoch) has
/// outlived its absolute lifetime.
pub fn past_max_age(signed_in_at: i64, settings: SessionSettings) -> bool {
    crate::infra::db::now_millis() - signed_in_at >= settings.max_age.as_millis() as i64
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
    if session.get::<Uuid>(HANDLE).await.map_err(store)?.is_none() {
        // A session from before the list of devices: it gets its handle.
        session.insert(HANDLE, Uuid::new_v4()).await.map_err(store)?;
    }
    if past_max_age(signed_in_at, settings) {
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
