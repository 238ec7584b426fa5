//! The queries behind "my echoes" and "a random echo" are answered from
//! indexes, never by scanning the table.

mod support;

use app::echoes::rows::{list_sql, random_sql};
use app::infra::db::Db;
use support::{backends, TestApp};

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
        let cases: [(String, Vec<Arg>, &str); 6] = [
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
            (random_sql(), vec![Arg::User, Arg::Text("calm"), Arg::Int(3)], "echoes_by_user_emotion_random"),
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
