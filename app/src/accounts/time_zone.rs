//! The time zone times are shown in: taken from the browser on the first
//! visit ([`detect_time_zone`], which never overrides a choice), or chosen
//! on the account page ([`change_time_zone`]).

use leptos::prelude::*;

use crate::error::AppError;

/// Saves `zone` for the caller; with `only_if_unset`, only when none is
/// kept yet. Whether it was saved.
#[cfg(feature = "ssr")]
pub async fn save(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    zone: &crate::local_time::TimeZone,
    only_if_unset: bool,
) -> Result<bool, AppError> {
    caller.require_write()?;
    let changed = super::users::set_time_zone(&state.db, caller.id(), zone.name(), only_if_unset).await?;
    state.recent.forget_account(caller.id());
    Ok(changed)
}

/// The browser's own zone, kept if the account has none yet.
#[server(prefix = "/_fn", endpoint = "accounts/detect_time_zone")]
pub async fn detect_time_zone(time_zone: String) -> Result<bool, AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let zone = crate::local_time::TimeZone::parse(&time_zone)?;
    save(&crate::infra::state::app_state(), &caller, &zone, true).await
}

/// The zone the person chose on the account page.
#[server(prefix = "/_fn", endpoint = "accounts/time_zone")]
pub async fn change_time_zone(time_zone: String) -> Result<(), AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let zone = crate::local_time::TimeZone::parse(&time_zone)?;
    save(&crate::infra::state::app_state(), &caller, &zone, false).await?;
    Ok(())
}

/// Every zone there is to choose from, for the account page's list.
#[server(prefix = "/_fn", endpoint = "accounts/time_zones")]
pub async fn time_zones() -> Result<Vec<String>, AppError> {
    Ok(crate::local_time::TimeZone::all())
}
