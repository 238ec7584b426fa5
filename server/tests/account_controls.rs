//! The account page's controls, through the same server functions the page
//! posts to: where you are signed in (and ending it), changing the
//! password, exporting everything, deleting the account.

mod support;

use axum::http::StatusCode;
use futures::AsyncReadExt as _;
use serde_json::{json, Value};
use support::{audio, TestApp, Upload, PASSWORD};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

async fn devices(app: &mut TestApp) -> Vec<app::accounts::Device> {
    let response = app.call("accounts/devices", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn rows(app: &TestApp, sql: &str, user: uuid::Uuid) -> i64 {
    app::on_db!(&app.state.db, pool => sqlx::query_scalar::<_, i64>(sql).bind(user).fetch_one(pool).await).expect(sql)
}

async fn everything_of(app: &TestApp, user: uuid::Uuid) -> i64 {
    let sessions = match app.state.db {
        app::infra::db::Db::Sqlite(_) => "SELECT COUNT(*) FROM tower_sessions WHERE user_id = $1",
        app::infra::db::Db::Postgres(_) => "SELECT COUNT(*) FROM tower_sessions.session WHERE user_id = $1",
    };
    let mut total = 0;
    for sql in [
        "SELECT COUNT(*) FROM users WHERE id = $1",
        "SELECT COUNT(*) FROM echoes WHERE user_id = $1",
        "SELECT COUNT(*) FROM echo_tags WHERE user_id = $1",
        "SELECT COUNT(*) FROM identities WHERE user_id = $1",
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1",
        "SELECT COUNT(*) FROM pending_uploads WHERE user_id = $1",
        sessions,
    ] {
        total += rows(app, sql, user).await;
    }
    total
}

on_every_backend! {
    async fn sessions_are_listed_and_can_be_ended(app) {
        app.headers.push(("user-agent", FIREFOX.to_owned()));
        app.signed_up("ada@example.org").await;
        let mut phone = app.another_browser("ada@example.org", SAFARI).await;
        let mut third = app.another_browser("ada@example.org", FIREFOX).await;

        let list = devices(&mut app).await;
        assert_eq!(list.len(), 3);
        let this: Vec<_> = list.iter().filter(|d| d.this_device).collect();
        assert_eq!(this.len(), 1);
        assert_eq!(this[0].description, "Firefox 133 on Linux");
        assert!(this[0].signed_in_at.is_some() && this[0].last_seen_at.is_some());
        assert!(list.iter().any(|d| d.description.starts_with("Safari 17 on iPhone")), "{list:?}");
        // Someone else's sessions are not listed.
        let mut bob = app.other_user("bob@example.org").await;
        assert_eq!(devices(&mut bob).await.len(), 1);

        // End the phone's session: its cookie no longer works.
        let phone_handle = devices(&mut phone).await.into_iter().find(|d| d.this_device).unwrap().handle;
        let ended = app.call("accounts/devices/end", &[("handle", &phone_handle)]).await;
        assert!(ended.status.is_success(), "{}", ended.text());
        assert!(phone.me().await.is_none());
        assert!(app.me().await.is_some());
        // Not twice, not this one, not someone else's, not garbage.
        assert_eq!(app.call("accounts/devices/end", &[("handle", &phone_handle)]).await.status, StatusCode::NOT_FOUND);
        let mine = list.iter().find(|d| d.this_device).unwrap().handle.clone();
        assert_eq!(app.call("accounts/devices/end", &[("handle", &mine)]).await.status, StatusCode::BAD_REQUEST);
        let bobs = devices(&mut bob).await.remove(0).handle;
        assert_eq!(app.call("accounts/devices/end", &[("handle", &bobs)]).await.status, StatusCode::NOT_FOUND);
        assert!(bob.me().await.is_some());
        assert_eq!(app.call("accounts/devices/end", &[("handle", "'; DROP TABLE users; --")]).await.status, StatusCode::NOT_FOUND);

        // Every other one.
        let ended = app.call("accounts/devices/end", &[("handle", "")]).await;
        assert!(ended.status.is_success(), "{}", ended.text());
        assert!(third.me().await.is_none());
        assert!(app.me().await.is_some());
        assert_eq!(devices(&mut app).await.len(), 1);
        // Signed out, there is nothing to list.
        assert_eq!(app.client().call("accounts/devices", &[]).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn a_password_change_signs_out_everything_else(app) {
        app.signed_up("ada@example.org").await;
        let mut laptop = app.another_browser("ada@example.org", FIREFOX).await;
        let mut script = app.client();
        let tokens: Value =
            script.api("POST", "/auth/login", None, Some(json!({ "email": "ada@example.org", "password": PASSWORD }))).await.json();

        let wrong = app.call("accounts/change_password", &[("current_password", "not it at all"), ("new_password", "a-new-long-password")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.error().field.as_deref(), Some("current_password"));
        let missing = app.call("accounts/change_password", &[("new_password", "a-new-long-password")]).await;
        assert_eq!(missing.error().field.as_deref(), Some("current_password"));
        let short = app.call("accounts/change_password", &[("current_password", PASSWORD), ("new_password", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short.error().field.as_deref(), Some("new_password"));
        assert!(laptop.me().await.is_some(), "failed attempts change nothing");

        let changed = app.call("accounts/change_password", &[("current_password", PASSWORD), ("new_password", "a-new-long-password")]).await;
        assert!(changed.status.is_success(), "{}", changed.text());
        assert!(app.me().await.is_some(), "this session stays");
        assert!(laptop.me().await.is_none(), "the others end");
        let refresh = script.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": tokens["refresh_token"] }))).await;
        assert_eq!(refresh.status, StatusCode::UNAUTHORIZED, "API log-ins are revoked too");
        let mut fresh = app.client();
        assert_eq!(fresh.log_in("ada@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert!(fresh.log_in("ada@example.org", "a-new-long-password").await.status.is_success());
    }

    async fn the_export_holds_every_echo_byte_for_byte(app) {
        app.signed_up("ada@example.org").await;
        let sounds = [audio::wav_sine(0.25), audio::wav_sine(0.5)];
        let mut ids = Vec::new();
        for (bytes, emotion) in sounds.iter().zip(["calm", "joy"]) {
            let upload = Upload::file("moment.wav", "audio/wav", bytes.clone())
                .field("emotion", emotion)
                .field("note", "by the sea")
                .field("tags", "rain, night");
            let response = app.upload(upload).await;
            assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
            ids.push(response.json::<Value>()["id"].as_str().unwrap().to_owned());
        }
        // Someone else's echo is not in it.
        let mut bob = app.other_user("bob@example.org").await;
        bob.uploaded_echo(app::emotion::Emotion::Sadness).await;

        let export = app.get("/account/export").await;
        assert_eq!(export.status, StatusCode::OK);
        assert_eq!(export.header("content-type"), "application/zip");
        assert!(export.header("content-disposition").starts_with("attachment; filename=\"echoes-"));
        // async_zip 0.0.19 marks its readers deprecated for a `read1` module it does not ship yet.
        #[allow(deprecated)]
        let mut zip = async_zip::base::read::seek::ZipFileReader::new(futures::io::Cursor::new(export.body.to_vec()))
            .await
            .expect("a valid ZIP");
        let names: Vec<String> =
            zip.file().entries().iter().map(|e| e.filename().as_str().unwrap().to_owned()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        let mut files = std::collections::HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let mut bytes = Vec::new();
            zip.reader_with_entry(i).await.unwrap().read_to_end(&mut bytes).await.unwrap();
            files.insert(name.clone(), bytes);
        }
        let manifest: Value = serde_json::from_slice(&files["echoes.json"]).expect("valid JSON");
        assert_eq!(manifest["account"]["email"], "ada@example.org");
        let echoes = manifest["echoes"].as_array().unwrap();
        assert_eq!(echoes.len(), 2);
        for (echo, sound) in echoes.iter().zip(&sounds) {
            assert!(ids.contains(&echo["id"].as_str().unwrap().to_owned()));
            let file = echo["file"].as_str().unwrap();
            assert!(file.starts_with("audio/") && file.ends_with(".wav"), "{file}");
            assert_eq!(&files[file], sound, "{file} is the uploaded audio");
            assert_eq!(echo["note"], "by the sea");
            assert_eq!(echo["tags"], json!(["rain", "night"]));
            assert!(echo["duration_ms"].as_i64().unwrap() > 0);
            assert!(echo["captured_at"].as_str().unwrap().contains('T'));
        }
        assert_eq!(echoes[0]["emotion"], "calm");
        // Signed out: nothing.
        assert_eq!(app.client().get("/account/export").await.status, StatusCode::UNAUTHORIZED);
    }

    async fn deleting_the_account_needs_the_password(app) {
        app.signed_up("ada@example.org").await;
        app.uploaded_echo(app::emotion::Emotion::Calm).await;
        for password in ["", "not my password"] {
            let refused = app.call("accounts/delete", &[("password", password)]).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?}");
            assert_eq!(refused.error().field.as_deref(), Some("password"));
        }
        assert_eq!(app.echo_rows().await, 1);
        assert!(app.me().await.is_some());
    }
}

on_every_backend_with_s3! {
    async fn deleting_the_account_leaves_nothing_behind_on_s3(app) {
        let before = app.s3_files().len();
        deletes_everything(&mut app, |app| app.s3_files().len() - before).await;
    }
}

on_every_backend! {
    async fn deleting_the_account_leaves_nothing_behind_on_disk(app) {
        deletes_everything(&mut app, |app| app.stored_files().len()).await;
    }
}

async fn deletes_everything(app: &mut TestApp, stored: impl Fn(&TestApp) -> usize) {
    app.signed_up("ada@example.org").await;
    let ada = app.me().await.unwrap().id;
    let mut laptop = app.another_browser("ada@example.org", FIREFOX).await;
    let made = app.call("accounts/tokens/create", &[("name", "backup"), ("scope", "read")]).await;
    assert!(made.status.is_success(), "{}", made.text());
    for emotion in [app::emotion::Emotion::Calm, app::emotion::Emotion::Joy] {
        app.uploaded_echo(emotion).await;
    }
    let after_ada = stored(app);
    assert!(after_ada >= 2);
    let mut bob = app.other_user("bob@example.org").await;
    let bobs = bob.uploaded_echo(app::emotion::Emotion::Love).await;
    let bob_stored = stored(app) - after_ada;

    let deleted = app.call("accounts/delete", &[("password", PASSWORD)]).await;
    assert!(deleted.status.is_success(), "{}", deleted.text());
    assert!(app.me().await.is_none(), "signed out");
    assert!(laptop.me().await.is_none(), "everywhere");
    assert_eq!(everything_of(app, ada).await, 0, "no row of hers is left");
    assert_eq!(stored(app), bob_stored, "only Bob's audio is left: {:?}", app.s3_files());
    let audio = bob.get(&format!("/echoes/{}/audio", bobs.id)).await;
    assert!(audio.status.is_success() || audio.status.is_redirection());
    assert_eq!(app.client().log_in("ada@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}
