//! `echoes check-config`: the configuration Echoes would run with, every
//! variable with its value and where it came from (secrets masked), then
//! whether the database and the audio store answer.
//!
//! Exit codes: 0 all good, 1 the database or the store cannot be used,
//! 2 the configuration itself is wrong (printed before anything else).

use std::process::ExitCode;

use app::accounts::oauth::settings::PROVIDER_VARIABLES;
use app::infra::config::{Config, VARIABLES};

/// The value to print: secrets hidden, passwords cut out of URLs.
pub fn shown(name: &str, value: &str) -> String {
    let upper = name.to_ascii_uppercase();
    if upper.contains("SECRET") || upper.contains("PASSWORD") || upper.contains("TOKEN") {
        return "******** (set)".to_owned();
    }
    if upper == "AWS_ACCESS_KEY_ID" {
        let start: String = value.chars().take(4).collect();
        return format!("{start}…");
    }
    match url::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("********"));
            url.to_string()
        }
        _ => value.to_owned(),
    }
}

/// Every variable that applies: the fixed list, and each configured sign-in
/// provider's own.
fn variable_names(lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(String, &'static str)> {
    let mut names: Vec<(String, &'static str)> = VARIABLES.iter().map(|(name, default, _)| ((*name).to_owned(), *default)).collect();
    let providers = lookup("OAUTH_PROVIDERS").unwrap_or_default();
    for id in providers.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        let upper = id.to_ascii_uppercase().replace('-', "_");
        for (pattern, default, _) in PROVIDER_VARIABLES {
            names.push((pattern.replace("<ID>", &upper), *default));
        }
    }
    names
}

pub async fn run(lookup: &dyn Fn(&str) -> Option<String>) -> ExitCode {
    println!("Configuration (from the environment and .env):");
    for (name, default) in variable_names(lookup) {
        match lookup(&name).filter(|v| !v.trim().is_empty()) {
            Some(value) => println!("  {name} = {}", shown(&name, value.trim())),
            None => println!("  {name} = {default} (default)"),
        }
    }
    let config = match Config::from_lookup(lookup) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("echoes check-config: {err}");
            return ExitCode::from(2);
        }
    };
    println!("The configuration is valid.");
    let mut failed = false;
    match app::infra::db::Db::connect(&config.database_url, 1).await {
        Ok(db) => {
            match db.ping().await {
                Ok(()) => println!("database: ok ({})", if config.is_postgres() { "PostgreSQL" } else { "SQLite" }),
                Err(err) => {
                    println!("database: not answering: {err}");
                    failed = true;
                }
            }
            db.close().await;
        }
        Err(err) => {
            println!("database: cannot connect: {err:#}");
            failed = true;
        }
    }
    match super::open_storage(&config).await {
        Ok(storage) => match storage.ping().await {
            Ok(()) => println!("storage: ok ({})", super::storage_name(&config)),
            Err(err) => {
                println!("storage: not usable ({}): {err}", super::storage_name(&config));
                failed = true;
            }
        },
        Err(err) => {
            println!("storage: cannot open ({}): {err:#}", super::storage_name(&config));
            failed = true;
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn secrets_never_print() {
        assert_eq!(shown("METRICS_TOKEN", "abc"), "******** (set)");
        assert_eq!(shown("AWS_SECRET_ACCESS_KEY", "abc"), "******** (set)");
        assert_eq!(shown("OAUTH_GOOGLE_CLIENT_SECRET", "abc"), "******** (set)");
        assert_eq!(shown("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"), "AKIA…");
        let url = shown("DATABASE_URL", "postgres://echoes:hunter2@db:5432/echoes");
        assert!(!url.contains("hunter2") && url.contains("echoes:********@db"), "{url}");
        let smtp = shown("SMTP_URL", "smtps://mail%40x.org:pa55@mail.x.org");
        assert!(!smtp.contains("pa55"), "{smtp}");
        assert_eq!(shown("DATABASE_URL", "sqlite://data/echoes.db"), "sqlite://data/echoes.db");
    }
}
