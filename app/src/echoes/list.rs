//! My echoes, newest first, optionally of one emotion, a page at a time.
//! Keyset pagination: the cursor is the last echo's (captured_at, id), so
//! pages stay stable while new echoes arrive.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EchoPage;
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 20;

/// Position in the list: everything strictly older than this echo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EchoCursor {
    pub captured_at: i64,
    pub id: Uuid,
}

impl EchoCursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.captured_at, self.id.simple())
    }

    pub fn parse(input: &str) -> Result<EchoCursor, AppError> {
        let bad = || AppError::bad_request("That page link is not valid. Start again from the first page.");
        if input.len() > 64 {
            return Err(bad());
        }
        let (time, id) = input.split_once('_').ok_or_else(bad)?;
        Ok(EchoCursor { captured_at: time.parse().map_err(|_| bad())?, id: Uuid::parse_str(id).map_err(|_| bad())? })
    }
}

#[server(endpoint = "echoes/list")]
pub async fn list_echoes(emotion: Option<String>, before: Option<String>) -> Result<EchoPage, AppError> {
    use super::rows;
    use crate::accounts::session::require_user_id;
    use crate::emotion::Emotion;
    use crate::infra::state::app_state;

    let user_id = require_user_id().await?;
    let emotion = emotion.filter(|e| !e.trim().is_empty()).map(|e| Emotion::parse(&e)).transpose()?;
    let before = before.filter(|b| !b.is_empty()).map(|b| EchoCursor::parse(&b)).transpose()?;
    let mut rows = rows::list_page(&app_state().db, user_id, emotion, before, PAGE_SIZE + 1).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let echoes = rows.into_iter().map(rows::EchoRow::into_echo).collect::<Result<Vec<_>, _>>()?;
    let next_cursor =
        has_more.then(|| echoes.last().map(|e| EchoCursor { captured_at: e.captured_at, id: e.id }.encode())).flatten();
    Ok(EchoPage { echoes, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_a_bad_request() {
        let cursor = EchoCursor { captured_at: 1_700_000_000_123, id: Uuid::now_v7() };
        assert_eq!(EchoCursor::parse(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "x_y", "12", "12_notauuid"] {
            assert!(EchoCursor::parse(bad).is_err(), "{bad}");
        }
    }
}
