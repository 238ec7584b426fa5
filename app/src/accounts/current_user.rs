//! Who is calling: [`CurrentUser`], resolved once per request from the
//! session cookie *or* an `Authorization: Bearer` token, with the user's
//! role. Axum handlers take it as an extractor; server functions call
//! [`CurrentUser::of_request`] (or [`CurrentUser::optional`]). Every
//! service function takes one, so "who may do this" is decided in one place.
//!
//! The account behind a session is read from the database at most once a
//! second per replica ([`crate::infra::recently_read`]), so a disabled account
//! stops working within a second on every replica: its session is ended
//! (the next page shows it signed out) and its tokens are refused (a
//! token's account is read with the token, every time).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::{header, request::Parts, HeaderMap};
use tower_sessions::session::Id;
use tower_sessions::{Session, SessionStore};
use uuid::Uuid;

use super::personal_tokens::Scope;
use super::users::Account;
use super::{session, tokens, users, Role, User};
use crate::error::{AppError, ErrorCode};
use crate::infra::state::AppState;

/// A signed-in caller and how they proved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentUser {
    pub user: User,
    pub access: Access,
}

/// How the caller signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A browser session cookie: everything the account may do.
    Session,
    /// A bearer token (API access token or personal access token).
    Token { token_id: Uuid, scope: Scope },
}

impl CurrentUser {
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    /// The zone this person's wall-clock times are in.
    pub fn time_zone(&self) -> crate::local_time::TimeZone {
        crate::local_time::TimeZone::of(Some(&self.user))
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Refuses read-only tokens: call before changing anything.
    pub fn require_write(&self) -> Result<(), AppError> {
        match self.access {
            Access::Token { scope: Scope::Read, .. } => Err(AppError::new(
                ErrorCode::InsufficientScope,
                "This token is read-only. Use a token with the write scope to change anything.",
            )),
            _ => Ok(()),
        }
    }

    /// Refuses everyone but admins.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden("Only an administrator can do this."))
        }
    }

    /// The caller of the server function being run, or `401`.
    pub async fn of_request() -> Result<CurrentUser, AppError> {
        Self::optional().await?.ok_or_else(AppError::unauthenticated)
    }

    /// The caller of the server function being run, if signed in.
    pub async fn optional() -> Result<Option<CurrentUser>, AppError> {
        let state = crate::infra::state::app_state();
        let mut parts = leptos::prelude::use_context::<Parts>()
            .ok_or_else(|| AppError::internal("request parts", "not inside a request"))?;
        resolve(&mut parts, &state).await
    }
}

/// The bearer token in `Authorization`, if the request sends one. Any
/// other scheme is refused rather than ignored.
fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || AppError::new(ErrorCode::InvalidToken, "Send the token as `Authorization: Bearer <token>`.");
    let text = value.to_str().map_err(|_| invalid())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(invalid());
    }
    Ok(Some(token.trim()))
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    match parts.extensions.get::<CallerOfRequest>().cloned() {
        Some(once) => once.0.get_or_init(|| resolve_uncached(parts, state)).await.clone(),
        None => resolve_uncached(parts, state).await,
    }
}

/// Where a request keeps its caller once worked out, so a page whose
/// resources call several server functions reads the account once. It is
/// shared by every copy of the request's parts (Leptos hands each server
/// function a copy); [`remember_caller`] gives each request an empty one.
#[derive(Clone, Default)]
struct CallerOfRequest(std::sync::Arc<tokio::sync::OnceCell<Result<Option<CurrentUser>, AppError>>>);

/// Middleware: an empty [`CallerOfRequest`] for each request (no I/O; the
/// caller is looked up only when something asks).
pub async fn remember_caller(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    request.extensions_mut().insert(CallerOfRequest::default());
    next.run(request).await
}

async fn resolve_uncached(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    if let Some(caller) = token_caller(state, &parts.headers).await? {
        return Ok(Some(caller));
    }
    let Some(session) = parts.extensions.get::<Session>() else {
        return Ok(None);
    };
    let Some(user_id) = session::signed_in_user_id(session).await? else {
        return Ok(None);
    };
    match account(state, user_id).await? {
        Some(Account { user, disabled: false, .. }) => Ok(Some(CurrentUser { user, access: Access::Session })),
        // Gone or disabled: the session ends here, so the person is signed
        // out on their next page.
        Some(Account { disabled: true, .. }) | None => {
            tracing::info!(%user_id, "session of a disabled or deleted account ended");
            session::end(session).await?;
            Ok(None)
        }
    }
}

