//! The one shared application state, built once by the server binary (or the
//! test harness) and reached from server functions through [`app_state`].

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::expect_context;

use super::config::Config;
use super::db::Db;
use super::storage::Storage;
use crate::accounts::password_hash::PasswordHasher;
use crate::echoes::probe::Prober;

/// Cloned for every request and every server function it runs, so it is
/// one reference count: the services themselves are built once.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What Leptos' axum integration takes from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// Everything the server shares, behind [`AppState`].
pub struct Services {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    pub passwords: PasswordHasher,
    /// Decodes uploads in sandboxed child processes.
    pub prober: Prober,
    /// Sends what the outbox holds (SMTP, or the log).
    pub mailer: super::mail::Mailer,
    /// Sends the text messages the outbox holds (SNS, a webhook, or the log).
    pub sms: super::sms::SmsSender,
    /// Sign-in providers, with their discovered metadata.
    pub providers: crate::accounts::oauth::providers::Providers,
    /// Sessions and accounts read in the last second (see its module).
    pub recent: crate::infra::recently_read::RecentlyRead,
    /// Set once the server is stopping: `/ready` answers 503 from then on.
    pub draining: Draining,
    /// This server among the others on the same database (see its module).
    pub instance: super::instance::Instance,
}

/// Whether the server is stopping (shared by every clone of the state).
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<std::sync::atomic::AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The state, from inside a server function or a component rendered on the
/// server. The router always provides it, so its absence is a programming
/// error, not something a request can cause.
pub fn app_state() -> AppState {
    expect_context::<AppState>()
}
