//! `echoes migrate`: applies the database migrations and exits (the server
//! applies them at start too; this is for upgrades done as their own step).

use std::process::ExitCode;

use app::infra::config::Config;

pub async fn run(config: &Config) -> ExitCode {
    let result = async {
        let db = app::infra::db::Db::connect(&config.database_url, 1).await?;
        db.migrate().await?;
        db.close().await;
        anyhow::Ok(())
    };
    match result.await {
        Ok(()) => {
            println!("echoes: the database is up to date");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("echoes: migration failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}
