//! Echoes: upload, browse by emotion, play (Range), random, delete — and
//! every bad input, each with a clear message and the right status.

mod support;

use app::echoes::{Echo, EchoPage};
use app::emotion::Emotion;
use app::error::ErrorCode;
use axum::http::StatusCode;
use support::{audio::wav_sine, Backend, TestApp, Upload};

on_every_backend! {
    async fn an_uploaded_echo_is_stored_under_a_server_made_key(app) {
        app.signed_up("ada@example.org").await;
        let upload = Upload::wav(Emotion::Calm)
            .field("title", "Rain on the roof")
            .field("tags", "rain, Home ,rain")
            .field("note", "Sunday morning")
            .field("captured_at", "2024-06-01T08:30");
        let response = app.upload(upload).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let echo: Echo = response.json();
        assert_eq!(response.header("location"), format!("/echoes/{}", echo.id));
        assert_eq!(echo.emotion, Emotion::Calm);
        assert_eq!(echo.title.as_deref(), Some("Rain on the roof"));
        assert_eq!(echo.tags, vec!["rain", "home"]);
        assert_eq!(echo.content_type, "audio/wav");
        assert_eq!(echo.captured_at, 1_717_230_600_000);
        assert_eq!(echo.duration_ms, Some(250), "the length comes from decoding the audio");
        assert_eq!(echo.peaks.as_ref().map(Vec::len), Some(200));
        let files = app.stored_files();
        assert_eq!(files.len(), 1, "{files:?}");
        let me = app.me().await.unwrap();
        assert!(files[0].ends_with(format!("{}/{}.wav", me.id, echo.id)), "{files:?}");
        assert_eq!(std::fs::read(&files[0]).unwrap(), wav_sine(0.25), "stored bytes are the uploaded bytes");
    }

    async fn the_file_name_never_reaches_the_storage_path(app) {
        app.signed_up("ada@example.org").await;
        let upload = Upload::file("../../../etc/passwd.mp3", "audio/mpeg", wav_sine(0.1)).field("emotion", "joy");
        let echo: Echo = app.upload(upload).await.json();
        let files = app.stored_files();
        assert_eq!(files.len(), 1);
        assert!(files[0].to_string_lossy().ends_with(&format!("{}.wav", echo.id)), "{files:?}");
    }

    async fn a_recorded_webm_without_a_duration_gets_its_real_length(app) {
        app.signed_up("ada@example.org").await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("take.webm");
        let made = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=2.5"])
            .args(["-c:a", "libopus", "-f", "webm", "-live", "1"])
            .arg(&path)
            .status()
            .expect("ffmpeg");
        assert!(made.success());
        let upload = Upload::file("take.webm", "audio/webm", std::fs::read(&path).unwrap()).field("emotion", "calm");
        let echo: Echo = app.upload(upload).await.json();
        assert_eq!(echo.content_type, "audio/webm");
        let duration = echo.duration_ms.expect("a duration");
        assert!((2450..=2550).contains(&duration), "{duration} ms");
        // …and it is stored, not just answered.
        let fetched: Echo = app.call("echoes/get", &[("id", &echo.id.to_string())]).await.json();
        assert_eq!(fetched.duration_ms, Some(duration));
        assert_eq!(fetched.peaks, echo.peaks);
    }

    async fn a_location_is_kept_only_when_given_and_coarsened_unless_exact(app) {
        app.signed_up("ada@example.org").await;
        let none = app.uploaded_echo(Emotion::Joy).await;
        assert_eq!(none.location, None, "private by default");
        let coarse: Echo = app
            .upload(Upload::wav(Emotion::Joy).field("latitude", "52.520008").field("longitude", "13.404954"))
            .await
            .json();
        let place = coarse.location.expect("a location");
        assert_eq!((place.latitude(), place.longitude()), (52.52, 13.4), "rounded to about 1 km");
        let exact: Echo = app
            .upload(
                Upload::wav(Emotion::Joy)
                    .field("latitude", "52.520008")
                    .field("longitude", "13.404954")
                    .field("location_precise", "true"),
            )
            .await
            .json();
        let place = exact.location.expect("a location");
        assert_eq!((place.latitude(), place.longitude()), (52.520008, 13.404954));
        // Stored, not just answered.
        let fetched: Echo = app.call("echoes/get", &[("id", &exact.id.to_string())]).await.json();
        assert_eq!(fetched.location, exact.location);
        let html = app.get_page(&coarse.page_url()).await.text();
        assert!(html.contains("Recorded near"), "{html}");
    }

    async fn a_half_given_or_impossible_location_is_refused(app) {
        app.signed_up("ada@example.org").await;
        for fields in [vec![("latitude", "52.5")], vec![("latitude", "95"), ("longitude", "10")], vec![("latitude", "north"), ("longitude", "10")]] {
            let mut upload = Upload::wav(Emotion::Joy);
            for (k, v) in fields {
                upload = upload.field(k, v);
            }
            let response = app.upload(upload).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
            assert_eq!(response.error().field.as_deref(), Some("location"));
        }
        assert_eq!(app.echo_rows().await, 0);
        assert!(app.stored_files().is_empty(), "refused uploads leave no object");
    }

    async fn an_html_form_upload_redirects_to_the_new_echo(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::wav(Emotion::Joy).into_html_form()).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        assert!(response.header("location").starts_with("/echoes/"), "{}", response.header("location"));
    }

    async fn a_non_audio_file_named_mp3_is_refused_and_not_kept(app) {
        app.signed_up("ada@example.org").await;
        let upload = Upload::file("song.mp3", "audio/mpeg", b"<html>definitely not audio</html>".repeat(10)).field("emotion", "joy");
        let response = app.upload(upload).await;
        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let error = response.error();
        assert!(error.message.contains("WAV, MP3, Ogg"), "{}", error.message);
        assert!(app.stored_files().is_empty());
        assert_eq!(app.echo_rows().await, 0);
    }

    async fn an_empty_file_is_refused(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::file("empty.wav", "audio/wav", Vec::new()).field("emotion", "joy")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = response.error();
        assert_eq!(error.field.as_deref(), Some("audio"));
        assert!(error.message.contains("empty"), "{}", error.message);
        assert!(app.stored_files().is_empty());
    }

    async fn an_unknown_emotion_is_refused_before_anything_is_stored(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::file("a.wav", "audio/wav", wav_sine(0.1)).field("emotion", "bored")).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = response.error();
        assert_eq!(error.field.as_deref(), Some("emotion"));
        assert!(error.message.contains("bored"), "{}", error.message);
        assert!(app.stored_files().is_empty());
        assert_eq!(app.echo_rows().await, 0);
    }

    async fn a_missing_emotion_after_the_file_removes_the_stored_object(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::file("a.wav", "audio/wav", wav_sine(0.1))).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error().field.as_deref(), Some("emotion"));
        assert!(app.stored_files().is_empty(), "the object of a refused upload must go: {:?}", app.stored_files());
        assert_eq!(app.echo_rows().await, 0);
    }

    async fn an_upload_without_a_file_is_refused(app) {
        app.signed_up("ada@example.org").await;
        let upload = Upload::wav(Emotion::Joy);
        let (content_type, _) = upload.multipart();
        let body = "------echoes-test-boundary\r\nContent-Disposition: form-data; name=\"emotion\"\r\n\r\njoy\r\n------echoes-test-boundary--\r\n";
        let request = axum::http::Request::post("/echoes")
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error().field.as_deref(), Some("audio"));
    }

    async fn a_body_that_is_not_multipart_is_a_bad_request(app) {
        app.signed_up("ada@example.org").await;
        let request = axum::http::Request::post("/echoes")
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.error().code, ErrorCode::BadRequest);
    }

    async fn uploading_needs_a_signed_in_user(app) {
        let response = app.upload(Upload::wav(Emotion::Joy)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        let response = app.upload(Upload::wav(Emotion::Joy).into_html_form()).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        assert_eq!(response.header("location"), "/login?next=%2Fupload");
        assert!(app.stored_files().is_empty());
    }

    async fn my_echoes_come_newest_first_and_filter_by_emotion(app) {
        app.signed_up("ada@example.org").await;
        for (emotion, when) in [(Emotion::Calm, "2024-01-01T10:00"), (Emotion::Joy, "2024-01-02T10:00"), (Emotion::Calm, "2024-01-03T10:00")] {
            let response = app.upload(Upload::wav(emotion).field("captured_at", when)).await;
            assert_eq!(response.status, StatusCode::CREATED);
        }
        let all: EchoPage = app.call("echoes/list", &[]).await.json();
        let times: Vec<i64> = all.echoes.iter().map(|e| e.captured_at).collect();
        assert_eq!(times.len(), 3);
        assert!(times.windows(2).all(|w| w[0] > w[1]), "newest first: {times:?}");
        let calm: EchoPage = app.call("echoes/list", &[("emotion", "calm")]).await.json();
        assert_eq!(calm.echoes.len(), 2);
        assert!(calm.echoes.iter().all(|e| e.emotion == Emotion::Calm));
        assert_eq!(calm.next_cursor, None);
    }

    async fn pages_of_echoes_are_stable_and_complete(app) {
        app.signed_up("ada@example.org").await;
        // 25 echoes, several sharing the same moment: ties are broken by id.
        for i in 0..25 {
            let when = format!("2024-01-01T10:{:02}", i / 3);
            let response = app.upload(Upload::wav(Emotion::Love).field("captured_at", &when)).await;
            assert_eq!(response.status, StatusCode::CREATED);
        }
        let first: EchoPage = app.call("echoes/list", &[("emotion", "love")]).await.json();
        assert_eq!(first.echoes.len(), 20);
        let cursor = first.next_cursor.clone().expect("a second page");
        // A new echo arriving in between does not shift the next page.
        app.uploaded_echo(Emotion::Love).await;
        let second: EchoPage = app.call("echoes/list", &[("emotion", "love"), ("before", &cursor)]).await.json();
        assert_eq!(second.echoes.len(), 5);
        assert_eq!(second.next_cursor, None);
        let mut ids: Vec<_> = first.echoes.iter().chain(&second.echoes).map(|e| e.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 25, "every echo exactly once");
    }

    async fn a_malformed_page_cursor_is_a_bad_request(app) {
        app.signed_up("ada@example.org").await;
        let response = app.call("echoes/list", &[("before", "garbage")]).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        let response = app.call("echoes/list", &[("emotion", "bored")]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn a_random_echo_comes_from_my_echoes_of_that_emotion(app) {
        app.signed_up("ada@example.org").await;
        let none: Option<Echo> = app.call("echoes/random", &[("emotion", "calm")]).await.json();
        assert_eq!(none, None);
        let calm_a = app.uploaded_echo(Emotion::Calm).await;
        let calm_b = app.uploaded_echo(Emotion::Calm).await;
        app.uploaded_echo(Emotion::Anger).await;
        let mut other = app.other_user("bob@example.org").await;
        other.uploaded_echo(Emotion::Calm).await;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..40 {
            let echo: Option<Echo> = app.call("echoes/random", &[("emotion", "calm")]).await.json();
            let echo = echo.expect("a calm echo");
            assert!(echo.id == calm_a.id || echo.id == calm_b.id, "only my calm echoes");
            seen.insert(echo.id);
        }
        assert_eq!(seen.len(), 2, "both calm echoes come up");
        let response = app.call("echoes/random", &[("emotion", "bored")]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn random_pick_slots_stay_dense_through_uploads_edits_and_deletes(app) {
        app.signed_up("ada@example.org").await;
        // Uploads racing for one emotion each get a slot of their own.
        let mut racing = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let mut browser = app.same_browser();
            racing.spawn(async move { browser.uploaded_echo(Emotion::Calm).await });
        }
        let mut calm: Vec<Echo> = racing.join_all().await;
        calm.sort_by_key(|echo| echo.id);
        app.uploaded_echo(Emotion::Joy).await;
        for gone in [&calm[0], &calm[3]] {
            let deleted = app.call("echoes/delete", &[("id", &gone.id.to_string())]).await;
            assert!(deleted.status.is_success(), "{}", deleted.text());
        }
        let edit = |echo: &Echo, emotion: &'static str| {
            [("id", echo.id.to_string()), ("emotion", emotion.to_owned()), ("title", "Edited".to_owned()),
             ("note", String::new()), ("tags", String::new())]
        };
        for (echo, emotion) in [(&calm[1], "joy"), (&calm[2], "calm")] {
            let fields = edit(echo, emotion);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let edited = app.call("echoes/update", &fields).await;
            assert!(edited.status.is_success(), "{}", edited.text());
        }
        let slots = |emotion: &'static str| {
            let db = app.state.db.clone();
            async move {
                let slots: Vec<i64> = app::on_db!(&db, pool => sqlx::query_scalar(
                    "SELECT pick_slot FROM echoes WHERE emotion = $1 ORDER BY pick_slot",
                )
                .bind(emotion)
                .fetch_all(pool)
                .await)
                .unwrap();
                slots
            }
        };
        assert_eq!(slots("calm").await, vec![0, 1, 2], "calm: 6 uploaded, 2 deleted, 1 moved to joy");
        assert_eq!(slots("joy").await, vec![0, 1]);
        let left: std::collections::HashSet<_> = [calm[2].id, calm[4].id, calm[5].id].into();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..60 {
            let echo: Option<Echo> = app.call("echoes/random", &[("emotion", "calm")]).await.json();
            let echo = echo.expect("a calm echo");
            assert!(left.contains(&echo.id), "a deleted or moved echo came up: {}", echo.id);
            seen.insert(echo.id);
        }
        assert_eq!(seen, left, "every calm echo comes up");
    }

    async fn audio_is_served_whole_and_by_range(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Joy).await;
        let bytes = wav_sine(0.25);
        let whole = app.get(&echo.audio_url()).await;
        assert_eq!(whole.status, StatusCode::OK);
        assert_eq!(whole.body.as_ref(), bytes.as_slice());
        assert_eq!(whole.header("content-type"), "audio/wav");
        assert_eq!(whole.header("accept-ranges"), "bytes");
        assert_eq!(whole.header("x-content-type-options"), "nosniff");
        assert_eq!(whole.header("content-disposition"), format!("inline; filename=\"echo-{}.wav\"", echo.id));
        assert_eq!(whole.header("content-length"), bytes.len().to_string());

        let part = app.get_with(&echo.audio_url(), &[("range", "bytes=4-11")]).await;
        assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body.as_ref(), &bytes[4..12]);
        assert_eq!(part.header("content-range"), format!("bytes 4-11/{}", bytes.len()));
        assert_eq!(part.header("content-length"), "8");

        let tail = app.get_with(&echo.audio_url(), &[("range", "bytes=-4")]).await;
        assert_eq!(tail.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.body.as_ref(), &bytes[bytes.len() - 4..]);
    }

    async fn long_ranges_stream_whole_and_audio_gone_underneath_is_404(app) {
        app.signed_up("ada@example.org").await;
        // 640 kB: more than one piece of the disk's reads.
        let bytes = wav_sine(40.0);
        let response = app.upload(Upload::file("long.wav", "audio/wav", bytes.clone()).field("emotion", "calm")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let echo: Echo = response.json();
        let whole = app.get(&echo.audio_url()).await;
        assert_eq!(whole.body.as_ref(), bytes.as_slice());
        let long = app.get_with(&echo.audio_url(), &[("range", "bytes=1000-600999")]).await;
        assert_eq!(long.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(long.header("content-length"), "600000");
        assert_eq!(long.body.as_ref(), &bytes[1000..601000]);
        // The file went a moment ago (its echo deleted on another replica,
        // while this one still remembers where it was): a clear 404.
        for file in app.stored_files() {
            std::fs::remove_file(file).unwrap();
        }
        let gone = app.get_with(&echo.audio_url(), &[("range", "bytes=0-1")]).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text());
    }

    async fn a_range_past_the_end_is_416(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Joy).await;
        let size = wav_sine(0.25).len();
        let response = app.get_with(&echo.audio_url(), &[("range", &format!("bytes={size}-"))]).await;
        assert_eq!(response.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(response.header("content-range"), format!("bytes */{size}"));
        assert_eq!(response.error().code, ErrorCode::RangeNotSatisfiable);
    }

    async fn another_users_echo_is_not_found_everywhere(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Love).await;
        let mut bob = app.other_user("bob@example.org").await;
        let id = echo.id.to_string();
        assert_eq!(bob.call("echoes/get", &[("id", &id)]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(bob.get(&echo.audio_url()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(bob.call("echoes/delete", &[("id", &id)]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(bob.get_page(&echo.page_url()).await.status, StatusCode::NOT_FOUND);
        let bobs: EchoPage = bob.call("echoes/list", &[]).await.json();
        assert!(bobs.echoes.is_empty());
        // …and it is all still there for its owner.
        assert_eq!(app.call("echoes/get", &[("id", &id)]).await.status, StatusCode::OK);
        assert_eq!(app.stored_files().len(), 1);
    }

    async fn a_malformed_echo_id_is_a_bad_request(app) {
        app.signed_up("ada@example.org").await;
        let response = app.call("echoes/get", &[("id", "../../etc/passwd")]).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert!(response.error().message.contains("not a valid echo id"));
        assert_eq!(app.get("/echoes/not-a-uuid/audio").await.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.call("echoes/delete", &[("id", "42")]).await.status, StatusCode::BAD_REQUEST);
    }

    async fn deleting_an_echo_removes_its_audio_and_its_row(app) {
        app.signed_up("ada@example.org").await;
        let keep = app.uploaded_echo(Emotion::Calm).await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        assert_eq!(app.stored_files().len(), 2);
        let response = app.call("echoes/delete", &[("id", &echo.id.to_string())]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(app.call("echoes/get", &[("id", &echo.id.to_string())]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&echo.audio_url()).await.status, StatusCode::NOT_FOUND);
        let files = app.stored_files();
        assert_eq!(files.len(), 1);
        assert!(files[0].to_string_lossy().contains(&keep.id.to_string()));
        assert_eq!(app.echo_rows().await, 1);
        // Deleting it again is a clear 404, not an error.
        assert_eq!(app.call("echoes/delete", &[("id", &echo.id.to_string())]).await.status, StatusCode::NOT_FOUND);
    }

    async fn echo_endpoints_need_a_signed_in_user(app) {
        assert_eq!(app.call("echoes/list", &[]).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.call("echoes/random", &[("emotion", "joy")]).await.status, StatusCode::UNAUTHORIZED);
        let id = uuid::Uuid::now_v7();
        assert_eq!(app.get(&format!("/echoes/{id}/audio")).await.status, StatusCode::UNAUTHORIZED);
    }
}

/// Behind nginx (`X-Accel-Redirect`) or Apache (`X-Sendfile`), Echoes
/// still decides who may play what, and leaves the bytes to the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_can_be_left_to_the_proxy_in_front() {
    for (offload, header) in [("x-accel-redirect", "x-accel-redirect"), ("x-sendfile", "x-sendfile")] {
        let overrides = [("AUDIO_OFFLOAD", offload), ("AUDIO_OFFLOAD_PREFIX", "/_internal_audio/")];
        let mut app = TestApp::start(Backend::Sqlite, &overrides).await;
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Joy).await;
        let answer = app.get_with(&echo.audio_url(), &[("range", "bytes=0-1")]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert!(answer.body.is_empty(), "the proxy sends the bytes");
        assert_eq!(answer.header("content-type"), "audio/wav");
        assert_eq!(answer.header("content-disposition"), format!("inline; filename=\"echo-{}.wav\"", echo.id));
        let file = app.stored_files().pop().expect("the stored file");
        let key = file.strip_prefix(&app.state.config.audio_storage_path).unwrap().display().to_string();
        match offload {
            "x-accel-redirect" => assert_eq!(answer.header(header), format!("/_internal_audio/{key}")),
            _ => assert_eq!(std::path::Path::new(answer.header(header)), file.as_path()),
        }
        // Someone else's echo still gets nothing to send.
        let mut bob = app.other_user("bob@example.org").await;
        let refused = bob.get(&echo.audio_url()).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(refused.header(header), "");
    }
    let refused = app::infra::config::Config::from_lookup(|name| match name {
        "AUDIO_OFFLOAD" => Some("sendfile".into()),
        _ => None,
    });
    assert!(refused.unwrap_err().to_string().contains("AUDIO_OFFLOAD"));
}

/// Uploads over the cap are refused while streaming; a small cap keeps the
/// test quick.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_cap_is_refused_with_413_and_leaves_nothing() {
    for backend in support::backends() {
        let mut app = TestApp::start(backend, &[("MAX_AUDIO_FILE_SIZE", "4096")]).await;
        app.signed_up("ada@example.org").await;
        // Just over the cap: Content-Length is within the form allowance, so
        // this is caught while streaming.
        let response = app.upload(Upload::file("big.wav", "audio/wav", wav_sine(0.26)).field("emotion", "joy")).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.text());
        let error = response.error();
        assert!(error.message.contains("4 KiB"), "{}", error.message);
        assert!(app.stored_files().is_empty(), "no temporary file is left: {:?}", app.stored_files());
        assert_eq!(app.echo_rows().await, 0);
        // Exactly at the cap is fine.
        let mut exact = wav_sine(0.25);
        exact.resize(4096, 0);
        let response = app.upload(Upload::file("exact.wav", "audio/wav", exact).field("emotion", "joy")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_declaring_a_huge_length_is_refused_before_reading() {
    let mut app = TestApp::start(Backend::Sqlite, &[("MAX_AUDIO_FILE_SIZE", "4096")]).await;
    app.signed_up("ada@example.org").await;
    let (content_type, body) = Upload::wav(Emotion::Joy).multipart();
    let request = axum::http::Request::post("/echoes")
        .header("content-type", content_type)
        .header("content-length", (200u64 * 1024 * 1024).to_string())
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(app.stored_files().is_empty());
    app.finish().await;
}
