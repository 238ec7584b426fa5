//! `echoes`: serves the app (`echoes` or `echoes serve`), and runs the
//! chores an operator needs from a shell (see `server::cli`: migrate,
//! check-config, create-admin, backup, restore, fsck). Configuration comes
//! from the environment (see the README); with none, it runs on SQLite and
//! local disk at http://127.0.0.1:3000.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use app::infra::config::Config;
use server::cli::{self, Cli, Command};

fn main() -> ExitCode {
    if !server::allocator::tuned() {
        eprintln!("echoes: the allocator's options were not applied (see server/src/allocator.rs)");
    }
    // The sandboxed audio decoder (see app::echoes::probe::sandbox): no
    // runtime, no configuration, just the limits and the file.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(app::echoes::probe::CHILD_SUBCOMMAND) {
        let code = app::echoes::probe::sandbox::run_child(&args[2..]);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("echoes: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let command = cli.command.unwrap_or(Command::Serve);
        if matches!(command, Command::CheckConfig) {
            // Before the configuration is parsed: it shows a wrong one too.
            return check_config().await;
        }
        match Config::from_env() {
            Ok(config) => {
                init_tracing(config.log_json);
                run_command(command, config).await
            }
            Err(err) => {
                eprintln!("echoes: {err}");
                ExitCode::from(2)
            }
        }
    });
    // Whatever is still running after the grace period is abandoned.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn run_command(command: Command, config: Config) -> ExitCode {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => cli::migrate::run(&config).await,
        Command::CheckConfig => check_config().await,
        Command::CreateAdmin { email, name, password_stdin } => {
            cli::create_admin::run(&config, &email, &name, password_stdin).await
        }
        Command::Backup { dir } => cli::backup::run(&config, &dir).await,
        Command::Restore { dir } => cli::restore::run(&config, &dir).await,
        Command::Fsck { repair, min_age } => {
            let opened = async {
                let db = app::infra::db::Db::connect(&config.database_url, 2).await?;
                db.migrate().await?;
                let storage = cli::open_storage(&config).await?;
                anyhow::Ok((db, storage))
            };
            match opened.await {
                Ok((db, storage)) => {
                    let code = cli::fsck::run(&db, &storage, min_age, repair).await;
                    db.close().await;
                    code
                }
                Err(err) => {
                    eprintln!("echoes fsck: cannot open the database or the store: {err:#}");
                    ExitCode::from(3)
                }
            }
        }
    }
}

async fn check_config() -> ExitCode {
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            eprintln!("warning: could not read .env: {err}");
        }
    }
    cli::check_config::run(&|name| std::env::var(name).ok()).await
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
    let lock = server::startup::lock_instance(&config)?;
    let state = server::build_state(config, leptos_options, lock.as_ref()).await?;
    let cleaned = server::startup::clean_up_interrupted_writes(&state).await?;
    if cleaned > 0 {
        tracing::info!(removed = cleaned, "cleaned up after an interrupted run");
    }
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
    // Connections still held by requests cut at the deadline are not waited for.
    if tokio::time::timeout(Duration::from_secs(2), state.db.close()).await.is_err() {
        tracing::warn!("database connections still in use at exit");
    }
    tracing::info!("Echoes stopped");
    Ok(())
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
