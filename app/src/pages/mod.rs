//! One file per page.

mod account;
mod admin;
mod change_email;
mod echo_detail;
mod forgot_password;
mod home;
pub mod lazy;
mod log_in;
mod my_echoes;
mod not_found;
mod record;
mod second_step;
mod sign_in_failed;
mod sign_in_with_code;
mod sign_up;
mod upload;
mod verify_email;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use change_email::ChangeEmailPage;
pub use echo_detail::EchoDetailPage;
pub use forgot_password::{ForgotPasswordPage, ResetPasswordPage};
pub use home::HomePage;
pub use log_in::LogInPage;
pub use my_echoes::MyEchoesPage;
pub use not_found::NotFoundPage;
pub use record::RecordPage;
pub use second_step::SecondStepPage;
pub use sign_in_failed::SignInFailedPage;
pub use sign_in_with_code::SignInWithCodePage;
pub use sign_up::SignUpPage;
pub use upload::UploadPage;
pub use verify_email::VerifyEmailPage;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::error::{AppError, ErrorCode};

/// What a page shows when its data could not be loaded: people who are not
/// signed in are sent to log in (and brought back after); anything else is explained, with the
/// error's HTTP status.
pub(crate) fn error_view(err: AppError) -> AnyView {
    if err.code == ErrorCode::Unauthenticated {
        // Back here once signed in.
        let location = leptos_router::hooks::use_location();
        let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        return view! { <Redirect path=crate::accounts::return_to::log_in_then(&here)/> }.into_any();
    }
    crate::components::status::set_page_status(&err);
    view! { <p class="form-error" role="alert">{err.message}</p> }.into_any()
}

/// Percent-encodes text for a query string value.
pub(crate) fn query_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
