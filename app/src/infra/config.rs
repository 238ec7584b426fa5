//! Configuration: one struct, read once from the environment (and an optional
//! `.env` file), with defaults that run on a laptop with nothing else
//! installed. Every variable is listed in [`VARIABLES`]; a test checks that
//! the README documents each of them.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Every environment variable Echoes reads (besides Leptos' own `LEPTOS_*`),
/// with its default and what it does. The README table mirrors this list.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "sqlite://data/echoes.db", "SQLite file (`sqlite://…`) or PostgreSQL (`postgres://…`)."),
    ("AUDIO_STORAGE_PATH", "data/audio", "Folder where audio objects are kept on local disk."),
    ("MAX_AUDIO_FILE_SIZE", "26214400", "Largest accepted audio file, in bytes (25 MiB)."),
    ("LEPTOS_SITE_ADDR", "127.0.0.1:3000", "Address and port to listen on."),
    ("PUBLIC_URL", "http://127.0.0.1:3000", "The URL people use; `https://` turns on Secure cookies."),
    ("CORS_ORIGINS", "(none)", "Comma-separated origins allowed to call the API from another site."),
    ("SESSION_TTL_DAYS", "14", "How long a browser session lasts without activity."),
    ("DATABASE_MAX_CONNECTIONS", "10", "Size of the database connection pool."),
    ("RUST_LOG", "info", "Log filter (tracing `EnvFilter` syntax)."),
    ("LOG_FORMAT", "text", "`text` for people, `json` for log collectors."),
];

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub audio_storage_path: PathBuf,
    pub max_audio_file_size: u64,
    pub site_addr: SocketAddr,
    pub public_url: String,
    pub cors_origins: Vec<String>,
    pub session_ttl_days: i64,
    pub database_max_connections: u32,
    pub log_json: bool,
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

impl Config {
    /// Reads `.env` (if present) and the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a broken one is worth a warning, not a crash.
        if let Err(err) = dotenvy::dotenv() {
            if !err.not_found() {
                eprintln!("warning: could not read .env: {err}");
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from any lookup function; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &'static str| -> String {
            lookup(name).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default_of(name).to_owned())
        };
        let invalid =
            |name: &'static str, reason: &str| ConfigError { name, value: get(name), reason: reason.to_owned() };

        let max_audio_file_size = get("MAX_AUDIO_FILE_SIZE")
            .trim()
            .parse::<u64>()
            .map_err(|_| invalid("MAX_AUDIO_FILE_SIZE", "expected a number of bytes"))?;
        if max_audio_file_size == 0 {
            return Err(ConfigError {
                name: "MAX_AUDIO_FILE_SIZE",
                value: "0".into(),
                reason: "must be greater than zero".into(),
            });
        }
        let database_url = get("DATABASE_URL");
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                name: "DATABASE_URL",
                value: database_url,
                reason: "expected sqlite://… or postgres://…".into(),
            });
        }
        let public_url = get("PUBLIC_URL").trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "PUBLIC_URL",
                value: public_url,
                reason: "expected an http:// or https:// URL".into(),
            });
        }
        let cors_origins = lookup("CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Ok(Config {
            database_url,
            audio_storage_path: PathBuf::from(get("AUDIO_STORAGE_PATH")),
            max_audio_file_size,
            site_addr: get("LEPTOS_SITE_ADDR")
                .parse()
                .map_err(|_| invalid("LEPTOS_SITE_ADDR", "expected host:port, like 127.0.0.1:3000"))?,
            public_url,
            cors_origins,
            session_ttl_days: get("SESSION_TTL_DAYS")
                .parse::<i64>()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| invalid("SESSION_TTL_DAYS", "expected a positive number of days"))?,
            database_max_connections: get("DATABASE_MAX_CONNECTIONS")
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| invalid("DATABASE_MAX_CONNECTIONS", "expected a positive number"))?,
            log_json: match get("LOG_FORMAT").as_str() {
                "json" => true,
                "text" => false,
                _ => return Err(invalid("LOG_FORMAT", "expected text or json")),
            },
        })
    }

    /// Cookies get the `Secure` flag when people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

fn default_of(name: &str) -> &'static str {
    VARIABLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, default, _)| *default)
        .filter(|d| !d.starts_with('('))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_run_on_sqlite_and_local_disk() {
        let config = config_with(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/echoes.db");
        assert_eq!(config.audio_storage_path, PathBuf::from("data/audio"));
        assert_eq!(config.max_audio_file_size, 25 * 1024 * 1024);
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert!(!config.secure_cookies());
        assert!(config.cors_origins.is_empty());
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let config = config_with(&[("PUBLIC_URL", "https://echoes.example/")]).unwrap();
        assert!(config.secure_cookies());
        assert_eq!(config.public_url, "https://echoes.example");
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = config_with(&[("MAX_AUDIO_FILE_SIZE", "lots")]).unwrap_err();
        assert_eq!(err.name, "MAX_AUDIO_FILE_SIZE");
        let err = config_with(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        let err = config_with(&[("SESSION_TTL_DAYS", "-1")]).unwrap_err();
        assert_eq!(err.name, "SESSION_TTL_DAYS");
    }

    #[test]
    fn cors_origins_are_split_and_trimmed() {
        let config = config_with(&[("CORS_ORIGINS", "https://a.example/, https://b.example")]).unwrap();
        assert_eq!(config.cors_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, _, _) in VARIABLES {
            assert!(readme.contains(&format!("`{name}`")), "README.md does not document {name}");
        }
    }
}
