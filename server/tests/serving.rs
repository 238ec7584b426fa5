//! The real binary on a real socket: slow clients cannot hold connections
//! forever, and SIGTERM stops the server within its grace period even while
//! a request is still running.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(vars: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_echoes"));
    command
        .env_clear()
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "echoes")
        .env("DATABASE_URL", format!("sqlite://{}/echoes.db", dir.path().display()))
        .env("AUDIO_STORAGE_PATH", dir.path().join("audio"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in vars {
        command.env(k, v);
    }
    let child = command.spawn().expect("start echoes");
    let server = Server { port, child, _dir: dir };
    for _ in 0..150 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if stream.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200") {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("echoes did not start");
}

#[test]
fn a_client_that_trickles_its_headers_is_cut_off() {
    let server = start(&[("REQUEST_TIMEOUT_SECONDS", "1")]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n").unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "the connection stayed open {took:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"), "no answer to half a request");
}

#[test]
fn sigterm_stops_the_server_within_its_grace_period_despite_a_stuck_request() {
    let mut server = start(&[("SHUTDOWN_GRACE_SECONDS", "1")]);
    // A request whose body never finishes arriving.
    let mut stuck = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stuck
        .write_all(
            b"POST /_fn/accounts/log_in HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 1000\r\n\r\nemail=a",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let status = Command::new("kill").arg("-TERM").arg(server.child.id().to_string()).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(6);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running {:?} after SIGTERM", started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited for the request first");
    drop(stuck);
}

/// One GET on a fresh connection; the whole answer as text.
fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_static_assets_of_a_first_visit_are_not_rate_limited_but_everything_else_is() {
    // A page that loads its WASM in chunks fetches many files at once.
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/chunk.js"), "export const chunk = 1;").unwrap();
    let site_root = site.path().display().to_string();
    let server = start(&[("LEPTOS_SITE_ROOT", &site_root), ("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "3")]);
    for n in 0..20 {
        let answer = get(server.port, "/pkg/chunk.js");
        assert!(answer.starts_with("HTTP/1.1 200"), "asset request {n}: {answer}");
        assert!(answer.ends_with("export const chunk = 1;"), "{answer}");
    }
    assert!(get(server.port, "/pkg/missing.js").starts_with("HTTP/1.1 404"));
    let statuses: Vec<String> =
        (0..6).map(|_| get(server.port, "/health").lines().next().unwrap_or_default().to_owned()).collect();
    assert!(statuses.iter().any(|s| s.starts_with("HTTP/1.1 429")), "{statuses:?}");
}
