//! Log out: the session is deleted on the server.

use leptos::prelude::*;

use crate::error::AppError;

#[server(prefix = "/_fn", endpoint = "accounts/log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use super::session;

    session::end(&session::request_session().await?).await?;
    crate::flash::show_next(crate::flash::Flash::LoggedOut);
    leptos_axum::redirect("/");
    Ok(())
}
