//! The `echoes` command line: `echoes` alone (or `echoes serve`) serves;
//! the other commands are an operator's chores, one file each. Every one
//! has `--help`, and exit codes scripts can rely on: 0 done, 1 failed,
//! 2 wrong usage or configuration, 3 not done: not possible here (the
//! command says how to do it instead) or, for fsck, nothing could be checked.

pub mod backup;
pub mod check_config;
pub mod create_admin;
pub mod fsck;
pub mod migrate;
pub mod restore;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use app::infra::config::Config;
use app::infra::storage::{LocalDisk, S3Storage, Storage};

#[derive(Parser)]
#[command(
    name = "echoes",
    version,
    about = "Echoes: an audio time machine you host yourself.",
    after_help = "Configuration comes from the environment and a .env file (see the README); \
                  `echoes check-config` shows what is in effect.\n\
                  Exit codes: 0 done, 1 failed (fsck: problems remain), 2 wrong usage or configuration, \
                  3 not done (not possible here, and the command says how; fsck: nothing could be checked)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve Echoes (the default).
    Serve,
    /// Apply the database migrations and exit (they also run at start).
    Migrate,
    /// Print the configuration in effect (secrets masked) and check that
    /// the database and the audio store answer.
    CheckConfig,
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
    /// Back up a SQLite instance into a new folder: a consistent copy of
    /// the database and the audio of every echo in it, with checksums.
    /// (With PostgreSQL, prints how to back up with pg_dump; exit code 3.)
    Backup {
        /// The folder to write (created; must be empty).
        dir: PathBuf,
    },
    /// Restore a backup made by `echoes backup` into the configured SQLite
    /// database (which must have no accounts yet) and audio store. Stop the
    /// server first.
    Restore {
        /// The backup's folder.
        dir: PathBuf,
    },
    /// Check that every echo has its audio and every stored object belongs
    /// to an echo; with --repair, remove the objects that belong to none.
    Fsck {
        /// Remove orphaned objects.
        #[arg(long)]
        repair: bool,
        /// Objects written more recently than this may be uploads in
        /// progress, and are left alone (e.g. 30m, 1h; 0s when the server
        /// is stopped).
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        min_age: Duration,
    },
}

/// The audio store the configuration names (without creating an S3 bucket).
pub async fn open_storage(config: &Config) -> anyhow::Result<Storage> {
    Ok(match &config.s3 {
        Some(s3) => Storage::S3(S3Storage::connect(s3).await?),
        None => Storage::Local(LocalDisk::new(&config.audio_storage_path)?),
    })
}

pub fn storage_name(config: &Config) -> String {
    match &config.s3 {
        Some(s3) => format!("S3 bucket {} at {}", s3.bucket, s3.endpoint.as_deref().unwrap_or("AWS")),
        None => format!("local folder {}", config.audio_storage_path.display()),
    }
}