/// The caller named by an `Authorization: Bearer` token, if one is sent.
async fn token_caller(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = bearer_token(headers)? else {
        return Ok(None);
    };
    let found = tokens::authenticate(state, token).await?;
    let Some((account, token_id, scope)) = found else {
        return Err(AppError::new(ErrorCode::InvalidToken, "The token is unknown, expired or revoked."));
    };
    if account.disabled {
        return Err(AppError::account_disabled());
    }
    Ok(Some(CurrentUser { user: account.user, access: Access::Token { token_id, scope } }))
}

/// Reads the caller from the session cookie *without* the session layer,
/// for the one route a player calls for every range it fetches
/// (`GET /echoes/{id}/audio`): the layer's cookie jar, its per-request
/// session object and the lifetime bookkeeping cost more than the answer.
///
/// It reads the same store through the same one-second cache, so it lets
/// through exactly whom the layer would: a logged-out or revoked session, a
/// disabled or deleted account, a session past its idle expiry or its
/// maximum age are refused within a second. It never writes: pushing the
/// idle expiry back and ending a dead session are left to the next page.
#[derive(Clone)]
pub struct SessionCookieReader {
    name: &'static str,
    store: std::sync::Arc<dyn SessionStore>,
}

impl SessionCookieReader {
    pub fn new(name: &'static str, store: impl SessionStore) -> SessionCookieReader {
        SessionCookieReader { name, store: std::sync::Arc::new(store) }
    }

    /// The caller of a request with these `headers`: a bearer token's, else
    /// the session cookie's.
    pub async fn caller(&self, state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, AppError> {
        if let Some(caller) = token_caller(state, headers).await? {
            return Ok(Some(caller));
        }
        let Some(id) = cookie(headers, self.name).and_then(|value| value.parse::<Id>().ok()) else {
            return Ok(None);
        };
        let record = self.store.load(&id).await.map_err(|e| AppError::unavailable("session store", e))?;
        let Some(record) = record.filter(|r| r.expiry_date > time::OffsetDateTime::now_utc()) else {
            return Ok(None);
        };
        let user_id = record.data.get(session::USER_ID).and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        let signed_in_at = record.data.get(session::SIGNED_IN_AT).and_then(|v| v.as_i64());
        if signed_in_at.is_some_and(|at| session::past_max_age(at, state.config.sessions)) {
            return Ok(None);
        }
        match account(state, user_id).await? {
            Some(Account { user, disabled: false, .. }) => Ok(Some(CurrentUser { user, access: Access::Session })),
            Some(Account { disabled: true, .. }) | None => Ok(None),
        }
    }
}

/// The value of the cookie `name`, from any `Cookie` header.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(tower_sessions::cookie::Cookie::split_parse)
        .flatten()
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw())
}

/// The account `user_id`, as read within the last second.
async fn account(state: &AppState, user_id: Uuid) -> Result<Option<Account>, AppError> {
    if let Some(account) = state.recent.account(user_id) {
        return Ok(account);
    }
    let started = state.recent.begin_read();
    let account = users::find_by_id(&state.db, user_id).await?;
    state.recent.keep_account(started, user_id, &account);
    Ok(account)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        resolve(parts, state).await?.ok_or_else(AppError::unauthenticated)
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        resolve(parts, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in cookies {
            headers.append(header::COOKIE, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_in_any_cookie_header() {
        let both = headers(&["echoes_flash=uploaded; id=abc123", "theme=dark"]);
        assert_eq!(cookie(&both, "id"), Some("abc123"));
        assert_eq!(cookie(&both, "theme"), Some("dark"));
        let later = headers(&["a=1", "b=2;id=xyz"]);
        assert_eq!(cookie(&later, "id"), Some("xyz"));
        // A name that only starts or ends like it, garbage, or nothing at all.
        assert_eq!(cookie(&headers(&["idx=1; xid=2"]), "id"), None);
        assert_eq!(cookie(&headers(&[";;; =; id"]), "id"), None);
        assert_eq!(cookie(&HeaderMap::new(), "id"), None);
    }
}
