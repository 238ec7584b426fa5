//! Adversarial uploads: files that pass sniffing but are built to exhaust a
//! decoder. Decoding runs in a sandboxed child process, so each one must
//! end as a clear 422 while the server keeps answering, its memory stays
//! bounded, and nothing is stored.
//!
//! The tests in this file run one at a time (a lock), so the peak-RSS
//! figure of this test process belongs to them alone.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use support::hostile::{flac_bomb, magic_then_noise, magics, mp4_count_bomb, webm_size_bomb};
use support::{audio, backends, TestApp, Upload};

/// The whole test process — harness, router, 24 MB request bodies —
/// stays under this while the bombs go off.
const PEAK_RSS_BOUND_MB: u64 = 300;

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

/// Asks `/health` every 50 ms until stopped; returns the slowest answer.
fn watch_health(app: &TestApp) -> (Arc<AtomicBool>, tokio::task::JoinHandle<Duration>) {
    let router = app.router.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let slowest = Arc::new(AtomicU64::new(0));
    let handle = tokio::spawn(async move {
        while !stopped.load(Ordering::SeqCst) {
            let started = Instant::now();
            let response = router.clone().oneshot(Request::get("/health").body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            slowest.fetch_max(started.elapsed().as_micros() as u64, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Duration::from_micros(slowest.load(Ordering::SeqCst))
    });
    (stop, handle)
}

/// Live (not zombie) probe children of this process.
fn probe_children() -> usize {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let after_name = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or_default();
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            let cmdline = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default();
            fields.first() != Some(&"Z") && fields.get(1) == Some(&me.as_str()) && cmdline.contains("probe-audio")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_files_are_refused_while_the_server_keeps_answering() {
    let _one = ONE_AT_A_TIME.lock().await;
    let mut cases: Vec<(String, &str, Vec<u8>)> = vec![
        // 24 MB that decode to hundreds of hours (stopped at the 1 h limit).
        ("FLAC bomb".into(), "bomb.flac", flac_bomb(24 * 1024 * 1024)),
        ("WebM with a 1 TB element".into(), "bomb.webm", webm_size_bomb()),
        ("WAV header only".into(), "cut.wav", audio::wav_sine(1.0)[..44].to_vec()),
        ("FLAC cut after its header".into(), "cut.flac", flac_bomb(200)[..60].to_vec()),
    ];
    for table in [b"stsc", b"stts", b"stco", b"stsz"] {
        let name = format!("M4A whose {} claims 4 billion entries", String::from_utf8_lossy(table));
        cases.push((name, "bomb.m4a", mp4_count_bomb(table)));
    }
    for (format, magic) in magics() {
        cases.push((format!("random bytes behind {format} magic"), "noise.bin", magic_then_noise(&magic, 64 * 1024)));
    }
    for backend in backends() {
        let mut app = TestApp::start(backend, &[]).await;
        app.signed_up("mallory@example.org").await;
        for (name, file_name, bytes) in &cases {
            let (stop, health) = watch_health(&app);
            let started = Instant::now();
            let response = app
                .upload(Upload::file(file_name, "application/octet-stream", bytes.clone()).field("emotion", "calm"))
                .await;
            let took = started.elapsed();
            stop.store(true, Ordering::SeqCst);
            let slowest_health = health.await.unwrap();
            eprintln!("{name}: {} in {took:?}; slowest /health {slowest_health:?}", response.status);
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", response.text());
            let error = response.error();
            assert_eq!(error.field.as_deref(), Some("audio"), "{name}");
            if name == "FLAC bomb" {
                assert!(error.message.contains("1 hour limit"), "decoding stops at the limit: {}", error.message);
            }
            assert!(slowest_health < Duration::from_secs(1), "{name}: /health took {slowest_health:?}");
            // Cleanup of a refused object runs right after the answer.
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(app.stored_files().is_empty(), "{name}: nothing is stored: {:?}", app.stored_files());
            assert_eq!(app.echo_rows().await, 0, "{name}");
        }
        assert_eq!(probe_children(), 0, "no probe outlives its upload");
        app.finish().await;
    }
    let peak = peak_rss_mb();
    eprintln!("peak RSS of the test process: {peak} MB");
    assert!(peak < PEAK_RSS_BOUND_MB, "peak RSS {peak} MB is over {PEAK_RSS_BOUND_MB} MB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_longer_than_the_limit_is_refused_with_the_limit_named() {
    let _one = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("MAX_AUDIO_DURATION_SECONDS", "1")]).await;
        app.signed_up("ada@example.org").await;
        let response =
            app.upload(Upload::file("long.wav", "audio/wav", audio::wav_sine(2.0)).field("emotion", "calm")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
        let error = response.error();
        assert_eq!(error.field.as_deref(), Some("audio"));
        assert!(error.message.contains("1 second limit"), "{}", error.message);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(app.stored_files().is_empty());
        // Just under the limit is fine.
        let response =
            app.upload(Upload::file("short.wav", "audio/wav", audio::wav_sine(0.9)).field("emotion", "calm")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_beyond_the_queue_get_503_with_retry_after() {
    let _one = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        // One slot, a queue of four, and probes that run until their 2 s
        // timeout (51 hours of FLAC with the length limit raised to 24 h).
        let overrides =
            [("PROBE_CONCURRENCY", "1"), ("PROBE_TIMEOUT_SECONDS", "2"), ("MAX_AUDIO_DURATION_SECONDS", "86400")];
        let mut app = TestApp::start(backend, &overrides).await;
        app.signed_up("mallory@example.org").await;
        let bomb = flac_bomb(2 * 1024 * 1024);
        let uploads = (0..7).map(|_| {
            let mut browser = app.same_browser();
            let upload = Upload::file("bomb.flac", "audio/flac", bomb.clone()).field("emotion", "calm");
            async move { browser.upload(upload).await }
        });
        let responses = futures::future::join_all(uploads).await;
        let busy: Vec<_> = responses.iter().filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE).collect();
        let refused = responses.iter().filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY).count();
        assert_eq!(busy.len(), 2, "1 running + 4 queued; the rest are turned away");
        assert_eq!(refused, 5, "the others time out and are refused");
        for response in busy {
            assert_eq!(response.header("retry-after"), "5");
            assert_eq!(response.error().code, app::error::ErrorCode::Unavailable);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(app.stored_files().is_empty());
        assert_eq!(probe_children(), 0);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_mid_probe_leaves_nothing_behind() {
    let _one = ONE_AT_A_TIME.lock().await;
    for backend in backends() {
        let overrides = [("PROBE_TIMEOUT_SECONDS", "60"), ("MAX_AUDIO_DURATION_SECONDS", "86400")];
        let mut app = TestApp::start(backend, &overrides).await;
        app.signed_up("ada@example.org").await;
        let upload = Upload::file("bomb.flac", "audio/flac", flac_bomb(4 * 1024 * 1024)).field("emotion", "calm");
        let mut browser = app.same_browser();
        let request = tokio::spawn(async move { browser.upload(upload).await });
        // Wait until the probe runs, then hang up.
        let deadline = Instant::now() + Duration::from_secs(20);
        while probe_children() == 0 {
            assert!(Instant::now() < deadline, "the probe never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        request.abort();
        let _ = request.await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while probe_children() > 0 || !app.stored_files().is_empty() {
            assert!(Instant::now() < deadline, "probe or object left behind: {:?}", app.stored_files());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(app.echo_rows().await, 0);
        app.finish().await;
    }
}
