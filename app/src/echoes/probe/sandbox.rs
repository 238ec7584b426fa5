//! Decoding in a child process, so a hostile file can hurt only the child.
//!
//! The server re-executes its own binary with the hidden subcommand
//! [`CHILD_SUBCOMMAND`]. The child sets OS limits on itself (address space,
//! CPU time, no core dump, no file writes) before it reads a byte, decodes,
//! and prints one JSON answer. The parent bounds the wall-clock time (the
//! child is killed when it runs over, and also when the request that wanted
//! the probe goes away), how many children run at once, and how many wait.
//!
//! A decoder that panics, aborts on a huge allocation, loops or runs out of
//! CPU takes down only its child; the upload then gets a clear 422.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::decode::{probe_file, ProbeError};
use super::AudioProbe;
use crate::infra::slots::Slots;

/// `echoes probe-audio <extension> <max-seconds> <memory-mb> <cpu-seconds> <file>`
pub const CHILD_SUBCOMMAND: &str = "probe-audio";
/// The child's answer is a duration and 200 peaks: far below this.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;
/// Enough of the child's stderr to log why it died.
const MAX_STDERR_BYTES: u64 = 4 * 1024;
/// How long a probe may wait for a free slot before the answer is 503.
const MAX_QUEUE_WAIT: Duration = Duration::from_secs(30);

/// What the child prints.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Probed { duration_ms: i64, peaks: Vec<u8> },
    TooLong { max_secs: u64 },
    Undecodable { reason: String },
}

/// Why a probe gave no result.
#[derive(Debug, thiserror::Error)]
pub enum ProbeFailure {
    #[error("the audio is longer than {max_secs} s")]
    TooLong { max_secs: u64 },
    #[error("the audio cannot be decoded: {0}")]
    Undecodable(String),
    /// Every slot is taken and the queue is full (or waited too long).
    #[error("too many probes at once")]
    Busy,
    /// The child could not be started: our problem, not the file's.
    #[error("cannot run the probe: {0}")]
    Failed(std::io::Error),
}

/// Limits for every probe, from configuration.
#[derive(Clone, Debug)]
pub struct ProbeLimits {
    /// The program to run: normally this very binary.
    pub program: PathBuf,
    pub max_audio_secs: u64,
    pub memory_mb: u64,
    pub timeout: Duration,
    /// Probes running at once.
    pub concurrency: usize,
    /// Probes waiting for a slot before new ones are refused.
    pub queue: usize,
}

/// Runs probes in child processes, a bounded number at a time.
#[derive(Clone)]
pub struct Prober {
    limits: Arc<ProbeLimits>,
    slots: Slots,
}

impl Prober {
    pub fn new(limits: ProbeLimits) -> Prober {
        let slots = Slots::new(limits.concurrency, limits.queue, MAX_QUEUE_WAIT);
        Prober { limits: Arc::new(limits), slots }
    }

    pub fn limits(&self) -> &ProbeLimits {
        &self.limits
    }

    /// Uploads waiting for a decoding slot now (for `/metrics`).
    pub fn queue_length(&self) -> usize {
        self.slots.waiting()
    }

    /// Uploads being decoded now.
    pub fn running(&self) -> usize {
        self.limits.concurrency.max(1).saturating_sub(self.slots.free())
    }

    /// Decodes the file at `path` in a sandboxed child. Dropping the future
    /// kills the child.
    pub async fn probe(&self, path: &Path, extension: &str) -> Result<AudioProbe, ProbeFailure> {
        let Ok(_slot) = self.slots.acquire().await else {
            metrics::counter!("echoes_probes_total", "outcome" => "busy").increment(1);
            return Err(ProbeFailure::Busy);
        };
        let started = std::time::Instant::now();
        let result = self.decode_in_child(path, extension).await;
        let outcome = match &result {
            Ok(_) => "decoded",
            Err(ProbeFailure::TooLong { .. }) => "too_long",
            Err(ProbeFailure::Undecodable(_)) => "undecodable",
            Err(_) => "failed",
        };
        metrics::counter!("echoes_probes_total", "outcome" => outcome).increment(1);
        metrics::histogram!("echoes_probe_duration_seconds").record(started.elapsed().as_secs_f64());
        result
    }

