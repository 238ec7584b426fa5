//! Echoes' application: domain modules (accounts, echoes), the pages and
//! components that show them, and — behind the `ssr` feature — the server
//! side they call into. The `server` crate mounts it on axum; the `frontend`
//! crate hydrates it in the browser.

pub mod accounts;
pub mod components;
pub mod display;
pub mod echoes;
pub mod emotion;
pub mod error;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod infra;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use accounts::{current_user, LogIn, LogOut, SignUp};
use components::nav::Nav;
use pages::{EchoDetailPage, HomePage, LogInPage, MyEchoesPage, NotFoundPage, SignUpPage, UploadPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
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

/// The account actions, shared so the header can follow sign-in changes.
#[derive(Clone, Copy)]
pub struct AccountActions {
    pub log_in: ServerAction<LogIn>,
    pub sign_up: ServerAction<SignUp>,
    pub log_out: ServerAction<LogOut>,
}

/// The signed-in user, refetched whenever an account action completes.
pub type CurrentUserResource = Resource<Result<Option<accounts::User>, error::AppError>>;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let actions = AccountActions {
        log_in: ServerAction::<LogIn>::new(),
        sign_up: ServerAction::<SignUp>::new(),
        log_out: ServerAction::<LogOut>::new(),
    };
    let user: CurrentUserResource = Resource::new(
        move || (actions.log_in.version().get(), actions.sign_up.version().get(), actions.log_out.version().get()),
        |_| current_user(),
    );
    provide_context(actions);
    provide_context(user);

    view! {
        <Stylesheet id="leptos" href="/pkg/echoes.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Echoes".to_owned() } else { format!("{text} · Echoes") }/>
        <Router>
            <Nav/>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LogInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/echoes") view=MyEchoesPage ssr=SsrMode::Async/>
                    <Route path=path!("/upload") view=UploadPage ssr=SsrMode::Async/>
                    <Route path=path!("/echoes/:id") view=EchoDetailPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
