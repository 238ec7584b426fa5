//! Changing what an echo says — its emotion, title, note and tags. The
//! audio, its moment and its place stay as they were recorded.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use super::Echo;
#[cfg(feature = "ssr")]
use super::EchoChanges;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub async fn update(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
    changes: &EchoChanges,
) -> Result<Echo, AppError> {
    caller.require_write()?;
    let row = super::rows::update_owned(&state.db, caller.id(), id, changes).await?;
    let echo = row.ok_or_else(|| AppError::not_found("echo"))?.into_echo()?;
    if !changes.is_empty() {
        tracing::info!(echo_id = %id, "echo changed");
    }
    Ok(echo)
}

/// The echo page's edit form: every field is sent, so each replaces what
/// was there (a blank title or note removes it).
#[server(prefix = "/_fn", endpoint = "echoes/update")]
pub async fn update_echo(
    id: String,
    emotion: String,
    title: String,
    note: String,
    tags: String,
) -> Result<Echo, AppError> {
    use super::{Note, Tags, Title};
    use crate::emotion::Emotion;

    let caller = crate::accounts::CurrentUser::of_request().await?;
    let id = super::parse_echo_id(&id)?;
    let changes = EchoChanges {
        emotion: Some(Emotion::parse(&emotion)?),
        title: Some(Title::parse(&title)?),
        note: Some(Note::parse(&note)?),
        tags: Some(Tags::parse(&tags)?),
    };
    let echo = update(&crate::infra::state::app_state(), &caller, id, &changes).await?;
    leptos_axum::redirect(&echo.page_url());
    Ok(echo)
}
