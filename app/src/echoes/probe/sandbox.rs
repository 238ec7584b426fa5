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
//!
//! An upload can also be decoded while it arrives ([`Prober::stream`]): the
//! child reads the bytes from a pipe as they are stored, so its answer is
//! ready about when the last byte is. That takes a slot only if one is
//! free at once, so slow uploads never hold the decoders others wait for.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::decode::{probe_file, probe_stream, ProbeError};
use super::AudioProbe;
use crate::infra::slots::{Slot, Slots};

/// `echoes probe-audio <extension> <max-seconds> <memory-mb> <cpu-seconds> <file>`,
/// where a file of `-` is the child's standard input.
pub const CHILD_SUBCOMMAND: &str = "probe-audio";
const STDIN: &str = "-";
/// A decoder fed while an upload arrives that takes longer than this to
/// accept the next piece is given up (the upload goes on, and is decoded
/// from the stored file instead): it must never hold an upload back.
const MAX_FEED_STALL: Duration = Duration::from_secs(2);
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
    /// The decoder read the file and says why it cannot decode it.
    #[error("the audio cannot be decoded: {0}")]
    Undecodable(String),
    /// The decoder was stopped: it ran past its time, or hit a limit or
    /// crashed on the file.
    #[error("the decoder stopped: {0}")]
    Stopped(String),
    /// Every slot is taken and the queue is full (or waited too long).
    #[error("too many probes at once")]
    Busy,
    /// The child could not be started: our problem, not the file's.
    #[error("cannot run the probe: {0}")]
    Failed(std::io::Error),
}

impl ProbeFailure {
    /// Whether decoding the stored file might answer otherwise than
    /// decoding the upload as it arrived did: when the decoder said it
    /// cannot read the stream (it may need to seek) or could not be run.
    /// A decoder that ran out of time or limits would on the file too.
    pub fn file_may_differ(&self) -> bool {
        matches!(self, ProbeFailure::Undecodable(_) | ProbeFailure::Failed(_))
    }
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

    /// Decodes the file at `path` in a sandboxed child, in `slot` if the
    /// caller holds one already, else in the next free one. Dropping the
    /// future kills the child.
    pub async fn probe(&self, path: &Path, extension: &str, slot: Option<Slot<'_>>) -> Result<AudioProbe, ProbeFailure> {
        let _slot = match slot {
            Some(slot) => slot,
            None => match self.slots.acquire().await {
                Ok(slot) => slot,
                Err(_) => {
                    metrics::counter!("echoes_probes_total", "outcome" => "busy").increment(1);
                    return Err(ProbeFailure::Busy);
                }
            },
        };
        let started = std::time::Instant::now();
        let result = match self.spawn(extension, Some(path)) {
            Ok(child) => self.answer(child).await,
            Err(err) => Err(err),
        };
        record(&result, started);
        result
    }

