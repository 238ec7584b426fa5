//! One-shot messages after an action ("Echo deleted."), shown once on the
//! next page and then gone.
//!
//! The message travels in a short-lived cookie that holds only its code, so
//! it works without JavaScript: the server fn or handler that did the work
//! sets it on its response ([`show_next`], [`cookie`]); the next page taken
//! from the server reads it and clears it on the way out. After hydration,
//! pages change in the browser, which reads and clears the same cookie
//! itself. The cookie is not `HttpOnly` for that reason; it carries nothing
//! but the code.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

const COOKIE: &str = "echoes_flash";
/// Long enough to survive a redirect, short enough that a message never
/// turns up on a page visited much later.
#[cfg(feature = "ssr")]
const MAX_AGE_SECS: u32 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flash {
    Uploaded,
    Deleted,
    SignedUp,
    LoggedIn,
    LoggedOut,
}

impl Flash {
    const ALL: [Flash; 5] = [Self::Uploaded, Self::Deleted, Self::SignedUp, Self::LoggedIn, Self::LoggedOut];

    fn code(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Deleted => "deleted",
            Self::SignedUp => "signed-up",
            Self::LoggedIn => "logged-in",
            Self::LoggedOut => "logged-out",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Uploaded => "Echo saved.",
            Self::Deleted => "Echo deleted.",
            Self::SignedUp => "Welcome to Echoes! Your account is ready.",
            Self::LoggedIn => "You are logged in.",
            Self::LoggedOut => "You are logged out. See you soon.",
        }
    }
}

/// The flash among the `Cookie` header's (or `document.cookie`'s) pairs.
fn find(cookies: &str) -> Option<Flash> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Flash::parse(value))
}

fn set_cookie_value(value: &str, max_age: u32, secure: bool) -> String {
    format!("{COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// The `Set-Cookie` value that shows `flash` on the next page, for an
/// axum handler's response.
#[cfg(feature = "ssr")]
pub fn cookie(flash: Flash, config: &crate::infra::config::Config) -> http::HeaderValue {
    let value = set_cookie_value(flash.code(), MAX_AGE_SECS, config.secure_cookies());
    http::HeaderValue::from_str(&value).expect("a cookie of fixed ASCII parts")
}

/// From a server fn: shows `flash` on the page the browser goes to next.
#[cfg(feature = "ssr")]
pub fn show_next(flash: Flash) {
    if let (Some(options), Some(state)) =
        (use_context::<leptos_axum::ResponseOptions>(), use_context::<crate::infra::state::AppState>())
    {
        options.append_header(http::header::SET_COOKIE, cookie(flash, &state.config));
    }
}

/// Reads the flash meant for this page, and clears it so it shows once.
async fn take() -> Option<Flash> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let flash = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(find)?;
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            let secure = use_context::<crate::infra::state::AppState>().is_some_and(|s| s.config.secure_cookies());
            if let Ok(clear) = http::HeaderValue::from_str(&set_cookie_value("", 0, secure)) {
                options.append_header(http::header::SET_COOKIE, clear);
            }
        }
        Some(flash)
    }
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()?;
        let flash = find(&document.cookie().ok()?)?;
        let secure = web_sys::window()?.location().protocol().ok().as_deref() == Some("https:");
        let _ = document.set_cookie(&set_cookie_value("", 0, secure));
        Some(flash)
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    None
}

/// The message, under the header, in a live region that is always on the
/// page so screen readers announce what appears in it.
#[component]
pub fn FlashMessage() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let auth = expect_context::<crate::AuthChanged>();
    // Taken again on every page change (and sign-in or out: logging out
    // from `/` changes no path), in the browser once hydrated. A sign-in
    // changes both the user and the path, one right after the other; the
    // message taken by the first still shows after the second.
    let recent = StoredValue::new(None::<(Flash, f64)>);
    let flash = Resource::new(
        move || (location.pathname.get(), location.search.get(), auth.0.get()),
        move |_| async move {
            let found = take().await;
            #[cfg(feature = "hydrate")]
            {
                let now = js_sys::Date::now();
                match found {
                    Some(flash) => recent.set_value(Some((flash, now))),
                    None => return recent.get_value().filter(|(_, at)| now - at < 1500.0).map(|(flash, _)| flash),
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = recent;
            found
        },
    );
    view! {
        <div class="flash-region" role="status" data-testid="flash">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    flash.await.map(|flash| view! { <p class="flash">{flash.message()}</p> })
                })}
            </Suspense>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_flash_among_other_cookies_and_ignores_unknown_codes() {
        assert_eq!(find("id=abc; echoes_flash=deleted; theme=dark"), Some(Flash::Deleted));
        assert_eq!(find("echoes_flash=logged-out"), Some(Flash::LoggedOut));
        assert_eq!(find("echoes_flash=<script>"), None);
        assert_eq!(find("not_echoes_flash=deleted"), None);
        assert_eq!(find(""), None);
        for flash in Flash::ALL {
            assert_eq!(Flash::parse(flash.code()), Some(flash));
        }
    }
}
