//! What the server learns by decoding an echo once, when it is created: its
//! real duration and about 200 waveform peaks, stored with the echo so the
//! page can draw the waveform (and show the length) without the browser
//! decoding anything.
//!
//! The duration comes from the decoded samples, never from a header:
//! MediaRecorder's WebM files have none, which is why players show
//! `Infinity` for them.
//!
//! Decoding reads hostile bytes, so it never runs in the server process:
//! [`sandbox`] runs it in a child under OS limits, a bounded number at a
//! time. An upload is decoded while it arrives where it can be
//! ([`while_uploaded`]), else from its stored file. Audio that cannot be
//! decoded, or is longer than `MAX_AUDIO_DURATION_SECONDS`, is refused and
//! nothing is kept.

mod decode;
mod peaks;
pub mod sandbox;
mod while_uploaded;

pub use decode::{probe_file, probe_stream, ProbeError};
pub use peaks::PEAK_BUCKETS;
pub use sandbox::{ProbeFailure, ProbeLimits, Prober, StreamingProbe, CHILD_SUBCOMMAND};
pub use while_uploaded::{decode_while_stored, decodes_in_one_pass, Streamed, StreamedAnswer};

use crate::display::human_duration;
use crate::error::{AppError, ErrorCode};
use crate::infra::slots::Slot;
use crate::infra::storage::{ObjectKey, Storage};

#[derive(Clone, Debug, PartialEq)]
pub struct AudioProbe {
    pub duration_ms: i64,
    /// `PEAK_BUCKETS` values, 0–255, relative to the loudest bucket.
    pub peaks: Vec<u8>,
}

/// Probes a stored object in the sandbox. On local disk the stored file
/// itself is decoded (the child only reads it); from S3 it is first copied
/// to a temporary file (removed when this returns or is cancelled).
pub async fn probe_stored(
    prober: &Prober,
    storage: &Storage,
    key: &ObjectKey,
    extension: &'static str,
) -> Result<AudioProbe, AppError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;

    let copy = async {
        let temp = tempfile::NamedTempFile::new()?;
        let mut file = tokio::fs::File::create(temp.path()).await?;
        let mut body = storage.read_range(key, None).await.map_err(std::io::Error::other)?;
        while let Some(chunk) = body.next().await {
            file.write_all(&chunk?).await?;
        }
        file.flush().await?;
        Ok::<_, std::io::Error>(temp)
    };
    let copied;
    let path = match storage.local_path(key) {
        Some(path) => path,
        None => {
            copied = copy.await.map_err(|e| AppError::unavailable("read the audio back to probe it", e))?;
            copied.path().to_path_buf()
        }
    };
    probe_path(prober, &path, extension, key, None).await
}

/// Probes the complete file at `path` in the sandbox: what `path` is
/// refused for, as people are told it.
/// `key` names the object in the log; `slot` is one the caller holds.
pub async fn probe_path(
    prober: &Prober,
    path: &std::path::Path,
    extension: &str,
    key: &ObjectKey,
    slot: Option<Slot<'_>>,
) -> Result<AudioProbe, AppError> {
    let started = std::time::Instant::now();
    match prober.probe(path, extension, slot).await {
        Ok(probe) => {
            tracing::debug!(%key, duration_ms = probe.duration_ms, took_ms = started.elapsed().as_millis() as u64, "probed");
            Ok(probe)
        }
        Err(failure) => Err(refusal(failure)),
    }
}

/// What a person is told when their audio could not be probed.
pub(super) fn refusal(failure: ProbeFailure) -> AppError {
    match failure {
        ProbeFailure::TooLong { max_secs } => AppError::invalid(
            "audio",
            format!("The recording is longer than the {} limit. Trim it and try again.", human_duration(max_secs)),
        ),
        ProbeFailure::Undecodable(reason) | ProbeFailure::Stopped(reason) => {
            tracing::info!(%reason, "audio refused: cannot be decoded");
            AppError::invalid(
                "audio",
                "Echoes could not play this file: it looks damaged, incomplete or empty. Try exporting it again.",
            )
        }
        ProbeFailure::Busy => AppError::new(
            ErrorCode::Unavailable,
            "Echoes is busy with other recordings right now. Please try again in a few seconds.",
        )
        .retry_after(5),
        ProbeFailure::Failed(err) => AppError::internal("probe", err),
    }
}
