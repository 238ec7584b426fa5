//! Echoes' application: domain modules (accounts, echoes), the pages and
//! components that show them, and — behind the `ssr` feature — the server
//! side they call into. The `server` crate mounts it on axum; the `frontend`
//! crate hydrates it in the browser.

pub mod accounts;
pub mod admin;
#[cfg(feature = "hydrate")]
pub mod browser;
pub mod components;
pub mod display;
pub mod echoes;
pub mod emotion;
pub mod error;
pub mod flash;
pub mod local_time;
pub mod pages;
pub mod paging;

#[cfg(feature = "ssr")]
pub mod infra;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use accounts::me;
use components::nav::Nav;
use pages::lazy::{
    AccountRoute, AdminRoute, ChangeEmailRoute, EchoDetailRoute, ForgotPasswordRoute, LogInRoute, MyEchoesRoute,
    RecordRoute, ResetPasswordRoute, SecondStepRoute, SignInFailedRoute, SignInWithCodeRoute, SignUpRoute, UploadRoute,
    VerifyEmailRoute,
};
use pages::{HomePage, NotFoundPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    infra::security_headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Echoes is an audio time machine: record or upload a moment, tag it with the emotion it carries, and come back to it later."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Before the first paint: scripts run, so pages lay out for
                // the hydrated app from the start (see `.js` in the CSS).
                <script nonce=leptos::nonce::use_nonce()>"document.documentElement.classList.add('js')"</script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Bumped whenever someone signs in or out, so the signed-in user is
/// fetched again. (Each form owns its own action: Leptos hands a no-JS
/// form's error back only to actions created inside `<Routes>`.)
#[derive(Clone, Copy)]
pub struct AuthChanged(pub RwSignal<u32>);

impl AuthChanged {
    pub fn notify(self) {
        self.0.update(|n| *n += 1);
    }

    /// Notifies once each time `action` succeeds.
    pub fn follow<S>(self, action: ServerAction<S>)
    where
        S: leptos::server_fn::ServerFn<Output = (), Error = error::AppError> + Clone + Send + Sync + 'static,
    {
        Effect::new(move |_| {
            if let Some(Ok(())) = action.value().get() {
                self.notify();
            }
        });
    }
}

/// The signed-in user, fetched again whenever [`AuthChanged`] says so.
pub type CurrentUserResource = Resource<Result<Option<accounts::User>, error::AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth_changed = AuthChanged(RwSignal::new(0));
    let user: CurrentUserResource = Resource::new(move || auth_changed.0.get(), |_| me());
    provide_context(auth_changed);
    provide_context(user);

    view! {
        <Stylesheet id="leptos" href="/pkg/echoes.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Echoes".to_owned() } else { format!("{text} · Echoes") }/>
        <Router>
            <Nav/>
            <local_time::DetectTimeZone/>
            <main id="main">
                <components::verify_banner::VerifyBanner/>
                <flash::FlashMessage/>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LogInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/code") view={Lazy::<SignInWithCodeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/two-factor") view={Lazy::<SecondStepRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/echoes") view={Lazy::<MyEchoesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/upload") view={Lazy::<UploadRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/record") view={Lazy::<RecordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/echoes/:id") view={Lazy::<EchoDetailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/auth/failed") view={Lazy::<SignInFailedRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/change-email") view={Lazy::<ChangeEmailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
