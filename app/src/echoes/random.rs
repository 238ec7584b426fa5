//! A random echo of one emotion, from my own echoes.

use leptos::prelude::*;

use super::Echo;
use crate::error::AppError;

#[server(endpoint = "echoes/random")]
pub async fn random_echo(emotion: String) -> Result<Option<Echo>, AppError> {
    use super::rows;
    use crate::accounts::session::require_user_id;
    use crate::emotion::Emotion;
    use crate::infra::state::app_state;

    let user_id = require_user_id().await?;
    let emotion = Emotion::parse(&emotion)?;
    rows::random_of(&app_state().db, user_id, emotion).await?.map(rows::EchoRow::into_echo).transpose()
}
