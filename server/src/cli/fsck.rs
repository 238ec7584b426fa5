//! `echoes fsck`: do the database and the audio store agree?
//!
//! - An echo whose object is missing cannot play: reported (nothing can
//!   bring the audio back; a backup can).
//! - An object no echo (and no upload in progress: a direct upload, or one
//!   in the uploads journal) refers to is an orphan: reported, and removed
//!   with `--repair`. Only objects last written longer ago than `--min-age`
//!   count: a younger one may belong to an upload being decoded right now. Unfinished writes (`.part` files
//!   on local disk) are orphans the same way.
//!
//! Exit codes: 0 all consistent (or repaired), 1 problems remain, 3 the
//! database or the store could not be read.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::Duration;

use app::infra::db::{now_millis, Db};
use app::infra::storage::{ListedObject, ObjectKey, Storage};
use app::on_db;

/// What a check found.
#[derive(Debug, Default)]
pub struct Findings {
    pub echoes: usize,
    pub objects: usize,
    /// Echoes whose object is not in the store: (echo id, key).
    pub missing: Vec<(uuid::Uuid, String)>,
    /// Objects nothing refers to, older than the minimum age.
    pub orphans: Vec<ListedObject>,
    /// Objects nothing refers to yet, younger than the minimum age.
    pub too_recent: usize,
    /// Uploads in the journal: streaming now, or left by a stopped server
    /// until a running one removes them.
    pub in_flight: usize,
    /// Files in the store that are not Echoes' (neither an object key nor
    /// an unfinished write): never touched.
    pub foreign: Vec<String>,
}

/// Whether `name` is one of Echoes' objects or an unfinished write of one
/// (`{user}/.{echo}.{ext}.{uuid}.part`). Anything else someone put in the
/// store is not ours to judge, let alone remove.
pub fn ours(name: &str) -> bool {
    if ObjectKey::parse(name).is_some() {
        return true;
    }
    let Some((user, file)) = name.split_once('/') else { return false };
    let Some(inner) = file.strip_prefix('.').and_then(|f| f.strip_suffix(".part")) else { return false };
    let Some((object, write)) = inner.rsplit_once('.') else { return false };
    uuid::Uuid::parse_str(write).is_ok() && ObjectKey::parse(&format!("{user}/{object}")).is_some()
}

impl Findings {
    pub fn consistent(&self) -> bool {
        self.missing.is_empty() && self.orphans.is_empty()
    }
}

/// Compares every echo's key with every object in the store.
pub async fn check(db: &Db, storage: &Storage, min_age: Duration) -> anyhow::Result<Findings> {
    let echoes: Vec<(uuid::Uuid, String)> =
        on_db!(db, pool => sqlx::query_as("SELECT id, storage_key FROM echoes").fetch_all(pool).await)?;
    let pending: Vec<String> =
        on_db!(db, pool => sqlx::query_scalar("SELECT storage_key FROM pending_uploads").fetch_all(pool).await)?;
    let in_flight: Vec<String> =
        on_db!(db, pool => sqlx::query_scalar("SELECT storage_key FROM uploads_in_flight").fetch_all(pool).await)?;
    let objects = storage.list_all().await?;
    let stored: HashSet<&str> = objects.iter().map(|o| o.name.as_str()).collect();

    let mut referenced: HashSet<String> = echoes.iter().map(|(_, key)| key.clone()).collect();
    for key in pending {
        // A direct upload lands under incoming/ and is copied to its echo's key.
        if let Some(parsed) = ObjectKey::parse(&key) {
            referenced.insert(parsed.without_incoming().as_str().to_owned());
        }
        referenced.insert(key);
    }
    let mut findings =
        Findings { echoes: echoes.len(), objects: objects.len(), in_flight: in_flight.len(), ..Findings::default() };
    referenced.extend(in_flight);
    let cutoff = now_millis() - min_age.as_millis() as i64;
    findings.missing = echoes.into_iter().filter(|(_, key)| !stored.contains(key.as_str())).collect();
    for object in &objects {
        if referenced.contains(&object.name) {
            continue;
        }
        if !ours(&object.name) {
            findings.foreign.push(object.name.clone());
            continue;
        }
        if object.modified_at <= cutoff {
            findings.orphans.push(object.clone());
        } else {
            findings.too_recent += 1;
        }
    }
    findings.orphans.sort_by(|a, b| a.name.cmp(&b.name));
    findings.missing.sort();
    Ok(findings)
}

/// Removes the orphans found; returns how many could not be removed.
pub async fn remove_orphans(storage: &Storage, orphans: &[ListedObject]) -> usize {
    let mut failed = 0;
    for orphan in orphans {
        if let Err(err) = storage.delete_listed(&orphan.name).await {
            tracing::warn!(object = %orphan.name, error = %err, "could not remove an orphaned object");
            failed += 1;
        }
    }
    failed
}

pub async fn run(db: &Db, storage: &Storage, min_age: Duration, repair: bool) -> ExitCode {
    let findings = match check(db, storage, min_age).await {
        Ok(findings) => findings,
        Err(err) => {
            eprintln!("echoes fsck: cannot check: {err:#}");
            return ExitCode::from(3);
        }
    };
    println!("{} echoes, {} objects in the store", findings.echoes, findings.objects);
    for (id, key) in &findings.missing {
        println!("missing: echo {id} has no audio (expected {key})");
    }
    for orphan in &findings.orphans {
        println!("orphan: {} ({} bytes, no echo refers to it)", orphan.name, orphan.size);
    }
    for name in &findings.foreign {
        println!("not an Echoes file, left alone: {name}");
    }
    if findings.too_recent > 0 {
        println!(
            "{} object(s) written in the last {} with no echo yet: left alone (an upload may be in progress)",
            findings.too_recent,
            humantime::format_duration(min_age)
        );
    }
    if findings.in_flight > 0 {
        println!(
            "{} upload(s) in flight: left alone (being stored now, or left by a stopped server until a running one removes them)",
            findings.in_flight
        );
    }
    let mut problems = findings.missing.len();
    if !findings.orphans.is_empty() {
        if repair {
            let failed = remove_orphans(storage, &findings.orphans).await;
            println!("removed {} orphan(s)", findings.orphans.len() - failed);
            problems += failed;
        } else {
            println!("{} orphan(s): run `echoes fsck --repair` to remove them", findings.orphans.len());
            problems += findings.orphans.len();
        }
    }
    if !findings.missing.is_empty() {
        println!("{} echo(es) without audio: restore their objects from a backup", findings.missing.len());
    }
    if problems == 0 {
        println!("consistent");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::ours;

    #[test]
    fn only_echoes_own_files_can_be_orphans() {
        let user = "0193f0a2-7c1d-7e55-9a52-3a8e2f1b4c6d";
        let echo = "0193f0a2-7c1d-7e55-9a52-3a8e2f1b4c6e";
        let write = "5b0e7a3c-1f3e-4d2a-9c55-0c1f2e3d4a5b";
        assert!(ours(&format!("{user}/{echo}.wav")));
        assert!(ours(&format!("incoming/{user}/{echo}.webm")));
        assert!(ours(&format!("{user}/.{echo}.wav.{write}.part")));
        assert!(!ours("echoes.db"));
        assert!(!ours("echoes.db-wal"));
        assert!(!ours(&format!("{user}/notes.txt")));
        assert!(!ours(&format!("{user}/.{echo}.wav.not-a-uuid.part")));
        assert!(!ours("backups/2026-12-01/manifest.json"));
    }
}
