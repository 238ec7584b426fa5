//! Keyset pagination shared by every newest-first list: a [`Cursor`] to
//! continue from, its SQL condition, and a bounded [`PageSize`] — plus
//! [`parse_id`], for the ids those lists hand out.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Position in a newest-first list: everything strictly older than the
/// item at (`at`, `id`) — an echo's capture time, an account's creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub at: i64,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at, self.id.simple())
    }

    /// Exactly what [`encode`](Self::encode) makes (the API documents it
    /// as `^[0-9]{1,18}_[0-9a-fA-F]{32}$`).
    pub fn parse(input: &str) -> Result<Cursor, AppError> {
        let bad = || AppError::bad_request("That page link is not valid. Start again from the first page.");
        let (time, id) = input.split_once('_').ok_or_else(bad)?;
        let digits = !time.is_empty() && time.len() <= 18 && time.bytes().all(|b| b.is_ascii_digit());
        let hex = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !(digits && hex) {
            return Err(bad());
        }
        Ok(Cursor { at: time.parse().map_err(|_| bad())?, id: Uuid::parse_str(id).map_err(|_| bad())? })
    }

    /// A cursor from a query or form value; blank means the first page.
    pub fn parse_optional(input: Option<&str>) -> Result<Option<Cursor>, AppError> {
        input.map(str::trim).filter(|c| !c.is_empty()).map(Cursor::parse).transpose()
    }
}

/// An id from a URL or a form (an echo's, an account's, a token's): a
/// malformed one is a clear `400` naming `what`.
pub fn parse_id(input: &str, what: &str) -> Result<Uuid, AppError> {
    if input.len() > 64 {
        return Err(AppError::bad_request(format!("That is not a valid {what} id.")));
    }
    Uuid::parse_str(input.trim()).map_err(|_| AppError::bad_request(format!("\"{input}\" is not a valid {what} id.")))
}

impl Cursor {
    /// The SQL condition "older than the cursor" on the columns `time` and
    /// `id`, the cursor's two values bound at `$first` and `$first + 1`.
    /// The redundant `time <= $` gives the planner a range on the index;
    /// the `OR` settles ties by id.
    pub fn older_than_sql(time: &str, id: &str, first: usize) -> String {
        let (t, i) = (first, first + 1);
        format!(" AND {time} <= ${t} AND ({time} < ${t} OR {id} < ${i})")
    }

    /// The cursor to the page after `items`, when `more` follow them.
    pub fn after<T>(more: bool, items: &[T], position: impl Fn(&T) -> Cursor) -> Option<String> {
        items.last().filter(|_| more).map(|last| position(last).encode())
    }
}

/// How many items one page holds: 1 to 100, 20 unless asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(i64);

impl PageSize {
    pub const DEFAULT: PageSize = PageSize(20);
    pub const MAX: i64 = 100;

    pub fn parse(input: Option<i64>) -> Result<PageSize, AppError> {
        match input {
            None => Ok(Self::DEFAULT),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(PageSize(n)),
            Some(_) => Err(AppError::invalid("limit", format!("The limit must be from 1 to {}.", Self::MAX))),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// How many rows to fetch: one more than a page, to learn whether
    /// another page follows.
    pub fn fetch_limit(self) -> i64 {
        self.0 + 1
    }

    /// Cuts rows fetched with [`Self::fetch_limit`] to one page; true when
    /// more follow.
    pub fn cut<T>(self, rows: &mut Vec<T>) -> bool {
        let more = rows.len() as i64 > self.0;
        rows.truncate(self.0 as usize);
        more
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_a_bad_request() {
        let cursor = Cursor { at: 1_700_000_000_123, id: Uuid::now_v7() };
        assert_eq!(Cursor::parse(&cursor.encode()).unwrap(), cursor);
        let id = cursor.id.simple().to_string();
        for bad in ["", "x_y", "12", "12_notauuid", &format!("+1_{id}"), &format!("1_{}", cursor.id)] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
