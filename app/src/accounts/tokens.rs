//! Bearer tokens for API clients, all opaque random strings of which only
//! a SHA-256 is stored:
//!
//! - an API log-in starts a *family*: a short-lived access token
//!   (`API_ACCESS_TOKEN_TTL`) and a refresh token (`API_REFRESH_TOKEN_TTL`);
//! - `refresh` exchanges a refresh token, once, for a new pair in the same
//!   family. A refresh token presented a second time means it was copied:
//!   the whole family is revoked (the thief's tokens and the owner's) and
//!   the reuse is logged;
//! - personal access tokens are made by the person, named, scoped `read`
//!   or `write`, and last until revoked.
//!
//! Tokens are opaque rather than JWTs because every request looks the
//! account up anyway (a disabled account must stop at once, everywhere):
//! a signature would save nothing, and revocation would need a list.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::current_user::{Access, CurrentUser};
use super::personal_tokens::{NewPersonalToken, PersonalToken, Scope, TokenName};
use super::users::{self, Account};
use crate::error::{AppError, ErrorCode};
use crate::infra::db::now_millis;
use crate::infra::state::AppState;
use crate::on_db;

const ACCESS_PREFIX: &str = "echo_at_";
const REFRESH_PREFIX: &str = "echo_rt_";
const PERSONAL_PREFIX: &str = "echo_pat_";
/// Longer input is not one of ours; it is refused before hashing.
const MAX_TOKEN_LEN: usize = 128;
/// A token's `last_used_at` is written at most this often.
const LAST_USED_EVERY_MS: i64 = 5 * 60 * 1000;
/// How many personal tokens one account may hold.
pub const MAX_PERSONAL_TOKENS: i64 = 50;

/// An access and refresh token pair, as handed to the client.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_in_secs: u64,
    pub refresh_expires_in_secs: u64,
}

/// 32 random bytes from the OS, base64url, behind a prefix that says what
/// the token is (and lets secret scanners spot a leaked one).
pub(crate) fn new_secret(prefix: &str) -> Result<String, AppError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal("token randomness", e.to_string()))?;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

pub(crate) fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn invalid_token() -> AppError {
    AppError::new(ErrorCode::InvalidToken, "The token is unknown, expired or revoked.")
}

struct NewToken<'a> {
    user_id: Uuid,
    kind: &'static str,
    family_id: Option<Uuid>,
    name: Option<&'a str>,
    scope: Scope,
    expires_at: Option<i64>,
}

