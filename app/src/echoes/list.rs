//! My echoes, newest first, optionally of one emotion or one tag, a page
//! at a time. Keyset pagination: the cursor is the last echo's
//! (captured_at, id), so pages stay stable while new echoes arrive.

use leptos::prelude::*;

pub use crate::paging::{Cursor as EchoCursor, PageSize};

use super::EchoPage;
use crate::emotion::Emotion;
use crate::error::AppError;

/// Which echoes to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EchoFilter {
    pub emotion: Option<Emotion>,
    /// One tag, cleaned like the tags people type.
    pub tag: Option<String>,
}

impl EchoFilter {
    /// From a query's or form's text; blank values filter nothing.
    pub fn parse(emotion: Option<&str>, tag: Option<&str>) -> Result<EchoFilter, AppError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let emotion = given(emotion).map(Emotion::parse).transpose()?;
        let tag = match given(tag) {
            None => None,
            Some(tag) => {
                let tags = super::Tags::parse(tag).map_err(|_| AppError::invalid("tag", "That is not a valid tag."))?;
                match tags.as_ref() {
                    [] => None,
                    [one] => Some(one.clone()),
                    _ => return Err(AppError::invalid("tag", "Filter by one tag at a time.")),
                }
            }
        };
        Ok(EchoFilter { emotion, tag })
    }
}

/// One page of the caller's echoes matching `filter`, older than `before`.
#[cfg(feature = "ssr")]
pub async fn list(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    filter: &EchoFilter,
    before: Option<EchoCursor>,
    size: PageSize,
) -> Result<EchoPage, AppError> {
    use super::rows;
    let mut rows = rows::list_page(&state.db, caller.id(), filter, before, size.fetch_limit()).await?;
    let more = size.cut(&mut rows);
    let echoes = rows.into_iter().map(rows::EchoRow::into_echo).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = EchoCursor::after(more, &echoes, |e| EchoCursor { at: e.captured_at, id: e.id });
    Ok(EchoPage { echoes, next_cursor })
}

/// The list page's server function. The page draws no waveform, so the
/// peaks stay on the server: they were two thirds of the page (20 echoes'
/// 200 values each, serialized for hydration) and most of its rendering
/// time (`scripts/bench/budgets.sh`, perf). The API's list keeps them.
#[server(prefix = "/_fn", endpoint = "echoes/list")]
pub async fn list_echoes(
    emotion: Option<String>,
    before: Option<String>,
    tag: Option<String>,
) -> Result<EchoPage, AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    let filter = EchoFilter::parse(emotion.as_deref(), tag.as_deref())?;
    let before = EchoCursor::parse_optional(before.as_deref())?;
    let mut page = list(&crate::infra::state::app_state(), &caller, &filter, before, PageSize::DEFAULT).await?;
    for echo in &mut page.echoes {
        echo.peaks = None;
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_takes_one_clean_tag_and_a_page_size_is_bounded() {
        let filter = EchoFilter::parse(Some(" calm "), Some(" #Rain ")).unwrap();
        assert_eq!((filter.emotion, filter.tag.as_deref()), (Some(Emotion::Calm), Some("rain")));
        assert_eq!(EchoFilter::parse(None, Some("a,b")).unwrap_err().field.as_deref(), Some("tag"));
        assert_eq!(EchoFilter::parse(Some(""), Some("")).unwrap(), EchoFilter::default());
        assert_eq!(PageSize::parse(None).unwrap().get(), 20);
        assert!(PageSize::parse(Some(0)).is_err() && PageSize::parse(Some(101)).is_err());
    }
}
