//! `echoes`: serves the app (`echoes` or `echoes serve`), and runs the
//! admin tasks an operator needs from a shell: `echoes create-admin`,
//! `echoes migrate`. Configuration comes from the environment (see the
//! README); with none, it runs on SQLite and local disk at
//! http://127.0.0.1:3000.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use app::accounts::{DisplayName, Email, Password};
use app::admin::create_admin::{create_admin, AdminMade};
use app::infra::config::Config;

#[derive(Parser)]
#[command(name = "echoes", version, about = "Echoes: an audio time machine you host yourself.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Echoes (the default).
    Serve,
    /// Make an account an administrator, creating it when there is none
    /// with this email.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The name shown for a new account.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Read the new account's password from the first line of stdin
        /// (otherwise a random one is made and printed once).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Apply the database migrations and exit (they also run at start).
    Migrate,
}

fn main() -> ExitCode {
    // The sandboxed audio decoder (see app::echoes::probe::sandbox): no
    // runtime, no configuration, just the limits and the file.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(app::echoes::probe::CHILD_SUBCOMMAND) {
        let code = app::echoes::probe::sandbox::run_child(&args[2..]);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    server::keep_large_allocations_out_of_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("echoes: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let config = match Config::from_env() {
            Ok(config) => config,
            Err(err) => {
                eprintln!("echoes: {err}");
                return ExitCode::from(2);
            }
        };
        init_tracing(config.log_json);
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::CreateAdmin { email, name, password_stdin } => {
                make_admin(config, &email, &name, password_stdin).await
            }
        }
    });
    // Whatever is still running after the grace period is abandoned.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn serve(config: Config) -> ExitCode {
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("echoes stopped: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.site_addr = config.site_addr;
    let addr = config.site_addr;
    let state = server::build_state(config, leptos_options).await?;
    let jobs = server::jobs::Jobs::start(&state, server::jobs::all(&state));
    let app = server::router(state.clone());
    let settings = server::serve::ServeSettings {
        header_timeout: Duration::from_secs(state.config.request_timeout_secs),
        shutdown_grace: Duration::from_secs(state.config.shutdown_grace_secs),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("Echoes is listening on http://{addr}");
    let draining = state.draining.clone();
    let stopping = async move {
        shutdown_signal().await;
        // Not ready from now on; the listener closes next.
        draining.start();
    };
    server::serve::serve(listener, app, settings, stopping).await;
    // A job pass in progress (a sweep, a mail) may finish; a few seconds.
    jobs.stop(Duration::from_secs(5)).await;
    state.db.close().await;
    tracing::info!("Echoes stopped");
    Ok(())
}

async fn migrate(config: Config) -> ExitCode {
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

async fn make_admin(config: Config, email: &str, name: &str, password_stdin: bool) -> ExitCode {
    let parsed = Email::parse(email).and_then(|e| Ok((e, DisplayName::parse(name)?)));
    let (email, name) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("echoes: {}", err.message);
            return ExitCode::from(2);
        }
    };
    let mut generated = None;
    let password = || {
        if password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| app::error::AppError::invalid("password", format!("cannot read stdin: {e}")))?;
            Password::parse_new(line.trim_end_matches(['\r', '\n']).to_owned())
        } else {
            let made = uuid::Uuid::new_v4().simple().to_string();
            generated = Some(made.clone());
            Password::parse_new(made)
        }
    };
    let result = async {
        let db = app::infra::db::Db::connect(&config.database_url, 2).await?;
        db.migrate().await?;
        let hasher = app::accounts::password_hash::PasswordHasher::new(1).await?;
        let made = create_admin(&db, &hasher, &email, &name, password).await.map_err(|e| anyhow::anyhow!(e.message));
        db.close().await;
        made
    };
    match result.await {
        Ok(AdminMade::Promoted) => {
            println!("echoes: {} is now an administrator", email.as_str());
            ExitCode::SUCCESS
        }
        Ok(AdminMade::Created) => {
            println!("echoes: created the administrator {}", email.as_str());
            if let Some(password) = generated {
                println!("password (shown once; change it after logging in): {password}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("echoes: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
