//! The operator's commands, run as the real `echoes` binary against a
//! real instance's database and audio: backup → restore → the same
//! echoes, byte for byte; fsck finding and repairing; check-config.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use app::emotion::Emotion;
use support::{Backend, TestApp};

/// Runs `echoes <args>` with only the given variables (no .env: it runs
/// in an empty folder).
fn echoes(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let quiet = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_echoes"));
    command.env_clear().current_dir(quiet.path()).env("RUST_LOG", "warn").args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("run echoes")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn instance_of(app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", app.state.config.database_url.clone()),
        ("AUDIO_STORAGE_PATH", app.state.config.audio_storage_path.display().to_string()),
    ]
}

fn vars<'a>(list: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    list.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Every echo's id, key and audio bytes, read straight from a SQLite file
/// and an audio folder.
async fn contents(database: &str, audio: &Path) -> Vec<(uuid::Uuid, String, Vec<u8>)> {
    let db = app::infra::db::Db::connect(database, 1).await.expect("open");
    let rows: Vec<(uuid::Uuid, String)> = app::on_db!(&db, pool => sqlx::query_as(
        "SELECT id, storage_key FROM echoes ORDER BY id",
    )
    .fetch_all(pool)
    .await)
    .expect("echoes");
    db.close().await;
    rows.into_iter()
        .map(|(id, key)| {
            let bytes = std::fs::read(audio.join(&key)).unwrap_or_else(|e| panic!("{key}: {e}"));
            (id, key, bytes)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_a_fresh_folder_with_the_same_echoes_byte_for_byte() {
    let mut app = TestApp::start(Backend::Sqlite, &[]).await;
    app.signed_up("ada@example.org").await;
    for emotion in [Emotion::Calm, Emotion::Joy, Emotion::Calm] {
        app.uploaded_echo(emotion).await;
    }
    let source = instance_of(&app);
    let folder = tempfile::tempdir().expect("temp dir");
    let backup = folder.path().join("backup");
    let made = echoes(&vars(&source), &["backup", backup.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("backed up 3 echoes"), "{}", text(&made));
    // Into a folder that is not empty: refused, with exit code 2.
    let again = echoes(&vars(&source), &["backup", backup.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));

    let fresh = folder.path().join("fresh");
    let target = vec![
        ("DATABASE_URL", format!("sqlite://{}/echoes.db", fresh.display())),
        ("AUDIO_STORAGE_PATH", fresh.join("audio").display().to_string()),
    ];
    let restored = echoes(&vars(&target), &["restore", backup.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    let before = contents(&source[0].1, &app.state.config.audio_storage_path).await;
    let after = contents(&target[0].1, &fresh.join("audio")).await;
    assert_eq!(before.len(), 3);
    assert_eq!(before, after, "the same echoes, the same bytes");
    // The restored instance is consistent, and its people can log in.
    let fsck = echoes(&vars(&target), &["fsck", "--min-age", "0s"]);
    assert!(fsck.status.success(), "{}", text(&fsck));
    // A restore never overwrites a database with accounts.
    let over = echoes(&vars(&target), &["restore", backup.to_str().unwrap()]);
    assert_eq!(over.status.code(), Some(2), "{}", text(&over));
    assert!(text(&over).contains("has accounts already"), "{}", text(&over));

    // A damaged backup is refused before anything is written.
    let key = &before[0].1;
    let damaged = backup.join("audio").join(key);
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&damaged, bytes).unwrap();
    let elsewhere = folder.path().join("elsewhere");
    let target = vec![
        ("DATABASE_URL", format!("sqlite://{}/echoes.db", elsewhere.display())),
        ("AUDIO_STORAGE_PATH", elsewhere.join("audio").display().to_string()),
    ];
    let refused = echoes(&vars(&target), &["restore", backup.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("does not match the manifest"), "{}", text(&refused));
    assert!(!elsewhere.join("echoes.db").exists(), "nothing is written from a damaged backup");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fsck_finds_missing_audio_and_orphans_and_repairs_orphans() {
    let mut app = TestApp::start(Backend::Sqlite, &[]).await;
    app.signed_up("ada@example.org").await;
    let kept = app.uploaded_echo(Emotion::Calm).await;
    let lost = app.uploaded_echo(Emotion::Joy).await;
    let instance = instance_of(&app);
    let clean = echoes(&vars(&instance), &["fsck", "--min-age", "0s"]);
    assert!(clean.status.success(), "{}", text(&clean));
    assert!(text(&clean).contains("2 echoes, 2 objects"), "{}", text(&clean));

    let audio = app.state.config.audio_storage_path.clone();
    let me = app.me().await.unwrap();
    let lost_file = audio.join(me.id.to_string()).join(format!("{}.wav", lost.id));
    std::fs::remove_file(&lost_file).expect("remove an echo's audio");
    let orphan = audio.join(me.id.to_string()).join(format!("{}.wav", uuid::Uuid::now_v7()));
    std::fs::write(&orphan, b"RIFF left behind").unwrap();
    let unfinished = audio.join(me.id.to_string()).join(format!(".{}.wav.{}.part", uuid::Uuid::now_v7(), uuid::Uuid::new_v4()));
    std::fs::write(&unfinished, b"half").unwrap();
    // Someone else's file in the folder is never judged, let alone removed.
    let foreign = audio.join("README.txt");
    std::fs::write(&foreign, b"audio for Echoes lives here").unwrap();

    // Young objects may be uploads in progress: left alone by default.
    let young = echoes(&vars(&instance), &["fsck"]);
    assert_eq!(young.status.code(), Some(1), "the missing audio is a problem: {}", text(&young));
    assert!(text(&young).contains("2 object(s) written in the last 1h"), "{}", text(&young));
    assert!(orphan.exists());

    let found = echoes(&vars(&instance), &["fsck", "--min-age", "0s"]);
    assert_eq!(found.status.code(), Some(1), "{}", text(&found));
    let report = text(&found);
    assert!(report.contains(&format!("missing: echo {}", lost.id)), "{report}");
    assert!(report.contains("orphan: ") && report.contains(".part"), "{report}");
    assert!(report.contains("2 orphan(s): run `echoes fsck --repair`"), "{report}");
    assert!(orphan.exists(), "nothing is removed without --repair");

    let repaired = echoes(&vars(&instance), &["fsck", "--repair", "--min-age", "0s"]);
    assert_eq!(repaired.status.code(), Some(1), "the missing audio remains: {}", text(&repaired));
    assert!(text(&repaired).contains("removed 2 orphan(s)"), "{}", text(&repaired));
    assert!(!orphan.exists() && !unfinished.exists());
    assert!(foreign.exists(), "only Echoes' own files can be orphans");
    assert!(text(&repaired).contains("not an Echoes file, left alone: README.txt"), "{}", text(&repaired));
    assert!(audio.join(me.id.to_string()).join(format!("{}.wav", kept.id)).exists(), "an echo's audio is never an orphan");
    app.finish().await;
}

#[tokio::test]
async fn check_config_masks_secrets_and_says_what_is_wrong() {
    let folder = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/echoes.db", folder.path().display());
    let audio = folder.path().join("audio").display().to_string();
    let good = echoes(
        &[
            ("DATABASE_URL", &database),
            ("AUDIO_STORAGE_PATH", &audio),
            ("METRICS_TOKEN", "a-very-secret-scrape-token"),
            ("SMTP_URL", "smtps://mailer:hunter2@mail.example.org"),
        ],
        &["check-config"],
    );
    let report = text(&good);
    assert!(good.status.success(), "{report}");
    assert!(!report.contains("a-very-secret-scrape-token") && !report.contains("hunter2"), "{report}");
    assert!(report.contains("METRICS_TOKEN = ******** (set)"), "{report}");
    assert!(report.contains("SESSION_IDLE_TIMEOUT = 14d (default)"), "{report}");
    assert!(report.contains("database: ok (SQLite)") && report.contains("storage: ok (local folder"), "{report}");

    let wrong = echoes(&[("DATABASE_URL", &database), ("SESSION_IDLE_TIMEOUT", "soon")], &["check-config"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(text(&wrong).contains("SESSION_IDLE_TIMEOUT"), "{}", text(&wrong));

    let unreachable = echoes(&[("DATABASE_URL", "postgres://echoes@127.0.0.1:9/none")], &["check-config"]);
    assert_eq!(unreachable.status.code(), Some(1), "{}", text(&unreachable));
    assert!(text(&unreachable).contains("database: cannot connect"), "{}", text(&unreachable));
}

#[test]
fn postgres_backups_are_explained_not_attempted() {
    let out = echoes(&[("DATABASE_URL", "postgres://echoes@127.0.0.1:9/none")], &["backup", "/nonexistent/x"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("pg_dump --format=custom"), "{}", text(&out));
    let help = echoes(&[], &["fsck", "--help"]);
    assert!(help.status.success() && text(&help).contains("--repair"), "{}", text(&help));
    assert_eq!(echoes(&[], &["no-such-command"]).status.code(), Some(2));
}
