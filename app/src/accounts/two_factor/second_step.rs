//! The second step of a sign-in. With two-step sign-in on, proving the
//! password (or a provider's answer) does not sign in: the session only
//! remembers, for ten minutes, who is half-way, and [`PAGE`] asks for a
//! code from the authenticator app or a recovery code. Five wrong codes
//! end the attempt, and wrong codes count against the account like failed
//! log-ins, whichever way they come in (this page, the API log-in, the
//! account page's "turn off").

use leptos::prelude::*;

use crate::error::AppError;

/// Where the second step is asked for.
pub const PAGE: &str = "/login/two-factor";

#[cfg(feature = "ssr")]
mod rules {
    use serde::{Deserialize, Serialize};
    use tower_sessions::Session;
    use uuid::Uuid;

    use super::super::{authenticator, recovery_codes};
    use crate::accounts::{session, throttle};
    use crate::error::{AppError, ErrorCode};
    use crate::infra::db::now_millis;
    use crate::infra::state::AppState;

    pub(super) const PENDING: &str = "second_step";
    pub(super) const PENDING_FOR_MS: i64 = 10 * 60 * 1000;
    pub(super) const TRIES: u32 = 5;

    /// Who is half-way through signing in, and where they were going.
    #[derive(Serialize, Deserialize)]
    pub(super) struct Pending {
        pub user_id: Uuid,
        pub since: i64,
        pub tries: u32,
        pub next: String,
    }

    /// The first step (password or provider) proved who this is: signs
    /// them in, or — with two-step sign-in on — remembers them as
    /// half-way. Returns where to send the browser.
    pub async fn after_first_step(
        state: &AppState,
        session: &Session,
        user_id: Uuid,
        user_agent: Option<&str>,
        next: &str,
    ) -> Result<String, AppError> {
        if !authenticator::is_on(&state.db, user_id).await? {
            session::start(session, user_id, user_agent).await?;
            crate::flash::show_next(crate::flash::Flash::LoggedIn);
            return Ok(next.to_owned());
        }
        let store = |e| AppError::unavailable("session store", e);
        // Whatever the session held before is dropped, as at a sign-in.
        session.cycle_id().await.map_err(store)?;
        session.clear().await;
        let pending = Pending { user_id, since: now_millis(), tries: 0, next: next.to_owned() };
        session.insert(PENDING, pending).await.map_err(store)?;
        tracing::info!(%user_id, "first step passed; asking for the second");
        Ok(super::PAGE.to_owned())
    }

    /// What a right code was.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Used {
        App,
        RecoveryCode { left: u32 },
    }

    pub fn wrong_code() -> AppError {
        AppError::on_field(
            ErrorCode::InvalidCode,
            "code",
            "That code is not right, or was used already. Enter the newest code from your app, or a recovery code.",
        )
    }

    /// Checks a code from the authenticator app (six digits) or a recovery
    /// code against `user_id`'s, throttled: each code works once.
    pub async fn check(state: &AppState, user_id: Uuid, code: &str) -> Result<Used, AppError> {
        throttle::check_codes(&state.db, user_id).await?;
        let factor = authenticator::find(&state.db, user_id).await?.filter(|f| f.enabled_at.is_some());
        let used = match factor {
            None => None,
            Some(factor) if authenticator::as_code(code).is_some() => {
                authenticator::accept(&state.db, user_id, &factor, code).await?.then_some(Used::App)
            }
            Some(_) => match recovery_codes::use_one(&state.db, user_id, code).await? {
                true => Some(Used::RecoveryCode { left: recovery_codes::left(&state.db, user_id).await? }),
                false => None,
            },
        };
        match used {
            Some(used) => {
                if let Used::RecoveryCode { left } = used {
                    tracing::info!(%user_id, left, "recovery code used");
                }
                Ok(used)
            }
            None => {
                let hold_back = throttle::failed_code(&state.db, &state.config.limits, user_id).await?;
                tokio::time::sleep(hold_back).await;
                Err(wrong_code())
            }
        }
    }

    /// The API log-in's second step: the code comes with the password, as
    /// `two_factor_code`; without it the answer says one is needed.
    pub async fn for_api_log_in(state: &AppState, user_id: Uuid, code: Option<&str>) -> Result<(), AppError> {
        if !authenticator::is_on(&state.db, user_id).await? {
            return Ok(());
        }
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Err(AppError::on_field(
                ErrorCode::TwoFactorRequired,
                "two_factor_code",
                "This account has two-step sign-in: send the code from its authenticator app, or a recovery code, as two_factor_code.",
            ));
        };
        check(state, user_id, code).await.map(|_| ()).map_err(|e| e.on("two_factor_code"))
    }
}

#[cfg(feature = "ssr")]
pub use rules::{after_first_step, check, for_api_log_in, wrong_code, Used};

/// Whether a sign-in is waiting for its second step in this session.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/waiting")]
pub async fn second_step_waiting() -> Result<bool, AppError> {
    use rules::*;
    let session = crate::accounts::session::request_session().await?;
    let pending = session.get::<Pending>(PENDING).await.map_err(|e| AppError::unavailable("session store", e))?;
    Ok(pending.is_some_and(|p| crate::infra::db::now_millis() - p.since < PENDING_FOR_MS))
}

/// The second step: a code from the app or a recovery code finishes the
/// sign-in that is waiting in this session.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/finish")]
pub async fn finish_two_factor(code: String) -> Result<(), AppError> {
    use crate::accounts::{session, users};
    use crate::error::ErrorCode;
    use rules::*;

    let state = crate::infra::state::app_state();
    let session = session::request_session().await?;
    let store = |e| AppError::unavailable("session store", e);
    let timed_out = || AppError::new(ErrorCode::Unauthenticated, "Your sign-in has timed out. Log in again.");
    let Some(mut pending) = session.get::<Pending>(PENDING).await.map_err(store)? else {
        return Err(timed_out());
    };
    if crate::infra::db::now_millis() - pending.since >= PENDING_FOR_MS {
        session.remove_value(PENDING).await.map_err(store)?;
        return Err(timed_out());
    }
    if code.trim().is_empty() {
        return Err(AppError::invalid("code", "Enter the code from your authenticator app, or a recovery code."));
    }
    match check(&state, pending.user_id, &code).await {
        Ok(_) => {
            match users::find_by_id(&state.db, pending.user_id).await? {
                Some(account) if !account.disabled => {}
                Some(_) => {
                    session.remove_value(PENDING).await.map_err(store)?;
                    return Err(AppError::account_disabled());
                }
                None => {
                    session.remove_value(PENDING).await.map_err(store)?;
                    return Err(timed_out());
                }
            }
            session::start(&session, pending.user_id, session::request_user_agent().as_deref()).await?;
            crate::flash::show_next(crate::flash::Flash::LoggedIn);
            tracing::info!(user_id = %pending.user_id, "logged in with two steps");
            leptos_axum::redirect(&pending.next);
            Ok(())
        }
        Err(err) if err.code == ErrorCode::InvalidCode => {
            pending.tries += 1;
            if pending.tries >= TRIES {
                session.remove_value(PENDING).await.map_err(store)?;
                return Err(AppError::on_field(ErrorCode::InvalidCode, "code", "Too many wrong codes. Log in again."));
            }
            session.insert(PENDING, pending).await.map_err(store)?;
            Err(err)
        }
        Err(err) => Err(err),
    }
}
