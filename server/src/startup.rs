//! What a server does before it serves, beyond building its state.
//!
//! On SQLite an instance is one process: it takes a lock beside the
//! database file (a second `echoes serve` on the same files refuses to
//! start). Then, on every backend, it removes what stopped instances left
//! mid-upload — the uploads journal names each object a server began to
//! store and never committed (`app::echoes::in_flight`). With audio on
//! local disk and SQLite, where no one else can be writing, it also
//! removes unfinished `.part` files and objects no echo refers to (say, a
//! delete interrupted between the row and the file). Echoes acknowledged
//! with 201 are never touched: their rows were committed before the answer.
//!
//! With PostgreSQL other replicas may be mid-upload: only the uploads of
//! instances that have stopped (whose lock PostgreSQL released) are
//! removed; `echoes fsck` reports any other leftovers older than an hour.

use std::fs::{File, TryLockError};
use std::time::Duration;

use app::infra::config::Config;
use app::infra::state::AppState;
use app::infra::storage::Storage;

/// Held for as long as the server runs.
pub struct InstanceLock {
    _file: File,
}

/// Whether this configuration is a single-process instance: SQLite.
pub fn single_process(config: &Config) -> bool {
    !config.is_postgres()
}

/// Takes the instance's lock (SQLite only).
pub fn lock_instance(config: &Config) -> anyhow::Result<Option<InstanceLock>> {
    if !single_process(config) {
        return Ok(None);
    }
    let Some(database) = app::infra::db::sqlite_file(&config.database_url) else { return Ok(None) };
    let mut path = database.into_os_string();
    path.push(".lock");
    if let Some(parent) = std::path::Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = File::options().create(true).truncate(false).write(true).open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(InstanceLock { _file: file })),
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "another Echoes is already serving {} (lock {} is held); stop it first",
            config.database_url,
            std::path::Path::new(&path).display()
        ),
        Err(TryLockError::Error(err)) => Err(err.into()),
    }
}

/// Removes what an interrupted run left (see the module). Call it holding
/// the instance lock, before serving.
pub async fn clean_up_interrupted_writes(state: &AppState) -> anyhow::Result<usize> {
    let reclaimed = app::echoes::in_flight::reclaim_stopped(&state.db, &state.storage, &state.instance).await?;
    if !single_process(&state.config) || !matches!(state.storage, Storage::Local(_)) {
        return Ok(reclaimed.removed);
    }
    let findings = crate::cli::fsck::check(&state.db, &state.storage, Duration::ZERO).await?;
    for orphan in &findings.orphans {
        tracing::info!(object = %orphan.name, size = orphan.size, "removing what an interrupted upload left");
    }
    let failed = crate::cli::fsck::remove_orphans(&state.storage, &findings.orphans).await;
    if !findings.missing.is_empty() {
        tracing::warn!(echoes = findings.missing.len(), "echoes without their audio; `echoes fsck` lists them");
    }
    Ok(reclaimed.removed + findings.orphans.len() - failed)
}
