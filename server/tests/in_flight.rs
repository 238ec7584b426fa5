//! The uploads journal (`app::echoes::in_flight`): an upload is journaled
//! while it streams, its row goes with the echo's commit or with its
//! object when it fails, and what a stopped server left mid-upload is
//! removed by a running one — never what a live one is still writing.
//! (The release binary killed for real mid-upload: testkit/tests/faults.rs.)

mod support;

use std::time::{Duration, Instant};

use app::echoes::in_flight::{reclaim_stopped, Reclaimed};
use app::emotion::Emotion;
use app::infra::db::{now_millis, Db};
use app::infra::instance::Instance;
use app::infra::storage::{ObjectKey, Storage};
use axum::http::StatusCode;
use bytes::Bytes;
use support::{backends, Backend, TestApp, Upload};

async fn journal(db: &Db) -> Vec<String> {
    app::on_db!(db, pool => sqlx::query_scalar("SELECT storage_key FROM uploads_in_flight ORDER BY storage_key")
        .fetch_all(pool)
        .await)
    .unwrap()
}

/// Stores `bytes` at a fresh echo key of `user` and journals it as `instance`'s.
async fn stored_in_flight(db: &Db, storage: &Storage, user: uuid::Uuid, instance: uuid::Uuid) -> ObjectKey {
    let key = ObjectKey::for_echo(user, uuid::Uuid::now_v7(), "wav");
    app::db_run!(
        db,
        sqlx::query("INSERT INTO uploads_in_flight (storage_key, instance_id, started_at) VALUES ($1, $2, $3)")
            .bind(key.as_str())
            .bind(instance)
            .bind(now_millis())
    )
    .unwrap();
    let body = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"RIFF half an upload"))]);
    storage.put_stream(&key, Box::pin(body), 1 << 20).await.unwrap();
    key
}

async fn exists(storage: &Storage, key: &ObjectKey) -> bool {
    storage.head(key).await.is_ok()
}

on_every_backend! {
    async fn a_committed_or_refused_upload_leaves_no_journal_row(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        assert!(journal(&app.state.db).await.is_empty(), "the commit took the row");
        // Refused after the audio was stored (an emotion that is not one).
        let refused = app.upload(Upload::file("m.wav", "audio/wav", support::audio::wav_sine(0.25)).field("emotion", "smug")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert!(journal(&app.state.db).await.is_empty(), "the refusal took the row");
        let files: Vec<_> = app.stored_files();
        assert_eq!(files.len(), 1, "only the echo's audio is stored: {files:?}");
        assert!(files[0].to_string_lossy().ends_with(&format!("{}.wav", echo.id)), "{files:?}");
    }
}

on_every_backend! {
    async fn an_echo_is_not_committed_once_its_upload_was_reclaimed(app) {
        use app::echoes::rows::{self, NewEcho};
        app.signed_up("ada@example.org").await;
        let user = app.me().await.expect("signed in").id;
        let id = uuid::Uuid::now_v7();
        let metadata = support::bare_metadata(Emotion::Calm);
        let key = ObjectKey::for_echo(user, id, "wav");
        // No journal row: another server reclaimed the upload meanwhile.
        let new = NewEcho { id, user_id: user, metadata: &metadata, content_type: "audio/wav", size_bytes: 1, key: &key, probe: None, in_flight: true };
        let refused = rows::insert(&app.state.db, new).await.expect_err("a reclaimed upload cannot commit");
        assert_eq!(refused.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(app.echo_rows().await, 0);
    }
}

/// A stopped server's upload (object, unfinished write and row) is removed;
/// the uploads of running servers and every echo are left alone; a server
/// that cannot tell who has stopped (SQLite without the instance lock)
/// removes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_uploads_of_stopped_servers_are_reclaimed() {
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let on_sqlite = matches!(backend, Backend::Sqlite);
        let mut app = TestApp::start(backend, &[]).await;
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let user = app.me().await.expect("signed in").id;
        let (db, storage) = (app.state.db.clone(), app.state.storage.clone());

        let stopped = uuid::Uuid::new_v4();
        let abandoned = stored_in_flight(&db, &storage, user, stopped).await;
        let part = storage.local_path(&abandoned).map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let part = path.with_file_name(format!(".{name}.{}.part", uuid::Uuid::new_v4()));
            std::fs::write(&part, b"the rest never came").unwrap();
            part
        });
        let ours = stored_in_flight(&db, &storage, user, app.state.instance.id()).await;
        let other = Instance::start(&db, false).await.unwrap();
        let others = stored_in_flight(&db, &storage, user, other.id()).await;

        if on_sqlite {
            let unjudged = reclaim_stopped(&db, &storage, &app.state.instance).await.unwrap();
            assert_eq!(unjudged, Reclaimed::default(), "without the lock, no one is judged stopped");
            assert_eq!(journal(&db).await.len(), 3);
        }
        // On SQLite the reclaiming server holds the lock: every other id has
        // stopped, `other` included (a process that held it would be this one).
        let reclaimer = Instance::start(&db, on_sqlite).await.unwrap();
        let reclaimed = reclaim_stopped(&db, &storage, &reclaimer).await.unwrap();
        assert!(!exists(&storage, &abandoned).await, "the stopped server's object is gone");
        assert!(part.is_none_or(|p| !p.exists()), "and its unfinished write");
        assert!(exists(&storage, &echo_key(&app, echo.id).await).await, "echoes are never touched");
        if on_sqlite {
            assert_eq!(reclaimed, Reclaimed { removed: 3, failed: 0 });
            assert!(journal(&db).await.is_empty());
        } else {
            assert_eq!(reclaimed, Reclaimed { removed: 1, failed: 0 });
            let mut left = vec![ours.as_str().to_owned(), others.as_str().to_owned()];
            left.sort();
            assert_eq!(journal(&db).await, left, "running servers' uploads stay");
            assert!(exists(&storage, &ours).await && exists(&storage, &others).await);

            // `other` stops: PostgreSQL releases its lock, and its upload goes.
            drop(other);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let reclaimed = reclaim_stopped(&db, &storage, &reclaimer).await.unwrap();
                if reclaimed.removed == 1 {
                    break;
                }
                assert!(Instant::now() < deadline, "a stopped instance's lock was never released");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(!exists(&storage, &others).await);
            assert_eq!(journal(&db).await, vec![ours.as_str().to_owned()]);
        }
        app.finish().await;
    }
}

async fn echo_key(app: &TestApp, id: uuid::Uuid) -> ObjectKey {
    let key: String = app::on_db!(&app.state.db, pool => sqlx::query_scalar("SELECT storage_key FROM echoes WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await)
    .unwrap();
    ObjectKey::parse(&key).unwrap()
}