    async fn decode_in_child(&self, path: &Path, extension: &str) -> Result<AudioProbe, ProbeFailure> {
        let limits = &self.limits;
        let cpu_secs = limits.timeout.as_secs().max(1);
        let mut child = tokio::process::Command::new(&limits.program)
            .arg(CHILD_SUBCOMMAND)
            .arg(extension)
            .arg(limits.max_audio_secs.to_string())
            .arg(limits.memory_mb.to_string())
            .arg(cpu_secs.to_string())
            .arg(path)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(ProbeFailure::Failed)?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(ProbeFailure::Failed(std::io::Error::other("no pipes to the probe")));
        };
        let run = async {
            let (mut answer, mut errors) = (Vec::new(), Vec::new());
            let (mut stdout, mut stderr) = (stdout.take(MAX_ANSWER_BYTES), stderr.take(MAX_STDERR_BYTES));
            let (read_out, _) = tokio::join!(stdout.read_to_end(&mut answer), stderr.read_to_end(&mut errors));
            read_out?;
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((status, answer, errors))
        };
        let (status, answer, errors) = match tokio::time::timeout(limits.timeout, run).await {
            Ok(Ok(done)) => done,
            Ok(Err(err)) => return Err(ProbeFailure::Failed(err)),
            Err(_) => {
                // `child` is dropped on return, which kills it (kill_on_drop).
                tracing::warn!(timeout_secs = limits.timeout.as_secs(), "probe timed out; child killed");
                return Err(ProbeFailure::Undecodable(format!(
                    "decoding took longer than {} s",
                    limits.timeout.as_secs()
                )));
            }
        };
        if !status.success() {
            let stderr = String::from_utf8_lossy(&errors);
            tracing::warn!(%status, stderr = %stderr.trim(), "probe child failed");
            return Err(ProbeFailure::Undecodable("the decoder stopped (it hit a limit or crashed)".into()));
        }
        match serde_json::from_slice::<Answer>(&answer) {
            Ok(Answer::Probed { duration_ms, peaks }) => Ok(AudioProbe { duration_ms, peaks }),
            Ok(Answer::TooLong { max_secs }) => Err(ProbeFailure::TooLong { max_secs }),
            Ok(Answer::Undecodable { reason }) => Err(ProbeFailure::Undecodable(reason)),
            Err(err) => Err(ProbeFailure::Failed(std::io::Error::other(format!("unreadable probe answer: {err}")))),
        }
    }
}

/// The child: limits itself, decodes, prints the answer. `args` are what
/// follows [`CHILD_SUBCOMMAND`]. Returns the process exit code.
pub fn run_child(args: &[String]) -> i32 {
    let [extension, max_secs, memory_mb, cpu_secs, path] = args else {
        eprintln!("usage: echoes {CHILD_SUBCOMMAND} <extension> <max-seconds> <memory-mb> <cpu-seconds> <file>");
        return 2;
    };
    let number = |s: &str| s.parse::<u64>().ok();
    let (Some(max_secs), Some(memory_mb), Some(cpu_secs)) = (number(max_secs), number(memory_mb), number(cpu_secs))
    else {
        eprintln!("{CHILD_SUBCOMMAND}: limits must be numbers");
        return 2;
    };
    if let Err(err) = limit_self(memory_mb, cpu_secs) {
        eprintln!("{CHILD_SUBCOMMAND}: cannot set limits: {err}");
        return 3;
    }
    let answer = match probe_file(Path::new(path), extension, max_secs) {
        Ok(probe) => Answer::Probed { duration_ms: probe.duration_ms, peaks: probe.peaks },
        Err(ProbeError::TooLong { max_secs }) => Answer::TooLong { max_secs },
        Err(err) => Answer::Undecodable { reason: err.to_string() },
    };
    match serde_json::to_string(&answer) {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(_) => 3,
    }
}

/// OS limits on this process, set before any hostile byte is read.
fn limit_self(memory_mb: u64, cpu_secs: u64) -> std::io::Result<()> {
    use rlimit::Resource;
    let memory = memory_mb.saturating_mul(1024 * 1024);
    Resource::AS.set(memory, memory)?;
    // SIGXCPU at the soft limit, SIGKILL a second later.
    Resource::CPU.set(cpu_secs, cpu_secs + 1)?;
    Resource::CORE.set(0, 0)?;
    // The child writes nothing but its answer to a pipe.
    Resource::FSIZE.set(0, 0)?;
    Resource::NOFILE.set(32, 32)?;
    Ok(())
}
