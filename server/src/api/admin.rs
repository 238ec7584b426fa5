//! `/api/v1/admin/users…`: for admins only (everyone else gets 403).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use app::accounts::Role;
use app::admin::{service, UserChanges, UserPage, UserSearch, UserSummary};
use app::infra::state::AppState;
use app::paging::{Cursor, PageSize};

use super::error::{ApiResult, Caller, ErrorBody, Json, Path, Query};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Text to find in the email or display name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,18}_[0-9a-fA-F]{32}$")]
    pub cursor: Option<String>,
    /// Accounts per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    /// `true` stops every session and token of the account at once.
    pub disabled: Option<bool>,
    pub role: Option<Role>,
}

/// Accounts, newest first, searchable.
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(UsersQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = UserPage),
        (status = 400, description = "A malformed cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "A bad search or limit", body = ErrorBody),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<UsersQuery>,
) -> ApiResult<Json<UserPage>> {
    let search = UserSearch::parse(query.q.as_deref())?;
    let cursor = query.cursor.as_deref().map(Cursor::parse).transpose()?;
    let size = PageSize::parse(query.limit)?;
    Ok(Json(service::list(&state, &caller, &search, cursor, size).await?))
}

/// Disables or enables an account, or changes its role.
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", request_body = UserPatch, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account as it is now", body = UserSummary),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "It would leave no working admin", body = ErrorBody),
    ))]
pub async fn update_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<Uuid>,
    Json(patch): Json<UserPatch>,
) -> ApiResult<Json<UserSummary>> {
    let changes = UserChanges { disabled: patch.disabled, role: patch.role };
    Ok(Json(service::update(&state, &caller, id, changes).await?))
}

/// Deletes an account with all its echoes and their audio.
#[utoipa::path(delete, path = "/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "It is the last working admin", body = ErrorBody),
        (status = 503, description = "Storage is unreachable; retry", body = ErrorBody),
    ))]
pub async fn delete_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    service::delete(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