    /// A probe fed the bytes of an upload while they arrive, if a slot is
    /// free now (`None` otherwise: the stored file is probed afterwards).
    pub fn stream(&self, extension: &str) -> Option<StreamingProbe<'_>> {
        let slot = self.slots.try_acquire()?;
        let mut child = match self.spawn(extension, None) {
            Ok(child) => child,
            Err(err) => {
                tracing::warn!(%err, "cannot start a streaming probe");
                return None;
            }
        };
        let stdin = child.stdin.take();
        Some(StreamingProbe {
            prober: self,
            child: Some(child),
            stdin,
            started: std::time::Instant::now(),
            slot,
        })
    }

    /// Starts a child decoding the file at `path`, or its standard input.
    fn spawn(&self, extension: &str, path: Option<&Path>) -> Result<tokio::process::Child, ProbeFailure> {
        let limits = &self.limits;
        let cpu_secs = limits.timeout.as_secs().max(1);
        tokio::process::Command::new(&limits.program)
            .arg(CHILD_SUBCOMMAND)
            .arg(extension)
            .arg(limits.max_audio_secs.to_string())
            .arg(limits.memory_mb.to_string())
            .arg(cpu_secs.to_string())
            .arg(path.map_or(Path::new(STDIN), |p| p))
            .env_clear()
            .stdin(if path.is_some() { Stdio::null() } else { Stdio::piped() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(ProbeFailure::Failed)
    }

    /// The child's answer, once it has all its input (it is killed if it
    /// takes longer than the timeout from here).
    async fn answer(&self, mut child: tokio::process::Child) -> Result<AudioProbe, ProbeFailure> {
        let limits = &self.limits;
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
                return Err(ProbeFailure::Stopped(format!(
                    "decoding took longer than {} s",
                    limits.timeout.as_secs()
                )));
            }
        };
        if !status.success() {
            let stderr = String::from_utf8_lossy(&errors);
            tracing::warn!(%status, stderr = %stderr.trim(), "probe child failed");
            return Err(ProbeFailure::Stopped("it hit a limit or crashed".into()));
        }
        match serde_json::from_slice::<Answer>(&answer) {
            Ok(Answer::Probed { duration_ms, peaks }) => Ok(AudioProbe { duration_ms, peaks }),
            Ok(Answer::TooLong { max_secs }) => Err(ProbeFailure::TooLong { max_secs }),
            Ok(Answer::Undecodable { reason }) => Err(ProbeFailure::Undecodable(reason)),
            Err(err) => Err(ProbeFailure::Failed(std::io::Error::other(format!("unreadable probe answer: {err}")))),
        }
    }
}

fn record(result: &Result<AudioProbe, ProbeFailure>, started: std::time::Instant) {
    let outcome = match result {
        Ok(_) => "decoded",
        Err(ProbeFailure::TooLong { .. }) => "too_long",
        Err(ProbeFailure::Undecodable(_) | ProbeFailure::Stopped(_)) => "undecodable",
        Err(_) => "failed",
    };
    metrics::counter!("echoes_probes_total", "outcome" => outcome).increment(1);
    metrics::histogram!("echoes_probe_duration_seconds").record(started.elapsed().as_secs_f64());
}

/// A sandboxed decoder reading an upload as it arrives (see
/// [`Prober::stream`]). Dropping it kills the child and frees its slot.
pub struct StreamingProbe<'a> {
    prober: &'a Prober,
    /// `None` once given up.
    child: Option<tokio::process::Child>,
    /// `None` once the child stopped reading (it has its answer) or was
    /// given up.
    stdin: Option<tokio::process::ChildStdin>,
    started: std::time::Instant,
    slot: Slot<'a>,
}

impl<'a> StreamingProbe<'a> {
    /// Passes the next bytes of the upload to the decoder. A decoder that
    /// has stopped reading is not fed any more; one that falls behind by
    /// more than [`MAX_FEED_STALL`] is given up, so it never slows the
    /// upload down for long.
    pub async fn feed(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let Some(stdin) = &mut self.stdin else { return };
        match tokio::time::timeout(MAX_FEED_STALL, stdin.write_all(bytes)).await {
            Ok(Ok(())) => {}
            // A broken pipe: the child is done (with an answer or not).
            Ok(Err(_)) => self.stdin = None,
            Err(_) => {
                tracing::info!("streaming probe fell behind the upload; given up");
                self.stdin = None;
                self.child = None;
            }
        }
    }

    /// The decoder's answer on everything fed so far, which must be the
    /// whole file (`None` when it was given up), and the slot it ran in,
    /// for decoding the file when the answer does not settle it.
    pub async fn finish(mut self) -> (Option<Result<AudioProbe, ProbeFailure>>, Slot<'a>) {
        // Closing the pipe is the end of the file for the child.
        drop(self.stdin.take());
        let Some(child) = self.child.take() else { return (None, self.slot) };
        let result = self.prober.answer(child).await;
        // An answer the file might not give sends the upload to the
        // file's decoder, which then counts it.
        if !result.as_ref().is_err_and(ProbeFailure::file_may_differ) {
            record(&result, self.started);
        }
        (Some(result), self.slot)
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
    let probed = if path == STDIN {
        probe_stream(std::io::stdin(), extension, max_secs)
    } else {
        probe_file(Path::new(path), extension, max_secs)
    };
    let answer = match probed {
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
