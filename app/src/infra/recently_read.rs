//! What this replica read about sessions, accounts and the audio they
//! play in the last second, so a signed-in request does not ask the
//! database who is calling before it asks for what it came for
//! (`scripts/bench/budgets.sh` measured the two lookups at over half the
//! cost of a signed-in list), and a player's Range requests reach the
//! file without a query each.
//!
//! **How stale it may be.** An entry lives [`RECENT_FOR`] (one second)
//! from the moment it was read, and is never refreshed by being used. So
//! a session ended or an account disabled on another replica (or by the
//! CLI) stops working here within a second, with no message between
//! replicas. On this replica, whatever changes a cached thing forgets it
//! at once, so a person always sees their own change on the next page:
//! - sessions: the session store's own saves and deletes
//!   (`server/src/session_store.rs`) and every end of sessions by SQL
//!   ([`super::devices`]: sign out a device or all others, password
//!   change and reset, account deletion);
//! - accounts: every write to the `users` row through
//!   [`crate::accounts::users`] and the services around it (profile,
//!   time zone, email verification and change, admin changes, deletion);
//! - audio: deleting the echo ([`crate::echoes::delete`]). An echo
//!   deleted on another replica has no file any more: its audio answers
//!   404 here at once, whatever was remembered.
//!
//! A read that races a write on this replica never puts the old value
//! back: each forget moves an epoch on, and a read that began before it
//! is not kept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tower_sessions::session::{Id, Record};
use uuid::Uuid;

use crate::accounts::users::Account;
use crate::echoes::audio::Playable;

/// The longest a cached session or account is believed.
pub const RECENT_FOR: Duration = Duration::from_secs(1);
/// Sessions and accounts kept at most (a few MB at the most).
const CAPACITY: u64 = 50_000;

#[derive(Clone)]
pub struct RecentlyRead {
    sessions: moka::sync::Cache<Id, Record>,
    accounts: moka::sync::Cache<Uuid, Option<Account>>,
    /// (owner, echo) → where its audio is.
    audio: moka::sync::Cache<(Uuid, Uuid), Playable>,
    epoch: Arc<AtomicU64>,
}

impl std::fmt::Debug for RecentlyRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecentlyRead").field("for", &RECENT_FOR).finish_non_exhaustive()
    }
}

impl Default for RecentlyRead {
    fn default() -> Self {
        fn cache<K, V>() -> moka::sync::Cache<K, V>
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            moka::sync::Cache::builder().max_capacity(CAPACITY).time_to_live(RECENT_FOR).build()
        }
        RecentlyRead { sessions: cache(), accounts: cache(), audio: cache(), epoch: Arc::default() }
    }
}

/// Where a read began, to keep its result only if nothing was forgotten since.
#[derive(Clone, Copy)]
pub struct ReadStarted(u64);

impl RecentlyRead {
    pub fn begin_read(&self) -> ReadStarted {
        ReadStarted(self.epoch.load(Ordering::Acquire))
    }

    fn unchanged_since(&self, started: ReadStarted) -> bool {
        self.epoch.load(Ordering::Acquire) == started.0
    }

    fn moved_on(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The session `id`, when read within the last second and not expired.
    pub fn session(&self, id: &Id) -> Option<Record> {
        self.sessions.get(id).filter(|record| record.expiry_date > time::OffsetDateTime::now_utc())
    }

    /// Keeps a session just read from the database (if nothing was
    /// forgotten while it was read).
    pub fn keep_read_session(&self, started: ReadStarted, record: &Record) {
        if self.unchanged_since(started) {
            self.sessions.insert(record.id, record.clone());
        }
    }

    /// Keeps a session just written by this replica.
    pub fn keep_written_session(&self, record: &Record) {
        self.sessions.insert(record.id, record.clone());
    }

    pub fn forget_session(&self, id: &Id) {
        self.moved_on();
        self.sessions.invalidate(id);
    }

    /// Sessions were ended by SQL (by owner, not by id): forget them all;
    /// the next request of each reads its own again.
    pub fn forget_sessions(&self) {
        self.moved_on();
        self.sessions.invalidate_all();
    }

    /// The account `id` (`Some(None)`: read as gone), if read within the last second.
    pub fn account(&self, id: Uuid) -> Option<Option<Account>> {
        self.accounts.get(&id)
    }

    pub fn keep_account(&self, started: ReadStarted, id: Uuid, account: &Option<Account>) {
        if self.unchanged_since(started) {
            self.accounts.insert(id, account.clone());
        }
    }

    /// The `users` row `id` changed (or went): forget it.
    pub fn forget_account(&self, id: Uuid) {
        self.moved_on();
        self.accounts.invalidate(&id);
    }

    /// Where `owner`'s echo `id` plays from, if read within the last second.
    pub fn audio(&self, owner: Uuid, id: Uuid) -> Option<Playable> {
        self.audio.get(&(owner, id))
    }

    pub fn keep_audio(&self, started: ReadStarted, owner: Uuid, id: Uuid, playable: &Playable) {
        if self.unchanged_since(started) {
            self.audio.insert((owner, id), playable.clone());
        }
    }

    /// The echo was deleted: forget where it played from.
    pub fn forget_audio(&self, owner: Uuid, id: Uuid) {
        self.moved_on();
        self.audio.invalidate(&(owner, id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        }
    }

    #[test]
    fn a_read_that_raced_a_forget_is_not_kept() {
        let recent = RecentlyRead::default();
        let record = record();
        let started = recent.begin_read();
        recent.forget_session(&record.id);
        recent.keep_read_session(started, &record);
        assert!(recent.session(&record.id).is_none());
        recent.keep_read_session(recent.begin_read(), &record);
        assert!(recent.session(&record.id).is_some());
        recent.forget_sessions();
        assert!(recent.session(&record.id).is_none());
    }

    #[test]
    fn nothing_is_believed_for_more_than_a_second() {
        let recent = RecentlyRead::default();
        let record = record();
        let id = Uuid::new_v4();
        recent.keep_read_session(recent.begin_read(), &record);
        recent.keep_account(recent.begin_read(), id, &None);
        assert!(recent.session(&record.id).is_some() && recent.account(id).is_some());
        std::thread::sleep(RECENT_FOR + Duration::from_millis(20));
        assert!(recent.session(&record.id).is_none(), "a session is read again after a second");
        assert!(recent.account(id).is_none(), "an account is read again after a second");
    }

    #[test]
    fn an_expired_session_is_not_served_from_memory() {
        let recent = RecentlyRead::default();
        let mut record = record();
        record.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        recent.keep_written_session(&record);
        assert!(recent.session(&record.id).is_none());
    }
}
