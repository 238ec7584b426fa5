//! Log out: the session is deleted on the server.

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "accounts/log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use super::session;
    use crate::error::server_fn_result;

    server_fn_result(async move {
        session::end(&session::request_session().await?).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}
