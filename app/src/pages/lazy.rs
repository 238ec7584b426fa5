//! Pages the first download leaves out. The home page, the navigation and
//! what every page shows ship in the main WASM module; the other pages come
//! in four chunks, fetched when a route first needs one (cargo-leptos
//! `--split`, wasm-split underneath):
//!
//! - `sign_in_pages`: logging in, signing up, codes, resets, e-mail changes;
//! - `listening_pages`: the list of echoes and the player;
//! - `capture_pages`: recording and uploading;
//! - `settings_pages`: the account and the admin pages.
//!
//! One chunk per group rather than per page: a page costs one request for
//! its group, and pages of a group share most of their code anyway.
//!
//! Hydration waits for the route's chunk (`LazyRoute::preload`, awaited by
//! `hydrate_from_async` in the frontend crate), so a server-rendered page
//! hydrates exactly as an eager one would. On the server the groups are
//! ordinary async functions, and the page's HTML names its chunk for the
//! browser to preload.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{
    AccountPage, AdminPage, ChangeEmailPage, EchoDetailPage, ForgotPasswordPage, LogInPage, MyEchoesPage, RecordPage,
    ResetPasswordPage, SecondStepPage, SignInFailedPage, SignInWithCodePage, SignUpPage, UploadPage, VerifyEmailPage,
};

/// One group: an enum naming its pages, the lazily loaded function that
/// renders them, and a route type per page for `<Route view=...>`.
macro_rules! page_group {
    ($group:ident, $preload:ident, $pages:ident { $($route:ident: $page:ident => $component:ident),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug)]
        enum $pages {
            $($page),+
        }

        #[leptos::lazy]
        fn $group(page: $pages) -> AnyView {
            match page {
                $($pages::$page => view! { <$component/> }.into_any()),+
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($component), "`], loaded with the `", stringify!($group), "` chunk.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_: Self) -> AnyView {
                    $group($pages::$page).await
                }

                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )+
    };
}

page_group!(sign_in_pages, __preload_sign_in_pages, SignInPages {
    LogInRoute: LogIn => LogInPage,
    SignInWithCodeRoute: WithCode => SignInWithCodePage,
    SecondStepRoute: SecondStep => SecondStepPage,
    SignUpRoute: SignUp => SignUpPage,
    ForgotPasswordRoute: Forgot => ForgotPasswordPage,
    ResetPasswordRoute: Reset => ResetPasswordPage,
    VerifyEmailRoute: VerifyEmail => VerifyEmailPage,
    ChangeEmailRoute: ChangeEmail => ChangeEmailPage,
    SignInFailedRoute: Failed => SignInFailedPage,
});

page_group!(listening_pages, __preload_listening_pages, ListeningPages {
    MyEchoesRoute: MyEchoes => MyEchoesPage,
    EchoDetailRoute: EchoDetail => EchoDetailPage,
});

page_group!(capture_pages, __preload_capture_pages, CapturePages {
    UploadRoute: Upload => UploadPage,
    RecordRoute: Record => RecordPage,
});

page_group!(settings_pages, __preload_settings_pages, SettingsPages {
    AccountRoute: Account => AccountPage,
    AdminRoute: Admin => AdminPage,
});
