//! Sign-in codes by mail (to a real SMTP server, testkit/smtp) and by text
//! message (through the webhook sender, to a real HTTP sink), phone
//! numbers on the account page, and changing the email address.

mod support;

use axum::http::StatusCode;
use support::mail::{link, SmtpSink};
use support::sms::{code_in, SmsSink};
use support::{backends, Backend, TestApp, PASSWORD};

const SITE: &str = "http://127.0.0.1:3000";
const PHONE: &str = "+447400123456";

async fn with_senders(backend: Backend, smtp: &SmtpSink, sms: &SmsSink) -> TestApp {
    let app = TestApp::start(backend, &[
        ("SMTP_URL", &smtp.url()),
        ("MAIL_FROM", "Echoes <echoes@example.org>"),
        ("SMS_SENDER", "webhook"),
        ("SMS_WEBHOOK_URL", &sms.url),
        ("SMS_WEBHOOK_TOKEN", "gateway-secret"),
        ("PHONE_DEFAULT_REGION", "GB"),
    ])
    .await;
    server::jobs::Jobs::start(&app.state, vec![server::jobs::mail_outbox::job()]);
    app
}

/// Signs up `email` and confirms it from the mailed link.
async fn verified(app: &mut TestApp, smtp: &SmtpSink, email: &str) {
    app.signed_up(email).await;
    let mail = smtp.wait_for(email, 1).await;
    let url = link(&mail.text, &format!("{SITE}/verify-email?token="));
    assert_eq!(app.get_page(url.strip_prefix(SITE).unwrap()).await.status, StatusCode::OK);
}

async fn send_code(app: &mut TestApp, address: &str) -> support::TestResponse {
    app.call("accounts/sign_in_code/send", &[("address", address)]).await
}

async fn finish(app: &mut TestApp, code: &str) -> support::TestResponse {
    app.call("accounts/sign_in_code/finish", &[("code", code)]).await
}

