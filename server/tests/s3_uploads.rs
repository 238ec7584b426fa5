//! Audio in S3: presigned direct uploads and their traps, uploads through
//! the server, playback by redirect, deletion, and the sweeper — against a
//! real S3-protocol server that checks every signature.

mod support;

use app::echoes::{DirectUpload, Echo};
use app::error::ErrorCode;
use app::infra::storage::{ObjectKey, StorageError};
use axum::http::StatusCode;
use support::{audio::wav_sine, TestApp, Upload};

/// Asks for a presigned PUT.
async fn init(app: &mut TestApp, size: usize, content_type: &str) -> DirectUpload {
    let response = app.call("echoes/init_upload", &[("size", &size.to_string()), ("content_type", content_type)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

/// PUTs `body` to the presigned URL with the signed headers (optionally
/// overriding one), as the browser would. Returns the S3 status.
async fn put(upload: &DirectUpload, body: Vec<u8>, override_header: Option<(&str, &str)>) -> u16 {
    let client = reqwest::Client::new();
    let mut request = client.put(&upload.url);
    for (name, value) in &upload.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue; // reqwest sets it from the body
        }
        match override_header {
            Some((o, v)) if o.eq_ignore_ascii_case(name) => request = request.header(name, v),
            _ => request = request.header(name, value),
        }
    }
    request.body(body).send().await.expect("PUT to S3").status().as_u16()
}

async fn complete(app: &mut TestApp, upload: &DirectUpload, emotion: &str) -> support::TestResponse {
    let id = upload.upload_id.to_string();
    let fields = serde_json::json!({ "emotion": emotion, "title": "Sea wall" });
    app.call_json("echoes/complete_upload", serde_json::json!({ "upload_id": id, "fields": fields })).await
}

on_every_backend_with_s3! {
    async fn a_direct_upload_becomes_an_echo_that_plays_by_redirect(app) {
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.5);
        let upload = init(&mut app, bytes.len(), "audio/wav").await;
        assert_eq!(upload.method, "PUT");
        let signed: Vec<String> = upload.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        assert!(signed.contains(&"content-type".to_owned()), "{signed:?}");
        assert!(upload.url.contains("content-length") || signed.contains(&"content-length".to_owned()), "length is signed: {upload:?}");
        assert_eq!(put(&upload, bytes.clone(), None).await, 200);
        let response = complete(&mut app, &upload, "calm").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let echo: Echo = response.json();
        assert_eq!(echo.id, upload.upload_id);
        assert_eq!(echo.content_type, "audio/wav");
        assert_eq!(echo.size_bytes as usize, bytes.len());
        assert_eq!(echo.title.as_deref(), Some("Sea wall"));

        // Playback: a fresh presigned GET behind the stable URL, never cached.
        let audio = app.get(&echo.audio_url()).await;
        assert_eq!(audio.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(audio.header("cache-control"), "no-store");
        let location = audio.header("location").to_owned();
        assert!(location.contains("X-Amz-Signature="), "{location}");
        let client = reqwest::Client::new();
        let whole = client.get(&location).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["content-type"], "audio/wav");
        assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
        let part = client.get(&location).header("range", "bytes=4-11").send().await.unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[4..12]);

        // Completing again answers with the same echo.
        let again = complete(&mut app, &upload, "calm").await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json::<Echo>().id, echo.id);

        // Delete removes the object from the bucket.
        let key = ObjectKey::parse(&format!("{}/{}.wav", app.me().await.unwrap().id, echo.id)).unwrap();
        assert!(app.state.storage.head(&key).await.is_ok());
        assert_eq!(app.call("echoes/delete", &[("id", &echo.id.to_string())]).await.status, StatusCode::OK);
        assert!(matches!(app.state.storage.head(&key).await, Err(StorageError::NotFound)));
    }

    async fn a_presigned_put_with_another_length_or_type_is_refused(app) {
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.5);
        let upload = init(&mut app, bytes.len(), "audio/wav").await;
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0; 1000]);
        assert_eq!(put(&upload, longer, None).await, 403, "a longer body must be refused");
        assert_eq!(put(&upload, bytes[..100].to_vec(), None).await, 403, "a shorter body must be refused");
        assert_eq!(put(&upload, bytes.clone(), Some(("content-type", "text/html"))).await, 403, "another type must be refused");
        let response = complete(&mut app, &upload, "calm").await;
        assert_eq!(response.status, StatusCode::CONFLICT, "nothing arrived: {}", response.text());
        assert_eq!(put(&upload, bytes, None).await, 200, "the declared file still goes through");
    }

    async fn a_tampered_presigned_url_is_refused(app) {
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.2);
        let mut upload = init(&mut app, bytes.len(), "audio/wav").await;
        let at = upload.url.find("X-Amz-Signature=").expect("signature") + "X-Amz-Signature=".len();
        let flipped = if &upload.url[at..at + 1] == "a" { "b" } else { "a" };
        upload.url.replace_range(at..at + 1, flipped);
        assert_eq!(put(&upload, bytes.clone(), None).await, 403);
        let mut other_key = init(&mut app, bytes.len(), "audio/wav").await;
        other_key.url = other_key.url.replacen(&other_key.upload_id.to_string(), &uuid::Uuid::now_v7().to_string(), 1);
        assert_eq!(put(&other_key, bytes, None).await, 403, "the signature covers the key");
    }

    async fn complete_without_an_object_is_a_clear_conflict(app) {
        app.signed_up("ada@example.org").await;
        let upload = init(&mut app, 1000, "audio/mpeg").await;
        let response = complete(&mut app, &upload, "joy").await;
        assert_eq!(response.status, StatusCode::CONFLICT);
        let error = response.error();
        assert_eq!(error.code, ErrorCode::UploadNotReceived);
        assert!(error.message.contains("has not arrived"), "{}", error.message);
    }

    async fn complete_with_a_non_audio_object_deletes_it(app) {
        app.signed_up("ada@example.org").await;
        let fake = b"<html>this is not audio</html>".repeat(20);
        let upload = init(&mut app, fake.len(), "audio/mpeg").await;
        assert_eq!(put(&upload, fake, None).await, 200);
        let user = app.me().await.unwrap().id;
        let incoming = ObjectKey::parse(&format!("incoming/{user}/{}.mp3", upload.upload_id)).unwrap();
        assert!(app.state.storage.head(&incoming).await.is_ok());
        let response = complete(&mut app, &upload, "joy").await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(response.error().message.contains("not audio"));
        for key in [incoming.clone(), incoming.without_incoming()] {
            assert!(matches!(app.state.storage.head(&key).await, Err(StorageError::NotFound)), "{key} must be deleted");
        }
        assert_eq!(complete(&mut app, &upload, "joy").await.status, StatusCode::NOT_FOUND, "the upload is gone");
        assert_eq!(app.echo_rows().await, 0);
    }

    async fn complete_with_audio_of_another_declared_type_deletes_it(app) {
        app.signed_up("ada@example.org").await;
        let wav = wav_sine(0.2);
        let upload = init(&mut app, wav.len(), "audio/mpeg").await;
        assert_eq!(put(&upload, wav, None).await, 200);
        let response = complete(&mut app, &upload, "joy").await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(response.error().message.contains("is WAV but was declared as audio/mpeg"), "{}", response.text());
        assert_eq!(app.echo_rows().await, 0);
    }

    async fn init_refuses_what_could_never_be_an_echo(app) {
        app.signed_up("ada@example.org").await;
        let too_big = app.call("echoes/init_upload", &[("size", "26214401"), ("content_type", "audio/wav")]).await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
        let not_audio = app.call("echoes/init_upload", &[("size", "100"), ("content_type", "image/png")]).await;
        assert_eq!(not_audio.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(not_audio.error().message.contains("WAV, MP3"));
        let empty = app.call("echoes/init_upload", &[("size", "0"), ("content_type", "audio/wav")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad_metadata = app
            .call_json("echoes/complete_upload", serde_json::json!({ "upload_id": "nope", "fields": { "emotion": "joy" } }))
            .await;
        assert_eq!(bad_metadata.status, StatusCode::BAD_REQUEST);
    }

    async fn the_sweeper_removes_abandoned_uploads_and_keeps_the_rest(app) {
        use app::echoes::pending::{sweep_abandoned, SweepCutoffs};
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.2);
        let abandoned = init(&mut app, bytes.len(), "audio/wav").await;
        assert_eq!(put(&abandoned, bytes.clone(), None).await, 200);
        let never_sent = init(&mut app, bytes.len(), "audio/wav").await;
        let finished = init(&mut app, bytes.len(), "audio/wav").await;
        assert_eq!(put(&finished, bytes.clone(), None).await, 200);
        let echo: Echo = complete(&mut app, &finished, "love").await.json();
        let user = app.me().await.unwrap().id;
        let incoming = |id: uuid::Uuid| ObjectKey::parse(&format!("incoming/{user}/{id}.wav")).unwrap();
        let key = |id: uuid::Uuid| ObjectKey::parse(&format!("{user}/{id}.wav")).unwrap();
        // A record whose object cannot even be named: its sweep fails, and
        // the sweep goes on with the others.
        let broken = uuid::Uuid::now_v7();
        let insert = "INSERT INTO pending_uploads (id, user_id, storage_key, declared_size, declared_type, created_at) VALUES ($1, $2, 'not/a/key', 1, 'audio/wav', 0)";
        match &app.state.db {
            app::infra::db::Db::Sqlite(pool) => sqlx::query(insert).bind(broken).bind(user).execute(pool).await.map(|_| ()),
            app::infra::db::Db::Postgres(pool) => sqlx::query(insert).bind(broken).bind(user).execute(pool).await.map(|_| ()),
        }
        .unwrap();

        let at = |offset_ms: i64| {
            let t = app::infra::db::now_millis() + offset_ms;
            SweepCutoffs { waiting_before: t, completed_before: t, claimed_before: t }
        };
        // Only the broken record is old enough yet; it fails, nothing stops.
        let swept = sweep_abandoned(&app.state.db, &app.state.storage, at(-60_000)).await.unwrap();
        assert_eq!((swept.removed, swept.failed), (0, 1));
        // Once they are, every finished upload goes: the two never completed
        // (objects and records) and the completed one's record and incoming
        // object — never the echo's own audio.
        let swept = sweep_abandoned(&app.state.db, &app.state.storage, at(1)).await.unwrap();
        assert_eq!(swept.removed, 3, "{swept:?}");
        assert!(matches!(app.state.storage.head(&incoming(abandoned.upload_id)).await, Err(StorageError::NotFound)));
        assert_eq!(complete(&mut app, &abandoned, "love").await.status, StatusCode::NOT_FOUND);
        assert_eq!(complete(&mut app, &never_sent, "love").await.status, StatusCode::NOT_FOUND);
        assert!(app.state.storage.head(&key(echo.id)).await.is_ok());
        assert_eq!(app.get(&echo.audio_url()).await.status, StatusCode::TEMPORARY_REDIRECT);
    }

    async fn the_sweeper_never_touches_an_upload_that_is_being_completed(app) {
        use app::echoes::pending::{self, sweep_abandoned, SweepCutoffs};
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.2);
        let upload = init(&mut app, bytes.len(), "audio/wav").await;
        assert_eq!(put(&upload, bytes, None).await, 200);
        let user = app.me().await.unwrap().id;
        // "complete" has claimed it (and is, say, probing).
        let record = pending::find_owned(&app.state.db, user, upload.upload_id).await.unwrap().unwrap();
        assert!(pending::claim_for_completion(&app.state.db, &record).await.unwrap());
        // A sweep that would remove every waiting upload leaves it alone…
        let now = app::infra::db::now_millis() + 1;
        let cutoffs = SweepCutoffs { waiting_before: now, completed_before: now, claimed_before: now - 60_000 };
        assert_eq!(sweep_abandoned(&app.state.db, &app.state.storage, cutoffs).await.unwrap().removed, 0);
        let incoming = ObjectKey::parse(&format!("incoming/{user}/{}.wav", upload.upload_id)).unwrap();
        assert!(app.state.storage.head(&incoming).await.is_ok());
        // …and a second "complete" meanwhile is told to wait.
        let again = complete(&mut app, &upload, "calm").await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
        // A claim left by a process that died is swept once it is stale.
        let cutoffs = SweepCutoffs { claimed_before: now, ..cutoffs };
        assert_eq!(sweep_abandoned(&app.state.db, &app.state.storage, cutoffs).await.unwrap().removed, 1);
        assert!(app.state.storage.head(&incoming).await.is_err());
    }

    async fn a_presigned_put_replayed_after_complete_changes_nothing(app) {
        app.signed_up("ada@example.org").await;
        let bytes = wav_sine(0.5);
        let upload = init(&mut app, bytes.len(), "audio/wav").await;
        assert_eq!(put(&upload, bytes.clone(), None).await, 200);
        let echo: Echo = complete(&mut app, &upload, "calm").await.json();
        // The URL is still within its lifetime: S3 takes the PUT…
        let mut other = vec![0u8; bytes.len()];
        other[..12].copy_from_slice(b"RIFF\0\0\0\0WAVE");
        assert_eq!(put(&upload, other, None).await, 200);
        // …but it lands on the incoming key: the echo plays what was checked.
        let location = app.get(&echo.audio_url()).await.header("location").to_owned();
        let fetched = reqwest::get(&location).await.unwrap().bytes().await.unwrap();
        assert!(fetched.as_ref() == bytes.as_slice(), "the echo's audio is unchanged");
        // Completing again answers with the same echo, still unchanged.
        let again: Echo = complete(&mut app, &upload, "calm").await.json();
        assert_eq!(again, echo);
    }

    async fn one_person_cannot_open_unlimited_uploads(app) {
        app.signed_up("ada@example.org").await;
        for _ in 0..10 {
            init(&mut app, 1000, "audio/wav").await;
        }
        let response = app.call("echoes/init_upload", &[("size", "1000"), ("content_type", "audio/wav")]).await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS, "{}", response.text());
        assert!(response.error().message.contains("10 uploads in progress"));
        // Someone else is not affected.
        let mut bea = app.other_user("bea@example.org").await;
        init(&mut bea, 1000, "audio/wav").await;
    }

    async fn uploading_through_the_server_streams_into_s3(app) {
        app.signed_up("ada@example.org").await;
        // Larger than one multipart part.
        let mut big = wav_sine(0.1);
        big.resize(app::infra::storage::PART_SIZE + 300_000, 7);
        let response = app.upload(Upload::file("big.wav", "audio/wav", big.clone()).field("emotion", "surprise")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let echo: Echo = response.json();
        let location = app.get(&echo.audio_url()).await.header("location").to_owned();
        let fetched = reqwest::get(&location).await.unwrap().bytes().await.unwrap();
        assert!(fetched.as_ref() == big.as_slice(), "the object in S3 is the uploaded file");
        // A refused upload leaves nothing in the bucket.
        let response = app.upload(Upload::file("x.mp3", "audio/mpeg", b"not audio".repeat(100)).field("emotion", "joy")).await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(app.echo_rows().await, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_presigned_put_is_refused() {
    let mut app = TestApp::start_with_s3(support::Backend::Sqlite, &[("S3_PRESIGN_EXP_SECONDS", "1")]).await;
    app.signed_up("ada@example.org").await;
    let bytes = wav_sine(0.2);
    let upload = init(&mut app, bytes.len(), "audio/wav").await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(put(&upload, bytes, None).await, 403);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_uploads_need_s3() {
    let mut app = TestApp::start(support::Backend::Sqlite, &[]).await;
    app.signed_up("ada@example.org").await;
    let response = app.call("echoes/init_upload", &[("size", "100"), ("content_type", "audio/wav")]).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.error().message.contains("POST /echoes"));
    app.finish().await;
}

/// With S3_PUBLIC_ENDPOINT_URL, browsers get URLs for the public address
/// (here `localhost` for a store Echoes reaches at 127.0.0.1), and the
/// store accepts them: the signature is made for the host the browser uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_urls_name_the_public_endpoint_when_one_is_set() {
    use app::infra::storage::S3Storage;
    let app = TestApp::start_with_s3(support::Backend::Sqlite, &[]).await;
    let mut settings = app.state.config.s3.clone().expect("s3 settings");
    let inside = settings.endpoint.clone().expect("an endpoint");
    let public = inside.replace("127.0.0.1", "localhost");
    settings.public_endpoint = Some(public.clone());
    assert_eq!(settings.browser_origins(), vec![public.clone()], "the page's CSP allows the public address");
    let storage = S3Storage::connect(&settings).await.expect("connect");
    let key = ObjectKey::parse(&format!("incoming/{}/{}.wav", uuid::Uuid::now_v7(), uuid::Uuid::now_v7())).unwrap();
    let bytes = wav_sine(0.1);
    let signed = storage.presign_put(&key, bytes.len() as u64, "audio/wav").await.expect("presign");
    assert!(signed.url.starts_with(&public), "{}", signed.url);
    let upload = DirectUpload { upload_id: uuid::Uuid::now_v7(), method: signed.method, url: signed.url, headers: signed.headers, expires_in_secs: 60 };
    assert_eq!(put(&upload, bytes.clone(), None).await, 200);
    assert_eq!(app.state.storage.head(&key).await.expect("stored").size, bytes.len() as u64);
    let location = storage.presign_get(&key, "audio/wav", "inline").await.expect("presign get");
    assert!(location.starts_with(&public), "{location}");
    assert_eq!(reqwest::get(&location).await.unwrap().bytes().await.unwrap().as_ref(), bytes.as_slice());
    app.finish().await;
}
