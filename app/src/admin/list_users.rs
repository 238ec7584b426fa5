//! The accounts on this instance, newest first, searchable by email or
//! name — with each one's number of echoes, in the same single query.

use leptos::prelude::*;

use super::UserPage;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paging::{Cursor, PageSize};

/// Text to find in an email or display name: trimmed, at most 100 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserSearch(Option<String>);

impl UserSearch {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: Option<&str>) -> Result<UserSearch, AppError> {
        let input = input.unwrap_or_default();
        if input.len() > Self::MAX_CHARS * 4 || input.chars().count() > Self::MAX_CHARS {
            return Err(AppError::invalid("q", format!("Search for {} characters or fewer.", Self::MAX_CHARS)));
        }
        let text = input.trim();
        Ok(UserSearch((!text.is_empty()).then(|| text.to_lowercase())))
    }

    /// A `LIKE` pattern matching the text anywhere, wildcards escaped.
    pub fn like_pattern(&self) -> Option<String> {
        let text = self.0.as_deref()?;
        let escaped: String = text
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        Some(format!("%{escaped}%"))
    }
}

#[cfg(feature = "ssr")]
pub async fn list(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    search: &UserSearch,
    before: Option<Cursor>,
    size: PageSize,
) -> Result<UserPage, AppError> {
    use super::UserSummary;
    use crate::accounts::users::UserRow;
    use crate::on_db;

    caller.require_admin()?;
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        echo_count: i64,
    }
    let pattern = search.like_pattern();
    let mut sql = format!(
        "SELECT {}, (SELECT COUNT(*) FROM echoes e WHERE e.user_id = users.id) AS echo_count FROM users WHERE 1 = 1",
        crate::accounts::users::COLUMNS
    );
    let mut next = 2;
    if pattern.is_some() {
        sql.push_str(&format!(
            " AND (lower(email) LIKE ${next} ESCAPE '\\' OR lower(display_name) LIKE ${next} ESCAPE '\\')"
        ));
        next += 1;
    }
    if before.is_some() {
        sql.push_str(&Cursor::older_than_sql("created_at", "id", next));
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT $1");
    let limit = size.fetch_limit();
    let mut rows = on_db!(&state.db, pool => {
        let mut query = sqlx::query_as::<_, Row>(&sql).bind(limit);
        if let Some(pattern) = &pattern {
            query = query.bind(pattern.clone());
        }
        if let Some(cursor) = before {
            query = query.bind(cursor.at).bind(cursor.id);
        }
        query.fetch_all(pool).await
    })?;
    let more = size.cut(&mut rows);
    let users: Vec<UserSummary> =
        rows.into_iter().map(|row| UserSummary::of(row.user.into_account(), row.echo_count)).collect();
    let next_cursor = Cursor::after(more, &users, |u| Cursor { at: u.created_at, id: u.id });
    Ok(UserPage { users, next_cursor })
}

#[server(prefix = "/_fn", endpoint = "admin/users")]
pub async fn list_users(q: Option<String>, before: Option<String>) -> Result<UserPage, AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    let search = UserSearch::parse(q.as_deref())?;
    let before = Cursor::parse_optional(before.as_deref())?;
    list(&crate::infra::state::app_state(), &caller, &search, before, PageSize::DEFAULT).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_lower_cased_bounded_and_its_wildcards_escaped() {
        assert_eq!(UserSearch::parse(Some(" Ada_100% ")).unwrap().like_pattern().as_deref(), Some("%ada\\_100\\%%"));
        assert_eq!(UserSearch::parse(Some("  ")).unwrap().like_pattern(), None);
        assert_eq!(UserSearch::parse(Some(&"x".repeat(101))).unwrap_err().field.as_deref(), Some("q"));
    }
}
