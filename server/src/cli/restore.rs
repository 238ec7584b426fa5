//! `echoes restore <dir>`: puts a backup made by `echoes backup` into the
//! configured database (SQLite) and audio store (local disk or S3).
//!
//! Nothing is written until the whole backup has been read and every
//! object matched its SHA-256. The target database must be new: one that
//! has accounts already is never overwritten. After the copy, migrations
//! bring an older backup up to this version.
//!
//! Exit codes: 0 done, 1 failed, 2 the backup cannot be used or the target
//! is not empty, 3 not done here (PostgreSQL: see `echoes backup`).

use std::path::Path;
use std::process::ExitCode;

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use app::infra::config::Config;
use app::infra::db::Db;
use app::infra::storage::ObjectKey;
use app::on_db;

use super::backup::{hex, Manifest, AUDIO, DATABASE, MANIFEST};

pub async fn run(config: &Config, dir: &Path) -> ExitCode {
    if config.is_postgres() {
        eprintln!("echoes restore: not done here.\n{}", super::backup::postgres_instructions(config));
        return ExitCode::from(3);
    }
    // Never under a running server (SQLite + local disk take a lock).
    let _instance = match crate::startup::lock_instance(config) {
        Ok(lock) => lock,
        Err(err) => {
            eprintln!("echoes restore: {err:#}");
            return ExitCode::from(2);
        }
    };
    let manifest = match verify(dir).await {
        Ok(manifest) => manifest,
        Err(err) => {
            eprintln!("echoes restore: the backup in {} cannot be used: {err:#}", dir.display());
            return ExitCode::from(2);
        }
    };
    let Some(target) = app::infra::db::sqlite_file(&config.database_url) else {
        eprintln!("echoes restore: DATABASE_URL is not a SQLite file");
        return ExitCode::from(2);
    };
    match has_accounts(config).await {
        Ok(false) => {}
        Ok(true) => {
            eprintln!(
                "echoes restore: {} has accounts already; restore into a new database (it is never overwritten)",
                target.display()
            );
            return ExitCode::from(2);
        }
        Err(err) => {
            eprintln!("echoes restore: cannot read {}: {err:#}", target.display());
            return ExitCode::from(1);
        }
    }
    match restore(config, dir, &target, &manifest).await {
        Ok(()) => {
            println!("restored {} echoes ({} bytes of audio) from {}", manifest.echoes, manifest.bytes, dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("echoes restore: failed: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Reads the manifest and checks every object against it.
async fn verify(dir: &Path) -> anyhow::Result<Manifest> {
    let manifest: Manifest = serde_json::from_slice(&tokio::fs::read(dir.join(MANIFEST)).await?)?;
    anyhow::ensure!(manifest.format == 1, "format {} is not one this version reads", manifest.format);
    anyhow::ensure!(dir.join(DATABASE).is_file(), "{DATABASE} is missing");
    for object in &manifest.objects {
        anyhow::ensure!(ObjectKey::parse(&object.key).is_some(), "{:?} is not an object key", object.key);
        let (size, sha256) = hash_file(&dir.join(AUDIO).join(&object.key)).await?;
        anyhow::ensure!(
            size == object.size && sha256 == object.sha256,
            "{} does not match the manifest (damaged or changed since the backup)",
            object.key
        );
    }
    Ok(manifest)
}

async fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = tokio::fs::File::open(path).await.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (mut size, mut hash, mut buffer) = (0u64, Sha256::new(), vec![0u8; 256 * 1024]);
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hash.update(&buffer[..read]);
    }
    Ok((size, hex(&hash.finalize())))
}

/// Whether the target database exists with at least one account.
async fn has_accounts(config: &Config) -> anyhow::Result<bool> {
    let Some(path) = app::infra::db::sqlite_file(&config.database_url) else { return Ok(false) };
    if !path.exists() {
        return Ok(false);
    }
    let db = Db::connect(&config.database_url, 1).await?;
    let tables: i64 = on_db!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'",
    )
    .fetch_one(pool)
    .await)?;
    let accounts: i64 = if tables == 0 {
        0
    } else {
        on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?
    };
    db.close().await;
    Ok(accounts > 0)
}

async fn restore(config: &Config, dir: &Path, target: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    // The database: copied next to its place, then renamed over it (and the
    // old write-ahead log removed, so nothing of the empty one replays).
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await?;
    }
    let copy = target.with_extension("restoring");
    tokio::fs::copy(dir.join(DATABASE), &copy).await?;
    tokio::fs::File::open(&copy).await?.sync_all().await?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        match tokio::fs::remove_file(&side).await {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err.into()),
            _ => {}
        }
    }
    tokio::fs::rename(&copy, target).await?;
    let db = Db::connect(&config.database_url, 1).await?;
    db.migrate().await?;
    db.close().await;

    let storage = super::open_storage(config).await?;
    for object in &manifest.objects {
        let key = ObjectKey::parse(&object.key).ok_or_else(|| anyhow::anyhow!("bad key {:?}", object.key))?;
        let file = tokio::fs::File::open(dir.join(AUDIO).join(&object.key)).await?;
        let body = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
        let written = storage
            .put_stream(&key, body, object.size)
            .await
            .map_err(|e| anyhow::anyhow!("storing {}: {e}", object.key))?;
        anyhow::ensure!(written == object.size, "{}: wrote {written} of {} bytes", object.key, object.size);
    }
    Ok(())
}