async fn insert(state: &AppState, secret: &str, token: NewToken<'_>, now: i64) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    on_db!(&state.db, pool => sqlx::query(
        "INSERT INTO api_tokens (id, user_id, kind, secret_hash, family_id, name, scope, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(token.user_id)
    .bind(token.kind)
    .bind(digest(secret))
    .bind(token.family_id)
    .bind(token.name)
    .bind(token.scope.as_str())
    .bind(now)
    .bind(token.expires_at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(id)
}

/// A new family for `user_id`: the answer to an API log-in.
pub async fn issue_pair(state: &AppState, user_id: Uuid) -> Result<IssuedTokens, AppError> {
    issue_in_family(state, user_id, Uuid::now_v7()).await
}

async fn issue_in_family(state: &AppState, user_id: Uuid, family_id: Uuid) -> Result<IssuedTokens, AppError> {
    let settings = state.config.api_tokens;
    let now = now_millis();
    let (access_token, refresh_token) = (new_secret(ACCESS_PREFIX)?, new_secret(REFRESH_PREFIX)?);
    let token = |kind, ttl: std::time::Duration| NewToken {
        user_id,
        kind,
        family_id: Some(family_id),
        name: None,
        scope: Scope::Write,
        expires_at: Some(now + ttl.as_millis() as i64),
    };
    insert(state, &access_token, token("access", settings.access_ttl), now).await?;
    insert(state, &refresh_token, token("refresh", settings.refresh_ttl), now).await?;
    Ok(IssuedTokens {
        access_token,
        refresh_token,
        access_expires_in_secs: settings.access_ttl.as_secs(),
        refresh_expires_in_secs: settings.refresh_ttl.as_secs(),
    })
}

#[derive(sqlx::FromRow)]
struct RefreshRow {
    id: Uuid,
    user_id: Uuid,
    family_id: Option<Uuid>,
    expires_at: Option<i64>,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// Exchanges a refresh token for a new pair (and says whose); a reused one
/// revokes its family.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<(IssuedTokens, super::User), AppError> {
    let token = refresh_token.trim();
    if token.len() > MAX_TOKEN_LEN || !token.starts_with(REFRESH_PREFIX) {
        return Err(invalid_token());
    }
    let row = on_db!(&state.db, pool => sqlx::query_as::<_, RefreshRow>(
        "SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM api_tokens \
         WHERE secret_hash = $1 AND kind = 'refresh'",
    )
    .bind(digest(token))
    .fetch_optional(pool)
    .await)?;
    let Some(row) = row else { return Err(invalid_token()) };
    let family_id = row.family_id.unwrap_or(row.id);
    let now = now_millis();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|t| t <= now) {
        return Err(invalid_token());
    }
    if row.used_at.is_some() {
        return Err(reused(state, row.user_id, family_id).await);
    }
    // Exactly one exchange wins, even when two race with the same token.
    let claimed = on_db!(&state.db, pool => sqlx::query(
        "UPDATE api_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(row.id)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if claimed != 1 {
        return Err(reused(state, row.user_id, family_id).await);
    }
    match users::find_by_id(&state.db, row.user_id).await? {
        Some(Account { disabled: false, user, .. }) => {
            Ok((issue_in_family(state, row.user_id, family_id).await?, user))
        }
        Some(_) => Err(AppError::account_disabled()),
        None => Err(invalid_token()),
    }
}

async fn reused(state: &AppState, user_id: Uuid, family_id: Uuid) -> AppError {
    tracing::warn!(%user_id, %family_id, "refresh token reused: revoking its whole family");
    if let Err(err) = revoke_family(state, family_id).await {
        return err;
    }
    invalid_token()
}

async fn revoke_family(state: &AppState, family_id: Uuid) -> Result<(), AppError> {
    on_db!(&state.db, pool => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// API log-out: revokes the family of the access token the caller used. A
/// personal token is left alone: it is revoked by its id, on purpose.
pub async fn log_out(state: &AppState, caller: &CurrentUser) -> Result<(), AppError> {
    let Access::Token { token_id, .. } = caller.access else {
        return Ok(());
    };
    let family: Option<Option<Uuid>> = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT family_id FROM api_tokens WHERE id = $1 AND user_id = $2",
    )
    .bind(token_id)
    .bind(caller.id())
    .fetch_optional(pool)
    .await)?;
    match family.flatten() {
        Some(family) => revoke_family(state, family).await,
        None => Ok(()),
    }
}

/// Revokes every API log-in (access and refresh tokens) of `user_id`, as
/// when the password changes. Personal tokens are left alone.
pub async fn revoke_log_ins(state: &AppState, user_id: Uuid) -> Result<(), AppError> {
    on_db!(&state.db, pool => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND kind <> 'personal' AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct BearerRow {
    token_id: Uuid,
    scope: String,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    #[sqlx(flatten)]
    user: users::UserRow,
}

/// The account behind an access or personal token, with the token's id
/// and scope; `None` when the token is unknown, expired or revoked.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<(Account, Uuid, Scope)>, AppError> {
    if token.len() > MAX_TOKEN_LEN || !(token.starts_with(ACCESS_PREFIX) || token.starts_with(PERSONAL_PREFIX)) {
        return Ok(None);
    }
    // The token and its account in one query: this runs on every API request.
    let sql = format!(
        "SELECT t.id AS token_id, t.scope, t.expires_at, t.revoked_at, t.last_used_at, {} \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1 AND t.kind <> 'refresh'",
        crate::infra::db::qualified(users::COLUMNS, "u")
    );
    let row = on_db!(&state.db, pool => sqlx::query_as::<_, BearerRow>(&sql)
        .bind(digest(token))
        .fetch_optional(pool)
        .await)?;
    let now = now_millis();
    let Some(row) = row.filter(|r| r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > now)) else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|t| now - t >= LAST_USED_EVERY_MS) {
        on_db!(&state.db, pool => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(row.token_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    let scope = Scope::parse(&row.scope).unwrap_or(Scope::Read);
    Ok(Some((row.user.into_account(), row.token_id, scope)))
}

#[derive(sqlx::FromRow)]
struct PersonalRow {
    id: Uuid,
    name: Option<String>,
    scope: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl PersonalRow {
    fn into_token(self) -> PersonalToken {
        PersonalToken {
            id: self.id,
            name: self.name.unwrap_or_default(),
            scope: Scope::parse(&self.scope).unwrap_or(Scope::Read),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        }
    }
}

/// The caller's personal tokens that still work, newest first.
pub async fn list_personal(state: &AppState, caller: &CurrentUser) -> Result<Vec<PersonalToken>, AppError> {
    let rows = on_db!(&state.db, pool => sqlx::query_as::<_, PersonalRow>(
        "SELECT id, name, scope, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 AND kind = 'personal' AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
    )
    .bind(caller.id())
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(PersonalRow::into_token).collect())
}

/// Makes a personal token; its secret is in the answer and nowhere else.
pub async fn create_personal(
    state: &AppState,
    caller: &CurrentUser,
    name: TokenName,
    scope: Scope,
) -> Result<NewPersonalToken, AppError> {
    caller.require_write()?;
    let held: i64 = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND kind = 'personal' AND revoked_at IS NULL",
    )
    .bind(caller.id())
    .fetch_one(pool)
    .await)?;
    if held >= MAX_PERSONAL_TOKENS {
        return Err(AppError::new(
            ErrorCode::LimitReached,
            format!("You have {MAX_PERSONAL_TOKENS} tokens already. Revoke one you no longer use first."),
        ));
    }
    let secret = new_secret(PERSONAL_PREFIX)?;
    let now = now_millis();
    let new = NewToken {
        user_id: caller.id(),
        kind: "personal",
        family_id: None,
        name: Some(name.as_ref()),
        scope,
        expires_at: None,
    };
    let id = insert(state, &secret, new, now).await?;
    tracing::info!(user_id = %caller.id(), token_id = %id, scope = scope.as_str(), "personal token created");
    let token = PersonalToken { id, name: name.as_ref().to_owned(), scope, created_at: now, last_used_at: None };
    Ok(NewPersonalToken { token, secret })
}

/// Revokes one of the caller's personal tokens; another's is "not found".
pub async fn revoke_personal(state: &AppState, caller: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    caller.require_write()?;
    let revoked = on_db!(&state.db, pool => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 \
         WHERE id = $1 AND user_id = $2 AND kind = 'personal' AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(caller.id())
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if revoked == 0 {
        return Err(AppError::not_found("token"));
    }
    tracing::info!(user_id = %caller.id(), token_id = %id, "personal token revoked");
    Ok(())
}

/// Forgets tokens that expired or were revoked over a day ago.
pub async fn forget_old(state: &AppState) -> Result<u64, AppError> {
    let cutoff = now_millis() - 24 * 3600 * 1000;
    let removed = on_db!(&state.db, pool => sqlx::query(
        "DELETE FROM api_tokens WHERE (expires_at IS NOT NULL AND expires_at < $1) OR revoked_at < $1",
    )
    .bind(cutoff)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(removed)
}
