//! The queries behind "my echoes" and "a random echo" are answered from
//! indexes, never by scanning the table.

mod support;

use app::echoes::rows::{list_sql, random_sql, top_slot_sql};
use app::infra::db::Db;
use support::{backends, Backend, TestApp};

/// A representative value for one placeholder.
#[derive(Clone, Copy)]
enum Arg {
    User,
    Int(i64),
    Text(&'static str),
}

async fn plan(db: &Db, sql: &str, args: &[Arg]) -> String {
    let user = uuid::Uuid::now_v7();
    match db {
        Db::Sqlite(pool) => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
            for arg in args {
                query = match *arg {
                    Arg::User => query.bind(user),
                    Arg::Int(n) => query.bind(n),
                    Arg::Text(t) => query.bind(t),
                };
            }
            let rows = query.fetch_all(pool).await.expect("explain");
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
        Db::Postgres(pool) => {
            // Literals instead of parameters: EXPLAIN cannot take binds.
            let mut sql = sql.to_owned();
            for (i, arg) in args.iter().enumerate().rev() {
                let literal = match *arg {
                    Arg::User => format!("'{user}'::uuid"),
                    Arg::Int(n) => n.to_string(),
                    Arg::Text(t) => format!("'{t}'"),
                };
                sql = sql.replace(&format!("${}", i + 1), &literal);
            }
            let mut conn = pool.acquire().await.expect("connection");
            sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.expect("set");
            let rows: Vec<(String,)> =
                sqlx::query_as(&format!("EXPLAIN {sql}")).fetch_all(&mut *conn).await.expect("explain");
            rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_and_random_picks_use_the_indexes() {
    for backend in backends() {
        let app = TestApp::start(backend, &[]).await;
        let db = &app.state.db;
        let now = 1_700_000_000_000;
        // (sql, its arguments, the index that should answer it)
        let cases: [(String, Vec<Arg>, &str); 7] = [
            (list_sql(false, false, false), vec![Arg::User, Arg::Int(21)], "echoes_by_user_time"),
            (
                list_sql(true, false, false),
                vec![Arg::User, Arg::Int(21), Arg::Text("calm")],
                "echoes_by_user_emotion_time",
            ),
            (
                list_sql(true, false, true),
                vec![Arg::User, Arg::Int(21), Arg::Text("calm"), Arg::Int(now), Arg::User],
                "echoes_by_user_emotion_time",
            ),
            (
                list_sql(false, true, false),
                vec![Arg::User, Arg::Int(21), Arg::Text("rain")],
                "echo_tags_by_user_tag_time",
            ),
            (
                list_sql(false, true, true),
                vec![Arg::User, Arg::Int(21), Arg::Text("rain"), Arg::Int(now), Arg::User],
                "echo_tags_by_user_tag_time",
            ),
            (top_slot_sql().to_owned(), vec![Arg::User, Arg::Text("calm")], "echoes_by_user_emotion_slot"),
            (random_sql(), vec![Arg::User, Arg::Text("calm"), Arg::Int(3)], "echoes_by_user_emotion_slot"),
        ];
        for (sql, args, index) in cases {
            let plan = plan(db, &sql, &args).await;
            assert!(plan.contains(index), "{sql}\nshould use {index}:\n{plan}");
            assert!(!plan.contains("SCAN echoes") && !plan.contains("Seq Scan"), "{sql} scans the table:\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql} sorts instead of walking the index:\n{plan}");
        }
        app.finish().await;
    }
}

/// Echoes written at the same moment into one emotion each get a slot of
/// their own (on PostgreSQL the losers of a race retry), and the slots stay
/// 0..n-1 as they are deleted concurrently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writes_keep_pick_slots_unique_and_dense() {
    use app::echoes::rows::{self, NewEcho};
    use app::infra::storage::ObjectKey;
    for backend in backends() {
        let one_writer = matches!(backend, Backend::Sqlite);
        let mut app = TestApp::start(backend, &[]).await;
        app.signed_up("ada@example.org").await;
        let user = app.me().await.expect("signed in").id;
        let db = app.state.db.clone();
        let mut racing = tokio::task::JoinSet::new();
        for _ in 0..24 {
            let db = db.clone();
            racing.spawn(async move {
                let id = uuid::Uuid::now_v7();
                let metadata = support::bare_metadata(app::emotion::Emotion::Calm);
                let key = ObjectKey::for_echo(user, id, "wav");
                let new = NewEcho { id, user_id: user, metadata: &metadata, content_type: "audio/wav", size_bytes: 1, key: &key, probe: None, in_flight: false };
                rows::insert(&db, new).await.expect("insert").id
            });
        }
        let ids = racing.join_all().await;
        let slots = |db: app::infra::db::Db| async move {
            let slots: Vec<i64> = app::on_db!(&db, pool => sqlx::query_scalar(
                "SELECT pick_slot FROM echoes WHERE emotion = 'calm' ORDER BY pick_slot",
            )
            .fetch_all(pool)
            .await)
            .unwrap();
            slots
        };
        assert_eq!(slots(db.clone()).await, (0..24).collect::<Vec<i64>>());
        let mut deleting = tokio::task::JoinSet::new();
        for id in ids.iter().step_by(2).copied() {
            let db = db.clone();
            deleting.spawn(async move { rows::delete_owned(&db, user, id, |_| async { Ok(()) }).await.expect("delete") });
        }
        assert!(deleting.join_all().await.into_iter().all(|gone| gone));
        let left = slots(db.clone()).await;
        assert_eq!(left.len(), 12);
        let unique: std::collections::HashSet<_> = left.iter().collect();
        assert_eq!(unique.len(), 12, "{left:?}");
        // Concurrent deletes may leave a hole or two (picks skip them), never more than there were deletes.
        assert!(left.iter().all(|slot| *slot < 24), "{left:?}");
        if one_writer {
            assert_eq!(left, (0..12).collect::<Vec<i64>>(), "one writer at a time: no holes");
        }
        app.finish().await;
    }
}
