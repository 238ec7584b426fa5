//! Sweeps direct uploads that are over (see `pending::sweep_abandoned`) a
//! few times per TTL, and removes the streamed uploads that stopped
//! replicas left unfinished (`in_flight::reclaim_stopped`). Each replica
//! sweeps; a record is claimed (or locked) before it is touched, so they
//! never collide.

use std::time::Duration;

use app::infra::config::Config;
use app::infra::state::AppState;

use super::{Job, Pass};

pub fn job(state: &AppState) -> Job {
    let every = Duration::from_secs((state.config.pending_upload_ttl_secs / 4).clamp(10, 600));
    Job::new("upload_sweeper", every, |state: AppState| async move {
        let swept = app::echoes::pending::sweep_abandoned(&state.db, &state.storage, cutoffs(&state.config))
            .await
            .map_err(super::app_error)?;
        let reclaimed = app::echoes::in_flight::reclaim_stopped(&state.db, &state.storage, &state.instance)
            .await
            .map_err(super::app_error)?;
        Ok(Pass {
            done: (swept.removed + reclaimed.removed) as u64,
            failed: (swept.failed + reclaimed.failed) as u64,
        })
    })
}

/// When the sweeper acts, as of now: uploads waiting longer than the TTL,
/// completed ones whose PUT URL has expired, and claims older than the TTL.
pub fn cutoffs(config: &Config) -> app::echoes::pending::SweepCutoffs {
    let now = app::infra::db::now_millis();
    let ttl_ms = config.pending_upload_ttl_secs as i64 * 1000;
    let presign_ms = config.s3.as_ref().map(|s3| s3.presign_expiry_secs as i64 * 1000).unwrap_or(0);
    app::echoes::pending::SweepCutoffs {
        waiting_before: now - ttl_ms,
        // A minute's margin for clocks between us and the store.
        completed_before: now - presign_ms - 60_000,
        claimed_before: now - ttl_ms,
    }
}
