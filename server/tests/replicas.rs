//! Two Echoes processes behind one database and one bucket, as a team runs
//! them behind a load balancer: a session made on one is valid on the
//! other, and an echo uploaded through one plays through the other.
//! The database is PostgreSQL when `TEST_DATABASE_URL` is set (a fresh one),
//! otherwise one SQLite file shared by both processes.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::audio::wav_sine;
use support::Upload;

struct Replica {
    base: String,
    child: Child,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn start_replica(vars: &[(&str, String)]) -> Replica {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_echoes"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_OUTPUT_NAME", "echoes")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in vars {
        command.env(k, v);
    }
    let child = command.spawn().expect("start an echoes process");
    let replica = Replica { base: format!("http://127.0.0.1:{port}"), child };
    for _ in 0..150 {
        if reqwest::get(format!("{}/ready", replica.base)).await.is_ok_and(|r| r.status().is_success()) {
            return replica;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica on port {port} did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_sessions_and_echoes() {
    let s3_root = tempfile::tempdir().unwrap();
    let s3 = testkit::S3Server::start(s3_root.path(), 0).await.unwrap();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let (database_url, _postgres) = match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(admin) => {
            let db = support::PostgresDatabase::create(&admin).await;
            (db.url.clone(), Some(db))
        }
        None => (format!("sqlite://{}/shared.db", sqlite_dir.path().display()), None),
    };
    let mut vars = s3.echoes_config("replicas");
    vars.push(("DATABASE_URL", database_url.clone()));
    let a = start_replica(&vars).await;
    let b = start_replica(&vars).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Sign up on A…
    let signed_up = http
        .post(format!("{}/_fn/accounts/sign_up", a.base))
        .header("accept", "application/json")
        .form(&[("email", "ada@example.org"), ("password", support::PASSWORD), ("display_name", "Ada")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let cookie = session_cookie(signed_up.headers());

    // …and B knows the session.
    // Who a cookie is signed in as, on one replica.
    let me_on = |base: String, cookie: String| {
        let http = http.clone();
        async move {
            let me: Option<app::accounts::User> = http
                .post(format!("{base}/_fn/accounts/me"))
                .header("accept", "application/json")
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            me
        }
    };
    let me = me_on(b.base.clone(), cookie.clone()).await;
    assert_eq!(me.map(|u| u.email).as_deref(), Some("ada@example.org"));

    // Upload through A, play through B.
    let bytes = wav_sine(0.3);
    let (content_type, body) = Upload::file("m.wav", "audio/wav", bytes.clone()).field("emotion", "calm").multipart();
    let uploaded = http
        .post(format!("{}/echoes", a.base))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let echo: app::echoes::Echo = uploaded.json().await.unwrap();
    let redirect = http.get(format!("{}{}", b.base, echo.audio_url())).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(redirect.status(), 307);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let played = http.get(&location).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(played.as_ref(), bytes.as_slice());

    // A second session, made on B, is signed out from the first one's
    // account page on A: its cookie stops working on both.
    let logged_in = http
        .post(format!("{}/_fn/accounts/log_in", b.base))
        .header("accept", "application/json")
        .form(&[("email", "ada@example.org"), ("password", support::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 200);
    let phone = session_cookie(logged_in.headers());
    assert!(me_on(a.base.clone(), phone.clone()).await.is_some());
    let ended = http
        .post(format!("{}/_fn/accounts/devices/end", a.base))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .form(&[("handle", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 200, "{}", ended.text().await.unwrap());
    // A forgets at once; B, which read (made) the session, within a second.
    assert!(me_on(a.base.clone(), phone.clone()).await.is_none(), "ended on A");
    within_a_second("the ended session refused on B", || async {
        me_on(b.base.clone(), phone.clone()).await.is_none()
    })
    .await;
    assert!(me_on(b.base.clone(), cookie.clone()).await.is_some(), "the first session goes on");

    // Logging out on B ends the session on A too.
    let out = http
        .post(format!("{}/_fn/accounts/log_out", b.base))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    within_a_second("the logged-out session refused on A", || async {
        let audio = http.get(format!("{}{}", a.base, echo.audio_url())).header("cookie", &cookie).send().await.unwrap();
        audio.status() == 401
    })
    .await;

    // An account disabled elsewhere (another replica, the database) stops
    // working on a replica that has just read it, within a second.
    let logged_in = http
        .post(format!("{}/_fn/accounts/log_in", a.base))
        .header("accept", "application/json")
        .form(&[("email", "ada@example.org"), ("password", support::PASSWORD)])
        .send()
        .await
        .unwrap();
    let laptop = session_cookie(logged_in.headers());
    assert!(me_on(b.base.clone(), laptop.clone()).await.is_some(), "B reads the account");
    let db = app::infra::db::Db::connect(&database_url, 1).await.unwrap();
    let disabled = app::on_db!(&db, pool => sqlx::query("UPDATE users SET disabled_at = 1 WHERE email = 'ada@example.org'")
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
    .unwrap();
    assert_eq!(disabled, 1);
    within_a_second("the disabled account refused on B", || async {
        me_on(b.base.clone(), laptop.clone()).await.is_none()
    })
    .await;
    assert!(me_on(a.base.clone(), laptop.clone()).await.is_none(), "and on A");
}

/// Waits for `refused` to hold: replicas believe what they read for at
/// most `RECENT_FOR` (one second); a little more is allowed for the
/// requests themselves. Fails past that.
async fn within_a_second<F, Fut>(what: &str, mut refused: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let limit = app::infra::recently_read::RECENT_FOR + std::time::Duration::from_millis(300);
    let started = std::time::Instant::now();
    loop {
        if refused().await {
            eprintln!("{what}: after {:?}", started.elapsed());
            return;
        }
        assert!(started.elapsed() < limit, "{what}: still let through after {:?}", started.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The session cookie's `name=value` among a response's cookies.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> String {
    let set_cookie = support::session_set_cookie(headers).expect("a session cookie");
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}
