//! Browser sessions (tower-sessions, stored in the database so any replica
//! can serve them). The session id is rotated on every log-in, and a log-out
//! deletes the session on the server, not just the cookie.

use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;

const USER_ID: &str = "user_id";

/// The session of the request being served.
pub async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal("session layer missing", e))
}

/// The signed-in user's id, if any.
pub async fn signed_in_user_id(session: &Session) -> Result<Option<Uuid>, AppError> {
    session.get::<Uuid>(USER_ID).await.map_err(|e| AppError::internal("session store", e))
}

/// Signs `user_id` in: a fresh session id (defeats session fixation), then
/// the user id stored in it.
pub async fn start(session: &Session, user_id: Uuid) -> Result<(), AppError> {
    session.cycle_id().await.map_err(|e| AppError::internal("session cycle", e))?;
    session.insert(USER_ID, user_id).await.map_err(|e| AppError::internal("session store", e))
}

/// Signs out: the session row is deleted and the cookie cleared.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(|e| AppError::internal("session store", e))
}

/// The signed-in user's id, or `401 unauthenticated`.
pub async fn require_user_id() -> Result<Uuid, AppError> {
    let session = request_session().await?;
    signed_in_user_id(&session).await?.ok_or_else(AppError::unauthenticated)
}
