//! Mail that proves who you are, delivered to a real SMTP server on
//! 127.0.0.1 (testkit/smtp) and read back from it: the verification link
//! after sign-up, "forgot password" and its reset link, and a mail server
//! that is down when a message is due.

mod support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use support::mail::{link, SmtpSink};
use support::{backends, Backend, TestApp, PASSWORD};

const SITE: &str = "http://127.0.0.1:3000";

async fn with_mail(backend: Backend, smtp_url: &str) -> TestApp {
    let app = TestApp::start(backend, &[("SMTP_URL", smtp_url), ("MAIL_FROM", "Echoes <echoes@example.org>")]).await;
    server::jobs::Jobs::start(&app.state, vec![server::jobs::mail_outbox::job()]);
    app
}

async fn exec(app: &TestApp, sql: &str) {
    app::on_db!(&app.state.db, pool => sqlx::query(sql).execute(pool).await.map(|_| ())).expect(sql);
}

fn path_of(url: &str) -> &str {
    url.strip_prefix(SITE).expect("a link to this instance")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_mails_a_link_that_confirms_the_address_once() {
    for backend in backends() {
        let sink = SmtpSink::start(0);
        let mut app = with_mail(backend, &sink.url()).await;
        app.signed_up("ada@example.org").await;
        assert!(!app.me().await.unwrap().email_verified);
        let page = app.get_page("/echoes").await.text();
        assert!(page.contains("data-testid=\"verify-banner\""), "the banner shows");

        let mail = sink.wait_for("ada@example.org", 1).await;
        assert_eq!(mail.subject, "Confirm your email address for Echoes");
        assert!(mail.from.contains("echoes@example.org"), "{}", mail.from);
        assert!(mail.headers.get("content-type").is_some_and(|t| t.contains("multipart/alternative")), "{:?}", mail.headers);
        assert!(mail.text.contains("for 24 hours"), "expiry named: {}", mail.text);
        assert!(mail.text.contains(SITE), "the instance named");
        let url = link(&mail.text, &format!("{SITE}/verify-email?token="));
        assert!(mail.html.contains(&url), "the HTML version has the link too");

        let confirmed = app.get_page(path_of(&url)).await;
        assert_eq!(confirmed.status, StatusCode::OK);
        assert!(confirmed.text().contains("data-testid=\"email-verified\""));
        assert!(app.me().await.unwrap().email_verified);
        assert!(!app.get_page("/echoes").await.text().contains("verify-banner"), "the banner goes");
        // Once only; a wrong one is refused the same way.
        assert_eq!(app.get_page(path_of(&url)).await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.get_page("/verify-email?token=not-a-real-token").await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.get_page("/verify-email").await.status, StatusCode::BAD_REQUEST);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_or_superseded_verification_link_is_refused() {
    for backend in backends() {
        let sink = SmtpSink::start(0);
        let mut app = with_mail(backend, &sink.url()).await;
        app.signed_up("ada@example.org").await;
        let first = link(&sink.wait_for("ada@example.org", 1).await.text, &format!("{SITE}/verify-email?token="));
        // "Send again" waits a minute between links.
        let again = app.call("accounts/resend_verification", &[]).await;
        assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
        exec(&app, "UPDATE email_tokens SET created_at = created_at - 120000").await;
        let again = app.call("accounts/resend_verification", &[]).await;
        assert!(again.status.is_success(), "{}", again.text());
        let second = link(&sink.wait_for("ada@example.org", 2).await.text, &format!("{SITE}/verify-email?token="));
        assert_ne!(first, second);
        assert_eq!(app.get_page(path_of(&first)).await.status, StatusCode::BAD_REQUEST, "the older link stops working");
        // 24 hours later the new one has expired too.
        exec(&app, "UPDATE email_tokens SET expires_at = expires_at - 86400001").await;
        assert_eq!(app.get_page(path_of(&second)).await.status, StatusCode::BAD_REQUEST);
        assert!(!app.me().await.unwrap().email_verified);
        app.finish().await;
    }
}

async fn forgot(app: &mut TestApp, email: &str) -> (StatusCode, String, Duration) {
    let started = Instant::now();
    let response = app.call("accounts/forgot_password", &[("email", email)]).await;
    (response.status, response.text(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_link_sets_a_new_password_and_signs_out_everywhere() {
    for backend in backends() {
        let sink = SmtpSink::start(0);
        let mut app = with_mail(backend, &sink.url()).await;
        app.signed_up("ada@example.org").await;
        let mut laptop = app.client();
        assert!(laptop.log_in("ada@example.org", PASSWORD).await.status.is_success());
        let mut visitor = app.client();

        // Known and unknown addresses get the same answer, in about the same time.
        let (status, known, _) = forgot(&mut visitor, "ada@example.org").await;
        assert_eq!(status, StatusCode::OK);
        let (status, unknown, _) = forgot(&mut visitor, "nobody@example.org").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(known, unknown);
        let mail = sink.wait_for("ada@example.org", 2).await;
        assert_eq!(mail.subject, "Reset your Echoes password");
        assert!(mail.text.contains("for 1 hour"));
        let url = link(&mail.text, &format!("{SITE}/reset-password?token="));
        let token = url.split("token=").nth(1).unwrap().to_owned();
        assert!(sink.messages().await.iter().all(|m| !m.to.contains("nobody@")), "no mail to an unknown address");

        // A bad new password keeps the link usable.
        let short = visitor.call("accounts/reset_password", &[("token", &token), ("new_password", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.error().field.as_deref(), Some("new_password"));
        let wrong = visitor.call("accounts/reset_password", &[("token", "nope"), ("new_password", "a-new-long-password")]).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

        let page = visitor.get_page(path_of(&url)).await;
        assert!(page.text().contains("name=\"token\""), "the page carries the token to its form");
        let reset = visitor.call("accounts/reset_password", &[("token", &token), ("new_password", "a-new-long-password")]).await;
        assert!(reset.status.is_success(), "{}", reset.text());
        assert!(app.me().await.is_none(), "every session is signed out");
        assert!(laptop.me().await.is_none());
        let mut fresh = app.client();
        assert_eq!(fresh.log_in("ada@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert!(fresh.log_in("ada@example.org", "a-new-long-password").await.status.is_success());
        let notice = sink.wait_for("ada@example.org", 3).await;
        assert_eq!(notice.subject, "Your Echoes password was changed");
        // Once only.
        let again = visitor.call("accounts/reset_password", &[("token", &token), ("new_password", "another-long-password")]).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);

        // An hour later a link has expired.
        forgot(&mut visitor, "ada@example.org").await;
        let url = link(&sink.wait_for("ada@example.org", 4).await.text, &format!("{SITE}/reset-password?token="));
        exec(&app, "UPDATE email_tokens SET expires_at = expires_at - 3600001 WHERE purpose = 'reset'").await;
        let token = url.split("token=").nth(1).unwrap();
        let late = visitor.call("accounts/reset_password", &[("token", token), ("new_password", "another-long-password")]).await;
        assert_eq!(late.status, StatusCode::BAD_REQUEST);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_answers_alike_in_alike_time_and_is_limited() {
    let sink = SmtpSink::start(0);
    let mut app = with_mail(Backend::Sqlite, &sink.url()).await;
    app.signed_up("ada@example.org").await;
    let mut visitor = app.client();
    // Alternate, so both see the same machine; five of each (the limit).
    let (mut known, mut unknown) = (Duration::ZERO, Duration::ZERO);
    for i in 0..5 {
        known += forgot(&mut visitor, "ada@example.org").await.2;
        unknown += forgot(&mut visitor, &format!("nobody{i}@example.org")).await.2;
    }
    let (known, unknown) = (known / 5, unknown / 5);
    eprintln!("forgot password: known {known:?}, unknown {unknown:?} on average");
    assert!(known.abs_diff(unknown) < Duration::from_millis(100), "known {known:?} vs unknown {unknown:?}");
    // The sixth for one address within the hour is refused, known or not.
    let (status, _, _) = forgot(&mut visitor, "ada@example.org").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_due_while_the_server_is_down_is_delivered_once_it_is_back() {
    for backend in backends() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut app = with_mail(backend, &format!("smtp://127.0.0.1:{port}")).await;
        app.signed_up("ada@example.org").await;
        // Nothing listens: the worker tries, fails, and backs off.
        let mut attempts = 0;
        for _ in 0..100 {
            attempts = app::on_db!(&app.state.db, pool => sqlx::query_scalar::<_, i64>("SELECT MAX(attempts) FROM outbox").fetch_one(pool).await).unwrap();
            if attempts > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(attempts > 0, "a delivery was attempted");
        // The server comes back; once the backoff is over, the mail goes out.
        let sink = SmtpSink::start(port);
        exec(&app, "UPDATE outbox SET next_attempt_at = 0 WHERE sent_at IS NULL").await;
        let mail = sink.wait_for("ada@example.org", 1).await;
        assert_eq!(mail.subject, "Confirm your email address for Echoes");
        let url = link(&mail.text, &format!("{SITE}/verify-email?token="));
        assert_eq!(app.get_page(path_of(&url)).await.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(sink.messages().await.len(), 1, "sent once");
        app.finish().await;
    }
}
