//! A random echo of one emotion, from my own echoes.

use leptos::prelude::*;

use super::Echo;
#[cfg(feature = "ssr")]
use crate::emotion::Emotion;
use crate::error::AppError;

/// A uniformly chosen echo of the caller's with `emotion`, if they have one.
#[cfg(feature = "ssr")]
pub async fn pick(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    emotion: Emotion,
) -> Result<Option<Echo>, AppError> {
    use super::rows;
    rows::random_of(&state.db, caller.id(), emotion).await?.map(rows::EchoRow::into_echo).transpose()
}

#[server(prefix = "/_fn", endpoint = "echoes/random")]
pub async fn random_echo(emotion: String) -> Result<Option<Echo>, AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    pick(&crate::infra::state::app_state(), &caller, Emotion::parse(&emotion)?).await
}
