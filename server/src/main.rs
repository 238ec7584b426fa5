//! `echoes`: serves the app. Configuration comes from the environment (see
//! the README); with none, it runs on SQLite and local disk at
//! http://127.0.0.1:3000.

use std::process::ExitCode;

use std::time::Duration;

use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

use app::infra::config::Config;

fn main() -> ExitCode {
    // The sandboxed audio decoder (see app::echoes::probe::sandbox): no
    // runtime, no configuration, just the limits and the file.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(app::echoes::probe::CHILD_SUBCOMMAND) {
        let code = app::echoes::probe::sandbox::run_child(&args[2..]);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    keep_large_allocations_out_of_arenas();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("echoes: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(serve());
    // Whatever is still running after the grace period is abandoned.
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("echoes: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing(config.log_json);
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
    let cleanup = server::spawn_session_cleanup(&state);
    let sweeper = server::spawn_upload_sweeper(&state);
    let app = server::router(state.clone());
    let settings = server::serve::ServeSettings {
        header_timeout: Duration::from_secs(state.config.request_timeout_secs),
        shutdown_grace: Duration::from_secs(state.config.shutdown_grace_secs),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("Echoes is listening on http://{addr}");
    server::serve::serve(listener, app, settings, shutdown_signal()).await;
    cleanup.abort();
    sweeper.abort();
    state.db.close().await;
    tracing::info!("Echoes stopped");
    Ok(())
}

/// Each argon2 hash allocates 19 MiB. glibc's default raises its mmap
/// threshold after such a block is freed, so later ones come from the
/// calling thread's arena and stay there: a crowd of log-ins left ~280 MB
/// resident (scripts/bench/login-flood.sh) though only two hashes ever ran
/// at once. A fixed threshold keeps blocks of 1 MiB and more in their own
/// mappings, returned to the system when freed: ~75 MB under the same crowd.
fn keep_large_allocations_out_of_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
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
