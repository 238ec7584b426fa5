//! The container files agree with the configuration: every variable that
//! compose.yaml and the Dockerfile set is one Echoes reads, the services'
//! credentials match, and the resulting configuration is valid. (There is
//! no container engine on the build machines; hadolint lints the
//! Dockerfile in scripts/test.sh.)

use std::collections::HashMap;

use app::infra::config::{Config, VARIABLES};

const COMPOSE: &str = include_str!("../../compose.yaml");
const DOCKERFILE: &str = include_str!("../../Dockerfile");

/// `${NAME:-default}` → default (compose's own substitution, defaults only).
fn with_defaults(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let inner = &rest[start + 2..end];
        out.push_str(inner.split_once(":-").map(|(_, default)| default).unwrap_or(""));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn environment(service: &str) -> HashMap<String, String> {
    let compose: serde_yaml_ng::Value = serde_yaml_ng::from_str(COMPOSE).expect("compose.yaml is YAML");
    let env = &compose["services"][service]["environment"];
    let map = env.as_mapping().unwrap_or_else(|| panic!("{service} has an environment map"));
    map.iter()
        .map(|(k, v)| {
            let value = match v {
                serde_yaml_ng::Value::String(s) => s.clone(),
                other => panic!("{service}: quote {k:?}'s value ({other:?}) so YAML keeps it a string"),
            };
            (k.as_str().expect("a name").to_owned(), with_defaults(&value))
        })
        .collect()
}

fn known(name: &str) -> bool {
    name.starts_with("LEPTOS_") || VARIABLES.iter().any(|(known, _, _)| *known == name)
}

#[test]
fn compose_sets_only_variables_echoes_reads_and_they_make_a_valid_configuration() {
    let echoes = environment("echoes");
    for name in echoes.keys() {
        assert!(known(name), "compose.yaml sets {name}, which Echoes does not read");
    }
    let config = Config::from_lookup(|name| echoes.get(name).cloned()).expect("the compose configuration is valid");
    assert!(config.is_postgres());
    let s3 = config.s3.as_ref().expect("audio in S3");
    assert_eq!(s3.endpoint.as_deref(), Some("http://minio:9000"));
    assert_eq!(s3.public_endpoint.as_deref(), Some("http://localhost:9000"));

    // The credentials are the ones the other services are given.
    let postgres = environment("postgres");
    let minio = environment("minio");
    let url = url::Url::parse(&config.database_url).expect("a URL");
    assert_eq!(url.username(), postgres["POSTGRES_USER"]);
    assert_eq!(url.password(), Some(postgres["POSTGRES_PASSWORD"].as_str()));
    assert_eq!(url.path(), format!("/{}", postgres["POSTGRES_DB"]));
    assert_eq!(url.host_str(), Some("postgres"));
    assert_eq!(s3.credentials, Some((minio["MINIO_ROOT_USER"].clone(), minio["MINIO_ROOT_PASSWORD"].clone())));
}

#[test]
fn the_image_runs_as_a_user_with_a_health_check_and_known_variables() {
    let run_stage = DOCKERFILE.rsplit("FROM ").next().expect("a run stage");
    assert!(run_stage.starts_with("debian:bookworm-slim"), "{run_stage}");
    assert!(run_stage.contains("libopus0"), "the binary links libopus");
    let user = run_stage.lines().find_map(|l| l.strip_prefix("USER ")).expect("a USER");
    assert!(!user.trim().starts_with("root") && !user.trim().starts_with("0"), "{user}");
    assert!(run_stage.contains("HEALTHCHECK") && run_stage.contains("/health"));
    // ENV NAME=value lines (continued with backslashes).
    let env_block = run_stage.split("ENV ").nth(1).expect("ENV").split("\nUSER").next().unwrap();
    for assignment in env_block.split_whitespace().filter(|w| w.contains('=')) {
        let name = assignment.split('=').next().unwrap();
        assert!(known(name), "the Dockerfile sets {name}, which Echoes does not read");
    }
    let database = env_block.split_whitespace().find_map(|w| w.strip_prefix("DATABASE_URL=")).expect("DATABASE_URL");
    let config = Config::from_lookup(|name| (name == "DATABASE_URL").then(|| database.to_owned())).expect("valid");
    assert_eq!(app::infra::db::sqlite_file(&config.database_url).unwrap(), std::path::Path::new("/var/lib/echoes/echoes.db"));
}
