//! Abuse and attack, as an attacker would try them: cross-site requests,
//! password guessing, floods, stale sessions, oversized bodies — and the
//! headers every kind of response carries.

mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use support::{backends, TestApp, Upload, PASSWORD};

use app::emotion::Emotion;
use app::error::ErrorCode;

/// A browser on another site, posting to Echoes.
fn from_evil_site(app: &mut TestApp) {
    app.headers = vec![("origin", "http://evil.example".into()), ("sec-fetch-site", "cross-site".into())];
}

/// A browser on one of our own pages.
fn from_our_pages(app: &mut TestApp) {
    app.headers = vec![("origin", "http://127.0.0.1:3000".into()), ("sec-fetch-site", "same-origin".into())];
}

on_every_backend! {
    async fn cross_site_log_in_sign_up_upload_and_delete_are_refused(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let mut attacker = app.same_browser();
        from_evil_site(&mut attacker);

        let attempts = [
            attacker.log_in("ada@example.org", PASSWORD).await,
            attacker.sign_up("mallory@example.org", PASSWORD, "Mallory").await,
            attacker.upload(Upload::wav(Emotion::Joy)).await,
            attacker.call("echoes/delete", &[("id", &echo.id.to_string())]).await,
            attacker.log_out().await,
        ];
        for response in attempts {
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.text());
            assert_eq!(response.error().code, ErrorCode::Forbidden);
            assert!(response.error().message.contains("another website"));
            assert!(response.session_cookie().is_empty(), "no session is started or changed");
        }
        // Nothing happened: still one echo, still signed in, no new account.
        assert_eq!(app.echo_rows().await, 1);
        assert!(app.me().await.is_some());
        let mut mallory = app.same_browser();
        mallory.cookie = None;
        assert_eq!(mallory.log_in("mallory@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        // Reading is not state-changing: a cross-site GET still gets an answer.
        assert_eq!(attacker.get("/health").await.status, StatusCode::OK);
    }

    async fn same_origin_and_no_javascript_forms_still_work(app) {
        from_our_pages(&mut app);
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let deleted = app.call("echoes/delete", &[("id", &echo.id.to_string())]).await;
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
        // A no-JS form post from our page (Origin only, as older browsers send).
        app.headers = vec![("origin", "http://127.0.0.1:3000".into())];
        app.log_out().await;
        let response = app.post_form("/_fn/accounts/log_in", &[("email", "ada@example.org"), ("password", PASSWORD)], "text/html").await;
        assert!(response.status.is_redirection(), "{} {}", response.status, response.text());
        assert!(app.me().await.is_some());
        let response = app.upload(Upload::wav(Emotion::Joy).into_html_form()).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    }

    async fn every_kind_of_response_carries_the_security_headers(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let page = app.get_page("/echoes").await;
        assert_eq!(page.status, StatusCode::OK);
        let policy = page.header("content-security-policy").to_owned();
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(page.text().contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
        assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"), "{policy}");
        let again = app.get_page("/echoes").await;
        assert_ne!(again.header("content-security-policy"), policy, "a fresh nonce per response");

        let responses = [
            ("page", page),
            ("server function", app.call("accounts/me", &[]).await),
            ("server function error", app.call("echoes/get", &[("id", "nope")]).await),
            ("audio", app.get(&echo.audio_url()).await),
            ("missing page", app.get_page("/no/such/page").await),
            ("JSON error", app.get("/echoes/not-an-id/audio").await),
            ("health", app.get("/health").await),
        ];
        for (kind, response) in responses {
            assert!(!response.header("content-security-policy").is_empty(), "{kind}: CSP");
            assert!(response.header("content-security-policy").contains("frame-ancestors 'none'"), "{kind}");
            assert_eq!(response.header("permissions-policy"), "microphone=(self), geolocation=(self), camera=(), payment=(), usb=()", "{kind}");
            assert_eq!(response.header("x-frame-options"), "DENY", "{kind}");
            assert_eq!(response.header("x-content-type-options"), "nosniff", "{kind}");
            assert_eq!(response.header("referrer-policy"), "same-origin", "{kind}");
            assert!(response.header("cache-control").contains("no-store"), "{kind}: {}", response.header("cache-control"));
            assert!(response.header("strict-transport-security").is_empty(), "{kind}: no HSTS over plain http");
        }
    }

    async fn a_server_function_body_over_its_limit_is_refused_before_parsing(app) {
        app.signed_up("ada@example.org").await;
        // 430,000 tags, 2 MB: this once held a core for over a minute.
        let tags = (0..430_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let started = Instant::now();
        let response = app.call("echoes/complete_upload", &[("upload_id", "x"), ("emotion", "calm"), ("tags", &tags)]).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.text());
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        // Under the body limit, but too many tags: refused on the field, fast.
        let tags = (0..5_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let response = app.call("echoes/list", &[("emotion", &tags)]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
        assert!(!response.error().message.contains(&tags[..20]), "long input is not echoed back");
    }

    async fn an_upload_form_with_too_many_fields_is_refused(app) {
        app.signed_up("ada@example.org").await;
        let mut upload = Upload::wav(Emotion::Calm);
        for i in 0..40 {
            upload = upload.field(&format!("extra{i}"), "x");
        }
        let response = app.upload(upload).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.text());
        assert!(app.stored_files().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_deployments_get_hsts_and_a_host_prefixed_secure_cookie() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("PUBLIC_URL", "https://echoes.example")]).await;
        let response = app.sign_up("ada@example.org", PASSWORD, "Ada").await;
        let cookie = response.session_cookie();
        assert!(cookie.starts_with("__Host-echoes_session="), "{cookie}");
        assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
        assert_eq!(response.header("strict-transport-security"), "max-age=31536000");
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_slows_down_then_is_refused_until_the_block_wears_off() {
    for backend in backends() {
        let limits = [("LOGIN_MAX_FAILURES", "4"), ("LOGIN_BLOCK_SECONDS", "8")];
        let mut app = TestApp::start(backend, &limits).await;
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        let mut took = Vec::new();
        for _ in 0..4 {
            let started = Instant::now();
            let response = app.log_in("ada@example.org", "wrong password!").await;
            took.push(started.elapsed());
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{}", response.text());
        }
        // The first failure is answered at once; from half the limit on,
        // each is held back longer (1 s, 2 s, 3 s).
        assert!(took[0] < Duration::from_millis(900), "{took:?}");
        assert!(took[1] >= Duration::from_millis(950) && took[1] < Duration::from_millis(1900), "{took:?}");
        assert!(took[2] >= Duration::from_millis(1950) && took[3] >= Duration::from_millis(2950), "{took:?}");
        // Blocked now: even the right password is refused, with Retry-After.
        let refused = app.log_in("ada@example.org", PASSWORD).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.text());
        assert_eq!(refused.error().code, ErrorCode::TooManyRequests);
        let retry: u64 = refused.header("retry-after").parse().expect("Retry-After");
        assert!((1..=8).contains(&retry), "{retry}");
        assert!(refused.error().message.contains("Try again in"), "{}", refused.error().message);
        // Other accounts are not blocked by it.
        let mut bea = app.other_user("bea@example.org").await;
        bea.log_out().await;
        assert_eq!(bea.log_in("bea@example.org", PASSWORD).await.status, StatusCode::OK);
        // The block wears off.
        tokio::time::sleep(Duration::from_secs(retry) + Duration::from_millis(100)).await;
        let response = app.log_in("ada@example.org", PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert!(app.me().await.is_some());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_guessing_many_accounts_is_blocked_and_others_are_not() {
    for backend in backends() {
        // The test's requests come from 0.0.0.0; trusting it as a proxy lets
        // X-Forwarded-For name the client, as behind a real reverse proxy.
        let limits =
            [("LOGIN_MAX_FAILURES_PER_ADDRESS", "3"), ("LOGIN_BLOCK_SECONDS", "60"), ("TRUSTED_PROXIES", "0.0.0.0")];
        let mut app = TestApp::start(backend, &limits).await;
        app.headers = vec![("x-forwarded-for", "203.0.113.7".into())];
        for who in ["a@example.org", "b@example.org", "c@example.org"] {
            assert_eq!(app.log_in(who, "guess guess").await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(app.log_in("d@example.org", "guess guess").await.status, StatusCode::TOO_MANY_REQUESTS);
        app.headers = vec![("x-forwarded-for", "198.51.100.1".into())];
        assert_eq!(app.log_in("d@example.org", "guess guess").await.status, StatusCode::UNAUTHORIZED);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_are_limited_per_address() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("SIGNUPS_PER_ADDRESS_PER_HOUR", "2")]).await;
        for who in ["a@example.org", "b@example.org"] {
            let mut browser = app.same_browser();
            assert_eq!(browser.sign_up(who, PASSWORD, "A").await.status, StatusCode::OK);
        }
        let response = app.sign_up("c@example.org", PASSWORD, "C").await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{}", response.text());
        assert!(!response.header("retry-after").is_empty());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_client_is_answered_with_429() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "5")]).await;
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(app.get("/health").await);
        }
        assert!(statuses[..5].iter().all(|r| r.status == StatusCode::OK));
        let limited = &statuses[7];
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.text());
        assert_eq!(limited.error().code, ErrorCode::TooManyRequests);
        assert!(!limited.header("retry-after").is_empty());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_idle_and_after_its_maximum_age() {
    for backend in backends() {
        let lifetimes = [("SESSION_IDLE_TIMEOUT", "2s"), ("SESSION_MAX_AGE", "5s")];
        let mut app = TestApp::start(backend, &lifetimes).await;
        app.signed_up("ada@example.org").await;
        let audio = app.uploaded_echo(app::emotion::Emotion::Calm).await.audio_url();
        // Idle for longer than the timeout: signed out (the stored expiry
        // has second resolution, hence the margin). The audio route, which
        // reads the cookie without the session layer, refuses it too.
        tokio::time::sleep(Duration::from_millis(3200)).await;
        assert_eq!(app.get(&audio).await.status, StatusCode::UNAUTHORIZED, "an idle session plays nothing");
        assert!(app.me().await.is_none(), "an idle session ends");

        // Active: kept alive past the idle timeout…
        app.log_in("ada@example.org", PASSWORD).await;
        let signed_in = Instant::now();
        while signed_in.elapsed() < Duration::from_millis(3800) {
            assert!(app.me().await.is_some(), "activity keeps it alive at {:?}", signed_in.elapsed());
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        // …but not past its maximum age.
        tokio::time::sleep(Duration::from_millis(5200).saturating_sub(signed_in.elapsed())).await;
        assert_eq!(app.get(&audio).await.status, StatusCode::UNAUTHORIZED, "nor past its maximum age");
        assert!(app.me().await.is_none(), "a session ends at its maximum age, however active");
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_of_log_ins_is_turned_away_with_503_not_hashed_without_bound() {
    for backend in backends() {
        let limits = [("PASSWORD_HASH_CONCURRENCY", "1"), ("LOGIN_MAX_FAILURES", "1000")];
        let mut app = TestApp::start(backend, &limits).await;
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        // 40 at once: one hashes, four wait, the rest are turned away.
        let attempts = (0..40).map(|_| {
            let mut browser = app.same_browser();
            async move { browser.log_in("ada@example.org", "not the password").await }
        });
        let responses = futures::future::join_all(attempts).await;
        let count = |status| responses.iter().filter(|r| r.status == status).count();
        let (wrong, busy) = (count(StatusCode::UNAUTHORIZED), count(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(wrong + busy, 40, "only 401 or 503: {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(busy >= 30, "at most 1 + 4 + a few freed slots are served: {wrong} served");
        let refused = responses.iter().find(|r| r.status == StatusCode::SERVICE_UNAVAILABLE).unwrap();
        assert_eq!(refused.header("retry-after"), "2");
        assert_eq!(refused.error().code, ErrorCode::Unavailable);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_database_pool_is_a_503_not_a_500() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("DATABASE_MAX_CONNECTIONS", "1")]).await;
        let held = match &app.state.db {
            app::infra::db::Db::Sqlite(pool) => {
                Some(pool.acquire().await.unwrap()).map(|c| Box::new(c) as Box<dyn std::any::Any + Send>)
            }
            app::infra::db::Db::Postgres(pool) => {
                Some(pool.acquire().await.unwrap()).map(|c| Box::new(c) as Box<dyn std::any::Any + Send>)
            }
        };
        let response = app.log_in("ada@example.org", PASSWORD).await;
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE, "{}", response.text());
        assert_eq!(response.error().code, ErrorCode::Unavailable);
        assert!(!response.header("retry-after").is_empty());
        assert!(!response.text().contains("pool"), "no internal text: {}", response.text());
        drop(held);
        app.finish().await;
    }
}
