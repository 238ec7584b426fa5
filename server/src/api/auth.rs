//! `/api/v1/auth/…`: accounts for API clients — register, log in, refresh,
//! log out, "me" — and personal access tokens. Every handler parses its
//! input and calls the same service function the pages use.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use app::accounts::tokens::{self, IssuedTokens};
use app::accounts::{self, DisplayName, Email, NewPersonalToken, Password, PersonalToken, Scope, TokenName, User};
use app::infra::client_ip::ClientIp;
use app::infra::state::AppState;

use super::error::{ApiResult, Caller, ErrorBody, Json, Path};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Stored lower-cased.
    #[schema(example = "ada@example.org", format = Email, max_length = 254)]
    pub email: String,
    /// 8 to 128 characters.
    #[schema(example = "correct horse battery", min_length = 8, max_length = 128)]
    pub password: String,
    /// 1 to 60 characters, not only spaces, no control characters.
    #[schema(
        example = "Ada",
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub display_name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "ada@example.org", max_length = 1024)]
    pub email: String,
    #[schema(example = "correct horse battery", min_length = 1, max_length = 128)]
    pub password: String,
    /// For an account with two-step sign-in: the six-digit code its
    /// authenticator app shows now, or one of its recovery codes.
    #[schema(example = "123456", max_length = 64)]
    #[serde(default)]
    pub two_factor_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token from the last log-in or refresh. It works once.
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ProfileChange {
    /// 1 to 60 characters, not only spaces, no control characters.
    #[schema(
        example = "Ada Lovelace",
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub display_name: String,
}

/// A log-in's tokens, with who they belong to.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange at `/api/v1/auth/refresh` for a new pair; works once.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
    pub user: User,
}

impl TokenResponse {
    fn new(tokens: IssuedTokens, user: User) -> TokenResponse {
        TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: tokens.access_expires_in_secs,
            refresh_token: tokens.refresh_token,
            refresh_expires_in: tokens.refresh_expires_in_secs,
            user,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// What will use it ("Backup script"): 1 to 60 characters.
    #[schema(
        example = "Backup script",
        min_length = 1,
        max_length = 60,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
    /// `read` (look and download) or `write` (everything).
    pub scope: Scope,
}

/// Creates an account and logs it in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created; its tokens", body = TokenResponse),
        (status = 409, description = "The email has an account", body = ErrorBody),
        (status = 422, description = "A field is invalid (`field` names it)", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
        (status = 503, description = "Busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    Extension(from): Extension<ClientIp>,
    Json(body): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let email = Email::parse(&body.email)?;
    let display_name = DisplayName::parse(&body.display_name)?;
    let password = Password::parse_new(body.password)?;
    let user = accounts::register(&state, from, email, display_name, password).await?;
    let tokens = tokens::issue_pair(&state, user.id).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse::new(tokens, user))))
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "An access and a refresh token", body = TokenResponse),
        (status = 401, description = "Email and password do not match (`invalid_credentials`); the account has two-step sign-in and `two_factor_code` is missing (`two_factor_required`) or wrong (`invalid_code`)", body = ErrorBody),
        (status = 403, description = "The account is disabled", body = ErrorBody),
        (status = 422, description = "A field is missing", body = ErrorBody),
        (status = 429, description = "Too many failed log-ins or wrong codes; retry after `Retry-After`", body = ErrorBody),
        (status = 503, description = "Busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    Extension(from): Extension<ClientIp>,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let password = Password::parse_attempt(body.password)?;
    if body.two_factor_code.as_ref().is_some_and(|code| code.chars().count() > 64) {
        return Err(app::error::AppError::invalid("two_factor_code", "A code is at most 64 characters.").into());
    }
    let user = accounts::authenticate(&state, from, &body.email, password).await?;
    accounts::two_factor::second_step::for_api_log_in(&state, user.id, body.two_factor_code.as_deref()).await?;
    let tokens = tokens::issue_pair(&state, user.id).await?;
    Ok(Json(TokenResponse::new(tokens, user)))
}

/// Exchanges a refresh token for a new pair. A refresh token used twice
/// revokes every token of its log-in.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access and refresh token", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = ErrorBody),
        (status = 403, description = "The account is disabled", body = ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let (issued, user) = tokens::refresh(&state, &body.refresh_token).await?;
    Ok(Json(TokenResponse::new(issued, user)))
}

/// Revokes the access and refresh tokens of the log-in whose access token
/// signs this request (a personal token is revoked by its id instead).
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn logout(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult<StatusCode> {
    tokens::log_out(&state, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in account.
#[utoipa::path(get, path = "/auth/me", tag = "auth", operation_id = "get_me", security(("bearer" = [])),
    responses(
        (status = 200, description = "Who is signed in", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The account is disabled", body = ErrorBody),
    ))]
pub async fn me(Caller(caller): Caller) -> Json<User> {
    Json(caller.user)
}

/// Changes the signed-in account's profile.
#[utoipa::path(patch, path = "/auth/me", tag = "auth", operation_id = "update_me", request_body = ProfileChange, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed account", body = User),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 422, description = "The name is invalid", body = ErrorBody),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(body): Json<ProfileChange>,
) -> ApiResult<Json<User>> {
    let display_name = DisplayName::parse(&body.display_name)?;
    Ok(Json(accounts::update_profile(&state, &caller, display_name).await?))
}

/// The account's personal access tokens (never their secrets).
#[utoipa::path(get, path = "/auth/tokens", tag = "tokens", operation_id = "list_personal_tokens", security(("bearer" = [])),
    responses(
        (status = 200, description = "Tokens that still work, newest first", body = [PersonalToken]),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn list_tokens(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult<Json<Vec<PersonalToken>>> {
    Ok(Json(tokens::list_personal(&state, &caller).await?))
}

/// Makes a personal access token. Its secret is in this answer only.
#[utoipa::path(post, path = "/auth/tokens", tag = "tokens", operation_id = "create_personal_token", request_body = NewTokenRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "The token, with its secret", body = NewPersonalToken),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 409, description = "The account has as many tokens as it may (50)", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    ))]
pub async fn create_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(body): Json<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<NewPersonalToken>)> {
    let name = TokenName::parse(&body.name)?;
    Ok((StatusCode::CREATED, Json(tokens::create_personal(&state, &caller, name, body.scope).await?)))
}

/// Revokes a personal access token.
#[utoipa::path(delete, path = "/auth/tokens/{id}", tag = "tokens", operation_id = "revoke_personal_token", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such token of yours", body = ErrorBody),
    ))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    tokens::revoke_personal(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