async fn exec(app: &TestApp, sql: &str) {
    app::on_db!(&app.state.db, pool => sqlx::query(sql).execute(pool).await.map(|_| ())).expect(sql);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_code_signs_in_once_and_unknown_addresses_get_the_same_answer() {
    for backend in backends() {
        let (smtp, sms) = (SmtpSink::start(0), SmsSink::start().await);
        let mut app = with_senders(backend, &smtp, &sms).await;
        verified(&mut app, &smtp, "ada@example.org").await;
        let mut browser = app.client();

        let sent = send_code(&mut browser, " Ada@Example.org ").await;
        assert!(sent.status.is_success(), "{}", sent.text());
        assert_eq!(sent.header("location"), "/login/code");
        let mail = smtp.wait_for("ada@example.org", 2).await;
        assert_eq!(mail.subject, "Your Echoes sign-in code");
        assert!(mail.text.contains("for 10 minutes") && mail.text.contains(SITE), "{}", mail.text);
        let code = code_in(&mail.text);
        assert!(mail.html.contains(&code));
        assert!(browser.get_page("/login/code").await.text().contains("data-testid=\"code-sent\""));

        let wrong = finish(&mut browser, if code == "000000" { "111111" } else { "000000" }).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.error().message.contains("4 tries left"), "{}", wrong.text());
        let right = finish(&mut browser, &code).await;
        assert!(right.status.is_success(), "{}", right.text());
        assert_eq!(right.header("location"), "/echoes");
        assert_eq!(browser.me().await.expect("signed in").email, "ada@example.org");
        // Once only: the very row and code that just signed in are spent
        // (whatever session might still point at them)...
        let used: uuid::Uuid = app::on_db!(&app.state.db, pool => sqlx::query_scalar(
            "SELECT id FROM sign_in_codes WHERE used_at IS NOT NULL ORDER BY created_at DESC LIMIT 1")
            .fetch_one(pool)
            .await)
        .expect("the used code's row");
        let replayed = app::accounts::sign_in_codes::codes::check(&app.state.db, used, &code).await.unwrap();
        assert_eq!(replayed, app::accounts::sign_in_codes::codes::Checked::Spent, "a used code is spent");
        // ...and one sent later does not bring the old one back.
        let mut again = app.client();
        send_code(&mut again, "ada@example.org").await;
        let newer = code_in(&smtp.wait_for("ada@example.org", 3).await.text);
        assert_eq!(finish(&mut again, &code).await.status, StatusCode::UNAUTHORIZED, "the old code is spent");
        assert!(finish(&mut again, &newer).await.status.is_success());

        // Unknown and unverified addresses: the same answer, no mail.
        let mut visitor = app.client();
        let unknown = send_code(&mut visitor, "nobody@example.org").await;
        assert_eq!((unknown.status, unknown.header("location")), (sent.status, "/login/code"));
        assert!(visitor.get_page("/login/code").await.text().contains("data-testid=\"code-sent\""));
        assert_eq!(finish(&mut visitor, "123456").await.status, StatusCode::UNAUTHORIZED);
        let mut other = app.client();
        other.signed_up("unverified@example.org").await;
        send_code(&mut app.client(), "unverified@example.org").await;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let messages = smtp.messages().await;
        assert!(messages.iter().all(|m| !m.to.contains("nobody@")), "no mail to an unknown address");
        assert_eq!(messages.iter().filter(|m| m.to.contains("unverified@")).count(), 1, "only its confirmation link");

        // Bad input names the field.
        let bad = send_code(&mut visitor, "not an address").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.error().field.as_deref(), Some("address"));
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_expire_and_five_wrong_tries_spend_them() {
    for backend in backends() {
        let (smtp, sms) = (SmtpSink::start(0), SmsSink::start().await);
        let mut app = with_senders(backend, &smtp, &sms).await;
        verified(&mut app, &smtp, "ada@example.org").await;
        let mut browser = app.client();
        send_code(&mut browser, "ada@example.org").await;
        let code = code_in(&smtp.wait_for("ada@example.org", 2).await.text);
        let wrong = if code == "999999" { "888888" } else { "999999" };
        for left in [4, 3, 2, 1] {
            assert!(finish(&mut browser, wrong).await.error().message.contains(&format!("{left} tr")));
        }
        let last = finish(&mut browser, wrong).await;
        assert!(last.error().message.contains("Ask for a new one"), "{}", last.text());
        assert_eq!(finish(&mut browser, &code).await.status, StatusCode::UNAUTHORIZED, "spent, even when right");

        send_code(&mut browser, "ada@example.org").await;
        let code = code_in(&smtp.wait_for("ada@example.org", 3).await.text);
        exec(&app, "UPDATE sign_in_codes SET expires_at = 0").await;
        let late = finish(&mut browser, &code).await;
        assert!(late.error().message.contains("expired"), "{}", late.text());
        assert!(browser.me().await.is_none());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_phone_number_gets_codes_by_text_that_sign_in() {
    for backend in backends() {
        let (smtp, sms) = (SmtpSink::start(0), SmsSink::start().await);
        let mut app = with_senders(backend, &smtp, &sms).await;
        app.signed_up("ada@example.org").await;

        // Typed the local way; normalised to E.164.
        let bad = app.call("accounts/phone/add", &[("phone", "07400 9")]).await;
        assert_eq!(bad.error().field.as_deref(), Some("phone"));
        let added = app.call("accounts/phone/add", &[("phone", "07400 123456")]).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text());
        let text = sms.wait_for(PHONE, 1).await;
        assert_eq!(text.authorization.as_deref(), Some("Bearer gateway-secret"));
        assert!(text.text.ends_with(&format!("@127.0.0.1 #{}", code_in(&text.text))), "WebOTP line: {}", text.text);
        // Not signed in by phone until confirmed.
        send_code(&mut app.client(), PHONE).await;
        let status: serde_json::Value = app.call("accounts/phone/status", &[]).await.json();
        assert_eq!(status["confirming"], PHONE);
        assert!(status["verified"].is_null());
        let confirmed = app.call("accounts/phone/confirm", &[("code", &code_in(&text.text))]).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
        let status: serde_json::Value = app.call("accounts/phone/status", &[]).await.json();
        assert_eq!(status["verified"][0], PHONE);
        assert_eq!(sms.count(), 1, "the unconfirmed number got no sign-in code");

        // The number alone signs in.
        let mut phone = app.client();
        assert!(send_code(&mut phone, "+44 7400 123456").await.status.is_success());
        let code = code_in(&sms.wait_for(PHONE, 2).await.text);
        let done = finish(&mut phone, &code).await;
        assert!(done.status.is_success(), "{}", done.text());
        assert_eq!(phone.me().await.expect("signed in").email, "ada@example.org");

        // One account per number.
        let mut other = app.other_user("bob@example.org").await;
        other.call("accounts/phone/add", &[("phone", PHONE)]).await;
        let code = code_in(&sms.wait_for(PHONE, 3).await.text);
        let taken = other.call("accounts/phone/confirm", &[("code", &code)]).await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());

        // Removed: no more codes by text.
        assert_eq!(app.call("accounts/phone/remove", &[]).await.status, StatusCode::OK);
        send_code(&mut app.client(), PHONE).await;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        assert_eq!(sms.count(), 3);
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_only_the_first_step_when_two_step_sign_in_is_on() {
    for backend in backends() {
        let (smtp, sms) = (SmtpSink::start(0), SmsSink::start().await);
        let mut app = with_senders(backend, &smtp, &sms).await;
        verified(&mut app, &smtp, "ada@example.org").await;
        let (secret, _) = support::two_factor::turn_on(&mut app).await;
        let mut browser = app.client();
        send_code(&mut browser, "ada@example.org").await;
        let mail = loop {
            let mine: Vec<_> = smtp.messages().await.into_iter().filter(|m| m.subject == "Your Echoes sign-in code").collect();
            if let Some(m) = mine.into_iter().next() { break m; }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let first = finish(&mut browser, &code_in(&mail.text)).await;
        assert_eq!(first.header("location"), "/login/two-factor");
        assert!(browser.me().await.is_none());
        let second = support::two_factor::second_step(&mut browser, &support::two_factor::code(&secret, 30)).await;
        assert!(second.status.is_success(), "{}", second.text());
        assert!(browser.me().await.is_some());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_email_address_is_confirmed_before_it_replaces_the_old() {
    for backend in backends() {
        let (smtp, sms) = (SmtpSink::start(0), SmsSink::start().await);
        let mut app = with_senders(backend, &smtp, &sms).await;
        app.signed_up("ada@example.org").await;
        app.other_user("bob@example.org").await;
        let change = |new: &'static str, password: &'static str| {
            vec![("new_email", new), ("current_password", password)]
        };

        let wrong = app.call("accounts/change_email", &change("ada@new.example", "not my password")).await;
        assert_eq!(wrong.error().field.as_deref(), Some("current_password"));
        let taken = app.call("accounts/change_email", &change("bob@example.org", PASSWORD)).await;
        assert_eq!((taken.status, taken.error().field.as_deref()), (StatusCode::CONFLICT, Some("new_email")));
        let same = app.call("accounts/change_email", &change("ADA@example.org", PASSWORD)).await;
        assert_eq!(same.error().field.as_deref(), Some("new_email"));

        let asked = app.call("accounts/change_email", &change("Ada@New.example", PASSWORD)).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
        let confirm = smtp.wait_for("ada@new.example", 1).await;
        assert_eq!(confirm.subject, "Confirm your new email address for Echoes");
        assert!(confirm.text.contains("for 24 hours"));
        let told = smtp.wait_for("ada@example.org", 2).await;
        assert_eq!(told.subject, "Your Echoes email address is about to change");
        assert!(told.text.contains("ada@new.example"));
        assert_eq!(app.me().await.unwrap().email, "ada@example.org", "nothing changes before the link is used");

        let url = link(&confirm.text, &format!("{SITE}/change-email?token="));
        let path = url.strip_prefix(SITE).unwrap().to_owned();
        // The link works from any browser (the mailbox is the proof), once.
        let mut phone = app.client();
        let page = phone.get_page(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-testid=\"email-changed\""));
        let me = app.me().await.unwrap();
        assert_eq!((me.email.as_str(), me.email_verified), ("ada@new.example", true));
        assert_eq!(phone.get_page(&path).await.status, StatusCode::BAD_REQUEST);
        let done = smtp.wait_for("ada@example.org", 3).await;
        assert_eq!(done.subject, "Your Echoes email address was changed");

        let mut fresh = app.client();
        assert_eq!(fresh.log_in("ada@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert!(fresh.log_in("ada@new.example", PASSWORD).await.status.is_success());
        app.finish().await;
    }
}
