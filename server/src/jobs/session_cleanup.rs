//! Every hour: deletes expired sessions, sign-in throttle counters whose
//! windows ended a day ago, API tokens expired or revoked a day ago, and
//! outbox messages sent a day ago. Each of the four is an item of the pass: one that
//! fails does not keep the others from running.

use std::time::Duration;

use tower_sessions::session_store::ExpiredDeletion;

use app::infra::state::AppState;

use super::{app_error, Job, Pass};
use crate::session_store::DbSessionStore;

const DAY: Duration = Duration::from_secs(24 * 3600);

pub fn job() -> Job {
    Job::new("session_cleanup", Duration::from_secs(3600), |state: AppState| async move {
        let store = DbSessionStore::new(&state.db, &state.recent);
        let steps: [(&str, anyhow::Result<()>); 4] = [
            ("expired sessions", store.delete_expired().await.map_err(anyhow::Error::from)),
            ("throttle counters", app::accounts::throttle::forget_old(&state.db, DAY).await.map(drop).map_err(app_error)),
            ("old API tokens", app::accounts::tokens::forget_old(&state).await.map(drop).map_err(app_error)),
            ("sent mail", app::infra::mail::outbox::forget_sent(&state.db, DAY.as_millis() as i64).await.map(drop).map_err(app_error)),
        ];
        let mut pass = Pass::default();
        for (what, result) in steps {
            match result {
                Ok(()) => pass.done += 1,
                Err(err) => {
                    tracing::warn!(job = "session_cleanup", step = what, error = format!("{err:#}"), "cleanup step failed");
                    pass.failed += 1;
                }
            }
        }
        Ok(pass)
    })
}
