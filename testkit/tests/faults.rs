//! Fault tests: the real release binary (`ECHOES_BIN`, built by
//! scripts/test.sh) killed with SIGKILL mid-upload, and stopped with
//! SIGTERM with uploads in flight. What must hold: an upload answered 201
//! is never lost and its audio is byte-identical; nothing half-written is
//! left; an upload still running past the grace period is cut cleanly.
//!
//! PostgreSQL (through a proxy the test cuts) and S3 (s3s, likewise) going
//! away are here too. They need the release build, so scripts/test.sh
//! runs them after building; without ECHOES_BIN they fail. The PostgreSQL
//! ones (their names say so) need TEST_DATABASE_URL: test.sh leaves them
//! out when that is unset, as it does the PostgreSQL half of the
//! integration tests (.ci/run sets it).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

fn binary() -> PathBuf {
    PathBuf::from(std::env::var("ECHOES_BIN").expect("ECHOES_BIN: the release echoes binary (scripts/test.sh sets it)"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running server, killed when dropped: a failing test leaves none behind.
struct Running(Child);

impl Running {
    fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()
    }

    fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.0.wait()
    }

    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An instance in a folder of its own: SQLite + local disk, unless
/// `overrides` point it elsewhere.
struct Instance {
    dir: tempfile::TempDir,
    port: u16,
    grace_secs: u32,
    overrides: Vec<(String, String)>,
}

impl Instance {
    fn new(grace_secs: u32) -> Instance {
        Instance::with(grace_secs, Vec::new())
    }

    fn with(grace_secs: u32, overrides: Vec<(String, String)>) -> Instance {
        Instance { dir: tempfile::tempdir().unwrap(), port: free_port(), grace_secs, overrides }
    }

    fn vars(&self) -> Vec<(String, String)> {
        let mut vars = self.default_vars();
        vars.retain(|(name, _)| !self.overrides.iter().any(|(overridden, _)| overridden == name));
        vars.extend(self.overrides.iter().cloned());
        vars
    }

    fn default_vars(&self) -> Vec<(String, String)> {
        let dir = self.dir.path().display();
        [
            ("DATABASE_URL", format!("sqlite://{dir}/echoes.db")),
            ("AUDIO_STORAGE_PATH", format!("{dir}/audio")),
            ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", self.port)),
            ("RATE_LIMIT_PER_SECOND", "100000".into()),
            ("RATE_LIMIT_BURST", "100000".into()),
            ("SIGNUPS_PER_ADDRESS_PER_HOUR", "100000".into()),
            ("SHUTDOWN_GRACE_SECONDS", self.grace_secs.to_string()),
            ("LOG_FORMAT", "json".into()),
            ("RUST_LOG", "info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("echoes.log")
    }

    /// Starts the server and waits until it answers.
    fn start(&self) -> Running {
        self.start_with(self.vars())
    }

    /// Starts the server with `vars` instead, and waits until it is ready.
    fn start_with(&self, vars: Vec<(String, String)>) -> Running {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).unwrap();
        let mut child = Command::new(binary())
            .env_clear()
            .envs(vars)
            .current_dir(self.dir.path())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start echoes");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(answer) = raw_request(self.port, "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &[]) {
                if answer.starts_with("HTTP/1.1 200") {
                    return Running(child);
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        panic!("echoes did not come up; log:\n{}", std::fs::read_to_string(self.log_path()).unwrap_or_default());
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `echoes fsck --min-age 0s` on this instance's files.
    fn fsck(&self) -> (bool, String) {
        let out = Command::new(binary())
            .env_clear()
            .envs(self.vars())
            .env("RUST_LOG", "warn")
            .current_dir(self.dir.path())
            .args(["fsck", "--min-age", "0s"])
            .output()
            .unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Writes `head` then `body` and returns what comes back (until close).
fn raw_request(port: u16, head: &str, body: &[u8]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// A WAV of `seconds` of a tone that differs with `seed`, so every upload's
/// bytes are its own.
fn wav(seconds: f32, seed: u32) -> Vec<u8> {
    let rate = 16_000;
    let pitch = 200.0 + (seed % 997) as f32;
    let samples = (0..(rate as f32 * seconds) as u32).map(|i| {
        let t = i as f32 / rate as f32;
        ((t * pitch * std::f32::consts::TAU).sin() * 9_000.0) as i16 ^ (seed as i16 & 1)
    });
    testkit::wav_pcm16(rate, samples)
}

/// A number in 0..n from the OS's randomness.
fn random_below(n: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() as u64) % n
}

async fn register(client: &reqwest::Client, base: &str, email: &str) -> String {
    let answer: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({ "email": email, "password": "correct horse battery", "display_name": "Faults" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned()
}

/// Uploads through the API; the echo's id when the answer was 201.
async fn upload(client: &reqwest::Client, base: &str, token: &str, bytes: Vec<u8>) -> Option<uuid::Uuid> {
    let form = reqwest::multipart::Form::new()
        .text("emotion", "calm")
        .part("audio", reqwest::multipart::Part::bytes(bytes).file_name("moment.wav").mime_str("audio/wav").unwrap());
    let response = client.post(format!("{base}/api/v1/echoes")).bearer_auth(token).multipart(form).send().await.ok()?;
    if response.status().as_u16() != 201 {
        return None;
    }
    let echo: Value = response.json().await.ok()?;
    echo["id"].as_str().and_then(|id| id.parse().ok())
}

async fn listed(client: &reqwest::Client, base: &str, token: &str) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/echoes?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        for echo in page["echoes"].as_array().unwrap() {
            ids.push(echo["id"].as_str().unwrap().parse().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

async fn audio(client: &reqwest::Client, base: &str, token: &str, id: uuid::Uuid) -> Vec<u8> {
    let response = client.get(format!("{base}/api/v1/echoes/{id}/audio")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "audio of {id}");
    response.bytes().await.unwrap().to_vec()
}

fn sigterm(child: &Running) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        if entry.path().is_dir() {
            found.extend(files_under(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

/// 20 rounds of 8 concurrent uploads, the server killed with SIGKILL at a
/// random moment and restarted: every 201 survives, byte for byte, and
/// after the start's cleanup nothing is orphaned, missing or in flight.
/// SQLite + local disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_acknowledged_before_a_kill_are_never_lost() {
    kill_rounds(&Instance::new(5)).await;
}

/// The same on PostgreSQL + S3 (s3s): there the uploads journal, and the
/// advisory lock PostgreSQL releases when the killed process's connection
/// closes, are what let the next start remove what the kill left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_acknowledged_before_a_kill_are_never_lost_on_postgres_and_s3() {
    let database = PgDatabase::create().await;
    let bucket_root = tempfile::tempdir().unwrap();
    let s3 = testkit::S3Server::start(bucket_root.path(), 0).await.unwrap();
    let mut overrides = vec![("DATABASE_URL".to_owned(), database.url.to_string())];
    overrides.extend(s3.echoes_config("echoes-kills").into_iter().map(|(k, v)| (k.to_owned(), v)));
    kill_rounds(&Instance::with(5, overrides)).await;
    database.drop().await;
}

async fn kill_rounds(instance: &Instance) {
    let mut server = instance.start();
    let client = reqwest::Client::new();
    let base = instance.base();
    let token = register(&client, &base, "faults@example.org").await;
    let round_of_eight = |round: u32| {
        let mut uploads = tokio::task::JoinSet::new();
        // Made first, so all eight start together.
        let files: Vec<Vec<u8>> = (0..8u32).map(|i| wav(2.0 + (i % 4) as f32 * 2.0, round * 8 + i)).collect();
        for bytes in files {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            uploads.spawn(async move { upload(&client, &base, &token, bytes.clone()).await.map(|id| (id, bytes)) });
        }
        uploads
    };
    // A round left alone says how long eight uploads take on this backend.
    let started = Instant::now();
    let mut acknowledged: Vec<(uuid::Uuid, Vec<u8>)> = round_of_eight(1000).join_all().await.into_iter().flatten().collect();
    let whole_round = started.elapsed();
    assert_eq!(acknowledged.len(), 8, "uploads work before any kill");
    eprintln!("eight uploads take {whole_round:?} here");
    let mut cut = 0;
    for round in 0..20u32 {
        let started = Instant::now();
        let uploads = round_of_eight(round);
        // Anywhere from before the first answer to after the last.
        tokio::time::sleep(Duration::from_millis(random_below(whole_round.as_millis() as u64 * 5 / 4 + 1))).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let killed_after = started.elapsed();
        let results = uploads.join_all().await;
        let answered = results.iter().filter(|r| r.is_some()).count();
        eprintln!("round {round}: killed after {killed_after:?}, {answered} of 8 answered 201");
        for done in results {
            match done {
                Some(echo) => acknowledged.push(echo),
                None => cut += 1,
            }
        }
        server = instance.start();
        let ids = listed(&client, &base, &token).await;
        for (id, _) in &acknowledged {
            assert!(ids.contains(id), "round {round}: acknowledged echo {id} is gone");
        }
        let (consistent, report) = instance.fsck();
        assert!(consistent, "round {round}: after the start's cleanup:\n{report}");
        assert!(!report.contains("in flight"), "round {round}: the start left uploads in flight:\n{report}");
        let leftovers: Vec<_> = files_under(&instance.dir.path().join("audio"))
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".part")))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: unfinished writes left: {leftovers:?}");
    }
    for (id, bytes) in &acknowledged {
        assert_eq!(&audio(&client, &base, &token, *id).await, bytes, "echo {id} plays its own bytes");
    }
    // What the starts removed from the uploads journal: objects stored
    // (or being stored) when the kill came, never committed.
    let log = std::fs::read_to_string(instance.log_path()).unwrap();
    let reclaimed = log.matches("removed an upload a stopped server left unfinished").count();
    eprintln!("{} uploads acknowledged, {cut} cut by a kill, none lost; {reclaimed} half-stored ones removed at start", acknowledged.len());
    assert!(acknowledged.len() > 8 && cut > 0, "the kills should land both before and after some answers");
    assert!(reclaimed > 0, "some kills should land while an upload was stored but not committed");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A throwaway PostgreSQL database next to TEST_DATABASE_URL's.
struct PgDatabase {
    admin: String,
    name: String,
    url: url::Url,
}

impl PgDatabase {
    async fn create() -> PgDatabase {
        use sqlx::Connection;
        let admin =
            std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL: a PostgreSQL to test against (.ci/run sets it)");
        let name = format!("echoes_faults_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let mut url: url::Url = admin.parse().unwrap();
        url.set_path(&format!("/{name}"));
        PgDatabase { admin, name, url }
    }

    async fn drop(self) {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name)).execute(&mut conn).await.unwrap();
    }
}

/// The multipart request of an API upload, as raw HTTP (to send it slowly).
fn upload_request(port: u16, token: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "faultsboundary7d3a";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"emotion\"\r\n\r\ncalm\r\n").as_bytes());
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"slow.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /api/v1/echoes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    (head, body)
}

/// Sends the request in `pieces` parts over `over`; returns the status line
/// (or the error that ended the exchange).
fn slow_upload(port: u16, token: String, bytes: Vec<u8>, pieces: usize, over: Duration) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let (head, body) = upload_request(port, &token, &bytes);
        let exchange = || -> std::io::Result<String> {
            let mut stream = TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(60)))?;
            stream.write_all(head.as_bytes())?;
            for chunk in body.chunks(body.len().div_ceil(pieces)) {
                std::thread::sleep(over / pieces as u32);
                stream.write_all(chunk)?;
            }
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer)?;
            Ok(String::from_utf8_lossy(&answer).lines().next().unwrap_or("").to_owned())
        };
        exchange().unwrap_or_else(|e| format!("error: {e}"))
    })
}

/// SIGTERM with an upload in flight: it finishes within the grace, new
/// connections are refused meanwhile, and the echo is there after a
/// restart. Past the grace an upload is cut and leaves nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_uploads_finish_within_the_grace_and_cuts_the_rest_cleanly() {
    let client = reqwest::Client::new();

    // Within the grace (5 s): a 2 s upload started before the signal.
    let instance = Instance::new(5);
    let mut server = instance.start();
    let base = instance.base();
    let token = register(&client, &base, "graceful@example.org").await;
    let bytes = wav(3.0, 1);
    let in_flight = slow_upload(instance.port, token.clone(), bytes.clone(), 20, Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    sigterm(&server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(TcpStream::connect(("127.0.0.1", instance.port)).is_err(), "new connections are refused once stopping");
    let status = in_flight.join().unwrap();
    assert!(status.starts_with("HTTP/1.1 201"), "the upload in flight completes: {status}");
    let exit = server.wait().unwrap();
    assert!(exit.success(), "a clean exit: {exit:?}");
    assert!(signalled.elapsed() < Duration::from_secs(5), "it exits once the upload is done: {:?}", signalled.elapsed());
    server = instance.start();
    let ids = listed(&client, &base, &token).await;
    assert_eq!(ids.len(), 1);
    assert_eq!(audio(&client, &base, &token, ids[0]).await, bytes);
    server.kill().unwrap();
    server.wait().unwrap();

    // Past the grace (1 s): a 6 s upload is cut when the grace ends.
    let instance = Instance::new(1);
    let mut server = instance.start();
    let base = instance.base();
    let token = register(&client, &base, "cut@example.org").await;
    let too_slow = slow_upload(instance.port, token.clone(), wav(3.0, 2), 30, Duration::from_secs(6));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    sigterm(&server);
    let exit = server.wait().unwrap();
    let stopped_after = signalled.elapsed();
    assert!(stopped_after < Duration::from_secs(4), "the grace is a deadline: {stopped_after:?}");
    assert!(exit.success(), "{exit:?}");
    let status = too_slow.join().unwrap();
    assert!(!status.starts_with("HTTP/1.1 201"), "an upload cut by the deadline is not acknowledged: {status}");
    let (consistent, report) = instance.fsck();
    assert!(consistent, "nothing half-written after the cut:\n{report}");
    let files = files_under(&instance.dir.path().join("audio"));
    assert!(files.is_empty(), "the cut upload left {files:?}");
    server = instance.start();
    assert!(listed(&client, &base, &token).await.is_empty());
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Two servers on one SQLite database would each clean up "leftovers" the
/// other is writing: the second one refuses to start.
#[test]
fn a_second_server_on_the_same_sqlite_files_refuses_to_start() {
    let instance = Instance::new(5);
    let mut first = instance.start();
    let second = Command::new(binary())
        .env_clear()
        .envs(instance.vars())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
        .current_dir(instance.dir.path())
        .output()
        .unwrap();
    let said = format!("{:?}: {}{}", second.status, String::from_utf8_lossy(&second.stdout), String::from_utf8_lossy(&second.stderr));
    assert!(!second.status.success(), "{said}");
    assert!(said.contains("another Echoes is already serving"), "{said}");
    first.kill().unwrap();
    first.wait().unwrap();
}

/// A TCP proxy the test can cut: while cut, every connection through it is
/// closed and new ones are refused — PostgreSQL "goes away" without being
/// stopped.
struct CuttableProxy {
    port: u16,
    cut: tokio::sync::watch::Sender<bool>,
}

impl CuttableProxy {
    async fn start(target: std::net::SocketAddr) -> CuttableProxy {
        let port = free_port();
        let (cut, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let mut watch = watch;
            loop {
                // Up: accept and forward until cut.
                let listener = loop {
                    match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                        Ok(listener) => break listener,
                        Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                };
                let mut until_cut = watch.clone();
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((mut inbound, _)) = accepted else { continue };
                            let mut stop = watch.clone();
                            tokio::spawn(async move {
                                let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                                tokio::select! {
                                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                    _ = stop.wait_for(|cut| *cut) => {}
                                }
                            });
                        }
                        _ = until_cut.wait_for(|cut| *cut) => break,
                    }
                }
                drop(listener);
                // Down: refuse until restored.
                if watch.wait_for(|cut| !*cut).await.is_err() {
                    return;
                }
            }
        });
        CuttableProxy { port, cut }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

/// PostgreSQL unreachable for 10 s (a proxy in front of it is cut): the
/// server stays up, /ready says 503, requests get a clean 503 quickly —
/// not a hang, not a 500 — and everything works again once it is back,
/// without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_gives_clean_503s_and_recovers_without_a_restart() {
    let database = PgDatabase::create().await;
    let target = database.url.clone();
    let address = format!("{}:{}", target.host_str().unwrap(), target.port().unwrap_or(5432));
    let proxy = CuttableProxy::start(address.parse().unwrap()).await;
    let mut through = target.clone();
    through.set_port(Some(proxy.port)).unwrap();

    let instance = Instance::new(5);
    let mut vars = instance.vars();
    vars.retain(|(k, _)| k != "DATABASE_URL");
    vars.push(("DATABASE_URL".into(), through.to_string()));
    let mut server = instance.start_with(vars);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let base = instance.base();
    let token = register(&client, &base, "pg@example.org").await;
    let first = upload(&client, &base, &token, wav(0.5, 7)).await.expect("an upload while all is well");

    proxy.set_cut(true);
    let cut_at = Instant::now();
    let ready = client.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    for attempt in 0..3 {
        let asked = Instant::now();
        let list = client.get(format!("{base}/api/v1/echoes")).bearer_auth(&token).send().await.unwrap();
        let status = list.status().as_u16();
        let retry_after = list.headers().get("retry-after").is_some();
        let body: Value = list.json().await.unwrap();
        assert_eq!(status, 503, "attempt {attempt}: {body}");
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert!(retry_after, "503 says when to try again");
        assert!(asked.elapsed() < Duration::from_secs(7), "an answer, not a hang: {:?}", asked.elapsed());
    }
    let refused = upload(&client, &base, &token, wav(0.5, 8)).await;
    assert!(refused.is_none(), "no upload is acknowledged without its row");
    assert_eq!(client.get(format!("{base}/health")).send().await.unwrap().status().as_u16(), 200, "alive throughout");
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(cut_at.elapsed())).await;

    proxy.set_cut(false);
    let back = Instant::now();
    while client.get(format!("{base}/ready")).send().await.map(|r| r.status().as_u16()).unwrap_or(0) != 200 {
        assert!(back.elapsed() < Duration::from_secs(15), "not ready again after PostgreSQL came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let second = upload(&client, &base, &token, wav(0.5, 9)).await.expect("uploads work again");
    let ids = listed(&client, &base, &token).await;
    assert!(ids.contains(&first) && ids.contains(&second) && ids.len() == 2, "{ids:?}");
    eprintln!("ready again {:?} after PostgreSQL came back", back.elapsed());
    server.kill().unwrap();
    server.wait().unwrap();
    database.drop().await;
}

/// The S3 store unreachable (a proxy in front of it is cut): uploads get a
/// clean 503, no half-written echo remains, browsing still works, and
/// uploads work again once the store is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_going_away_refuses_uploads_cleanly_and_recovers() {
    let bucket_root = tempfile::tempdir().unwrap();
    let s3 = testkit::S3Server::start(bucket_root.path(), 0).await.unwrap();
    let proxy = CuttableProxy::start(s3.addr).await;
    let instance = Instance::new(5);
    let mut vars = instance.vars();
    for (name, value) in s3.echoes_config("echoes-faults") {
        let value = if name == "S3_ENDPOINT_URL" { format!("http://127.0.0.1:{}", proxy.port) } else { value };
        vars.push((name.to_owned(), value));
    }
    let mut server = instance.start_with(vars);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let base = instance.base();
    let token = register(&client, &base, "s3@example.org").await;
    let first = upload(&client, &base, &token, wav(0.5, 11)).await.expect("an upload while all is well");

    proxy.set_cut(true);
    let form = reqwest::multipart::Form::new()
        .text("emotion", "calm")
        .part("audio", reqwest::multipart::Part::bytes(wav(0.5, 12)).file_name("m.wav").mime_str("audio/wav").unwrap());
    let asked = Instant::now();
    let refused = client.post(format!("{base}/api/v1/echoes")).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(asked.elapsed() < Duration::from_secs(30), "an answer, not a hang: {:?}", asked.elapsed());
    assert_eq!(client.get(format!("{base}/ready")).send().await.unwrap().status().as_u16(), 503);
    assert_eq!(listed(&client, &base, &token).await, vec![first], "browsing works; no half-written echo");

    proxy.set_cut(false);
    let back = Instant::now();
    while client.get(format!("{base}/ready")).send().await.map(|r| r.status().as_u16()).unwrap_or(0) != 200 {
        assert!(back.elapsed() < Duration::from_secs(15), "not ready again after S3 came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bytes = wav(0.5, 13);
    let second = upload(&client, &base, &token, bytes).await.expect("uploads work again");
    let ids = listed(&client, &base, &token).await;
    assert!(ids.contains(&first) && ids.contains(&second) && ids.len() == 2, "{ids:?}");
    server.kill().unwrap();
    server.wait().unwrap();
}
