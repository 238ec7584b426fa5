//! `echoes backup <dir>`: a consistent copy of an instance on SQLite —
//! the database as of one moment (`VACUUM INTO`), then the audio of every
//! echo in that copy, each with its SHA-256 in `manifest.json` so a restore
//! can prove it got the same bytes.
//!
//! An echo deleted between the snapshot and the copy of its audio is left
//! out of the backup (its owner deleted it). Sessions and direct uploads in
//! progress are not kept: a restored instance starts with everyone signed
//! out. With PostgreSQL the database is backed up with its own tools: the
//! command prints how, and exits with 3.
//!
//! Exit codes: 0 done, 1 failed (the folder is left for inspection),
//! 2 the folder cannot be used, 3 not done here (PostgreSQL).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use app::infra::config::Config;
use app::infra::db::Db;
use app::infra::storage::{ObjectKey, Storage, StorageError};
use app::on_db;

pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "echoes.db";
pub const AUDIO: &str = "audio";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The layout of this folder; restore refuses others.
    pub format: u32,
    pub made_by: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub echoes: usize,
    pub bytes: u64,
    pub objects: Vec<BackedUpObject>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BackedUpObject {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

pub fn postgres_instructions(config: &Config) -> String {
    let audio = match &config.s3 {
        Some(s3) => format!(
            "  2. the audio, from the bucket:  aws s3 sync s3://{}/ ./audio/{}",
            s3.bucket,
            s3.endpoint.as_deref().map(|e| format!(" --endpoint-url {e}")).unwrap_or_default()
        ),
        None => format!("  2. the audio folder:  cp -a {} ./audio", config.audio_storage_path.display()),
    };
    format!(
        "With PostgreSQL, back up with its own tools, database first, then the audio:\n  \
         1. the database:  pg_dump --format=custom --file=echoes.dump \"$DATABASE_URL\"\n{audio}\n\
         Restore in the same order: pg_restore --dbname=\"$DATABASE_URL\" --clean echoes.dump, then the audio.\n\
         An echo whose audio is missing after a restore shows up in `echoes fsck`."
    )
}

pub async fn run(config: &Config, dir: &Path) -> ExitCode {
    if config.is_postgres() {
        eprintln!("echoes backup: not done here.\n{}", postgres_instructions(config));
        return ExitCode::from(3);
    }
    if let Err(err) = empty_folder(dir) {
        eprintln!("echoes backup: {}: {err}", dir.display());
        return ExitCode::from(2);
    }
    match backup(config, dir).await {
        Ok(manifest) => {
            println!(
                "backed up {} echoes ({} bytes of audio) to {}",
                manifest.echoes,
                manifest.bytes,
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("echoes backup: failed: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// Creates `dir`, or checks that it is empty.
fn empty_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    if std::fs::read_dir(dir)?.next().is_some() {
        return Err(std::io::Error::other("the folder is not empty; back up into a new one"));
    }
    Ok(())
}

async fn backup(config: &Config, dir: &Path) -> anyhow::Result<Manifest> {
    let snapshot_path = dir.join(DATABASE);
    let snapshot_text = snapshot_path.to_str().ok_or_else(|| anyhow::anyhow!("the folder's path is not UTF-8"))?;
    // One moment of the live database, whatever is being written meanwhile.
    let live = Db::connect(&config.database_url, 1).await?;
    live.migrate().await?;
    app::db_run!(&live, sqlx::query(&format!("VACUUM INTO '{}'", snapshot_text.replace('\'', "''"))))?;
    live.close().await;

    let snapshot = Db::connect(&format!("sqlite://{snapshot_text}"), 1).await?;
    let keys: Vec<(uuid::Uuid, String)> =
        on_db!(&snapshot, pool => sqlx::query_as("SELECT id, storage_key FROM echoes ORDER BY id").fetch_all(pool).await)?;
    let storage = super::open_storage(config).await?;
    let mut objects = Vec::with_capacity(keys.len());
    let mut gone = Vec::new();
    for (id, key) in keys {
        let parsed = ObjectKey::parse(&key).ok_or_else(|| anyhow::anyhow!("echo {id} has a malformed key {key:?}"))?;
        match copy_out(&storage, &parsed, &dir.join(AUDIO).join(&key)).await {
            Ok((size, sha256)) => objects.push(BackedUpObject { key, size, sha256 }),
            Err(CopyError::NotFound) => gone.push(id),
            Err(CopyError::Other(err)) => return Err(err.context(format!("copying the audio of echo {id}"))),
        }
    }
    // What the backup does not keep.
    on_db!(&snapshot, pool => async {
        for id in &gone {
            sqlx::query("DELETE FROM echoes WHERE id = $1").bind(id).execute(pool).await?;
        }
        sqlx::query("DELETE FROM tower_sessions").execute(pool).await?;
        sqlx::query("DELETE FROM pending_uploads").execute(pool).await?;
        sqlx::query("DELETE FROM uploads_in_flight").execute(pool).await?;
        Ok::<_, sqlx::Error>(())
    }.await)?;
    snapshot.close().await;
    if !gone.is_empty() {
        println!("{} echo(es) deleted while the backup ran are not in it", gone.len());
    }
    let manifest = Manifest {
        format: 1,
        made_by: format!("echoes {}", env!("CARGO_PKG_VERSION")),
        created_at: app::infra::db::now_millis(),
        echoes: objects.len(),
        bytes: objects.iter().map(|o| o.size).sum(),
        objects,
    };
    write_durably(&dir.join(MANIFEST), &serde_json::to_vec_pretty(&manifest)?).await?;
    Ok(manifest)
}

enum CopyError {
    NotFound,
    Other(anyhow::Error),
}

/// Streams the object into `path` (fsynced), hashing it on the way.
async fn copy_out(storage: &Storage, key: &ObjectKey, path: &PathBuf) -> Result<(u64, String), CopyError> {
    let mut stream = match storage.read_range(key, None).await {
        Ok(stream) => stream,
        Err(StorageError::NotFound) => return Err(CopyError::NotFound),
        Err(err) => return Err(CopyError::Other(err.into())),
    };
    let write = async {
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let mut file = tokio::fs::File::create(path).await?;
        let (mut size, mut hash) = (0u64, Sha256::new());
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hash.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok::<_, std::io::Error>((size, hex(&hash.finalize())))
    };
    write.await.map_err(|err| CopyError::Other(err.into()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}
