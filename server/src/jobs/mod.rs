//! Background jobs, under one small runner: the upload sweeper, session
//! cleanup and the mail outbox. Each job is a pass run every so often:
//!
//! - every pass is logged (at info when it did or failed something) and
//!   counted in `/metrics`: runs by outcome, items done and failed, time;
//! - a pass reports items that failed and goes on with the rest; a pass
//!   that fails, or even panics, is counted and retried at the next tick;
//! - [`Jobs::stop`] lets a pass in progress finish (within the shutdown
//!   grace) and starts no new one.

pub mod mail_outbox;
pub mod session_cleanup;
pub mod upload_sweeper;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use app::infra::state::AppState;

/// What one pass did: items handled, and items that failed (left for a
/// later pass).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub done: u64,
    pub failed: u64,
}

type PassFuture = Pin<Box<dyn Future<Output = anyhow::Result<Pass>> + Send>>;

/// A job: its name (in logs and metrics), how often it runs, and one pass.
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub pass: Box<dyn Fn(AppState) -> PassFuture + Send + Sync>,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, every: Duration, pass: F) -> Job
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Pass>> + Send + 'static,
    {
        Job { name, every, pass: Box::new(move |state| Box::pin(pass(state))) }
    }
}

/// Every job a server runs.
pub fn all(state: &AppState) -> Vec<Job> {
    vec![upload_sweeper::job(state), session_cleanup::job(), mail_outbox::job()]
}

/// Running jobs. Dropping this leaves them running; [`Jobs::stop`] stops them.
pub struct Jobs {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Starts each job; its first pass runs at once.
    pub fn start(state: &AppState, jobs: Vec<Job>) -> Jobs {
        let stop = CancellationToken::new();
        let tasks = jobs.into_iter().map(|job| tokio::spawn(run(state.clone(), job, stop.clone()))).collect();
        Jobs { stop, tasks }
    }

    /// Starts no new pass, and waits up to `grace` for those in progress.
    pub async fn stop(self, grace: Duration) {
        self.stop.cancel();
        let mut tasks = self.tasks;
        let all_done = futures::future::join_all(tasks.iter_mut());
        if tokio::time::timeout(grace, all_done).await.is_err() {
            tracing::warn!("background jobs still running after the grace period; stopping them");
            for task in &tasks {
                task.abort();
            }
        }
    }
}

async fn run(state: AppState, job: Job, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(job.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        let started = Instant::now();
        let outcome = AssertUnwindSafe((job.pass)(state.clone())).catch_unwind().await;
        let took = started.elapsed();
        let name = job.name;
        let result = match outcome {
            Ok(Ok(pass)) => {
                metrics::counter!("echoes_job_items_total", "job" => name, "outcome" => "done").increment(pass.done);
                metrics::counter!("echoes_job_items_total", "job" => name, "outcome" => "failed").increment(pass.failed);
                if pass.failed > 0 {
                    tracing::warn!(job = name, done = pass.done, failed = pass.failed, took_ms = took.as_millis() as u64, "job pass: some items failed; they are retried later");
                    "partial"
                } else {
                    if pass.done > 0 {
                        tracing::info!(job = name, done = pass.done, took_ms = took.as_millis() as u64, "job pass");
                    } else {
                        tracing::debug!(job = name, took_ms = took.as_millis() as u64, "job pass: nothing to do");
                    }
                    metrics::gauge!("echoes_job_last_success_timestamp_seconds", "job" => name).set(unix_now());
                    "ok"
                }
            }
            Ok(Err(err)) => {
                tracing::warn!(job = name, error = format!("{err:#}"), "job pass failed; it runs again at the next tick");
                "failed"
            }
            Err(_) => {
                tracing::error!(job = name, "job pass panicked; it runs again at the next tick");
                "failed"
            }
        };
        metrics::counter!("echoes_job_runs_total", "job" => name, "outcome" => result).increment(1);
        metrics::histogram!("echoes_job_duration_seconds", "job" => name).record(took.as_secs_f64());
    }
}

/// A job's view of an error from the app: its message and, for the log,
/// its cause.
pub fn app_error(e: app::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}: {:?}", e.message, e.cause)
}

fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}
