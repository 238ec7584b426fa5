//! `echoes create-admin`: makes an account an administrator, creating it
//! (with a password from stdin, or a random one printed once) when there is
//! none with this email.

use std::io::BufRead;
use std::process::ExitCode;

use app::accounts::{DisplayName, Email, Password};
use app::admin::create_admin::{create_admin, AdminMade};
use app::infra::config::Config;

pub async fn run(config: &Config, email: &str, name: &str, password_stdin: bool) -> ExitCode {
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
