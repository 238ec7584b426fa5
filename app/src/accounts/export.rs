//! `GET /account/export`: everything the person has, as one ZIP — each
//! echo's audio, byte for byte, under `audio/`, and `echoes.json` with all
//! the metadata (emotion, title, note, tags, times, place, duration).
//!
//! The archive is written while it is sent: entries are stored (audio is
//! compressed already), each object is copied from storage in chunks into
//! a small pipe whose other end is the response body. Memory stays flat
//! whatever the account holds; only the metadata rows are kept for the
//! JSON at the end.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::{AsyncWriteExt as _, StreamExt as _};
use serde::Serialize;
use uuid::Uuid;

use super::CurrentUser;
use crate::echoes::rows::EchoRow;
use crate::echoes::Echo;
use crate::error::AppError;
use crate::infra::state::AppState;

/// The pipe between the ZIP writer and the response.
const PIPE_BYTES: usize = 256 * 1024;

#[derive(Serialize)]
struct Exported {
    id: Uuid,
    /// The audio's path inside the archive.
    file: String,
    emotion: &'static str,
    title: Option<String>,
    note: Option<String>,
    tags: Vec<String>,
    captured_at: String,
    created_at: String,
    content_type: String,
    size_bytes: i64,
    duration_ms: Option<i64>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    exported_at: String,
    account: Account<'a>,
    echoes: Vec<Exported>,
}

#[derive(Serialize)]
struct Account<'a> {
    email: &'a str,
    display_name: &'a str,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default()
}

fn file_name(echo: &Echo) -> String {
    let when = chrono::DateTime::from_timestamp_millis(echo.captured_at)
        .map(|t| t.format("%Y-%m-%d_%H%M%S").to_string())
        .unwrap_or_default();
    let ext = crate::echoes::format::AudioFamily::from_declared(&echo.content_type).map_or("audio", |f| f.extension());
    format!("audio/{when}_{}_{}.{ext}", echo.emotion.as_str(), echo.id)
}

pub async fn download(State(state): State<AppState>, caller: CurrentUser) -> Result<Response, AppError> {
    let rows = crate::echoes::rows::all_of(&state.db, caller.id()).await?;
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let user = caller.user.clone();
    tokio::spawn(async move {
        if let Err(err) = write_archive(&state, &user, rows, writer).await {
            // The client sees a cut-off download (the body ends early);
            // the ZIP's missing central directory makes it plainly broken.
            tracing::warn!(user_id = %user.id, error = %err, "export stopped");
        }
    });
    let today = chrono::Utc::now().format("%Y-%m-%d");
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"echoes-{today}.zip\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(reader)),
    )
        .into_response())
}

async fn write_archive(
    state: &AppState,
    user: &super::User,
    rows: Vec<EchoRow>,
    writer: tokio::io::DuplexStream,
) -> anyhow::Result<()> {
    use async_zip::base::write::ZipFileWriter;
    use async_zip::{Compression, ZipDateTime, ZipEntryBuilder};

    let mut zip = ZipFileWriter::with_tokio(writer);
    let mut exported = Vec::with_capacity(rows.len());
    for row in rows {
        let key = row.storage_key()?;
        let echo = row.into_echo()?;
        let file = file_name(&echo);
        let modified = chrono::DateTime::from_timestamp_millis(echo.captured_at).unwrap_or_default();
        let entry = ZipEntryBuilder::new(file.clone().into(), Compression::Stored)
            .last_modification_date(ZipDateTime::from_chrono(&modified))
            .unix_permissions(0o644);
        let mut audio = state.storage.read_range(&key, None).await?;
        let mut entry_writer = zip.write_entry_stream(entry).await?;
        while let Some(chunk) = audio.next().await {
            entry_writer.write_all(&chunk?).await?;
        }
        entry_writer.close().await?;
        exported.push(Exported {
            id: echo.id,
            file,
            emotion: echo.emotion.as_str(),
            title: echo.title,
            note: echo.note,
            tags: echo.tags,
            captured_at: rfc3339(echo.captured_at),
            created_at: rfc3339(echo.created_at),
            content_type: echo.content_type,
            size_bytes: echo.size_bytes,
            duration_ms: echo.duration_ms,
            latitude: echo.location.map(|l| l.latitude()),
            longitude: echo.location.map(|l| l.longitude()),
        });
    }
    let manifest = Manifest {
        exported_at: chrono::Utc::now().to_rfc3339(),
        account: Account { email: &user.email, display_name: &user.display_name },
        echoes: exported,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let entry = ZipEntryBuilder::new("echoes.json".to_owned().into(), Compression::Stored)
        .last_modification_date(ZipDateTime::from_chrono(&chrono::Utc::now()))
        .unix_permissions(0o644);
    zip.write_entry_whole(entry, &json).await?;
    let mut pipe = zip.close().await?.into_inner();
    tokio::io::AsyncWriteExt::shutdown(&mut pipe).await?;
    Ok(())
}
