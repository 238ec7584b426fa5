//! Where a mailed link lands ("confirm your address", "use this new
//! address"): opening the page uses the link's token once, then says how
//! it went, with the link's own status on failure.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::status::set_page_status;
use crate::error::AppError;
use crate::AuthChanged;

#[component]
pub fn MailedLink<F, Fut>(
    title: &'static str,
    /// The server function that uses the token.
    use_token: F,
    /// What it did, and where to go next (label, path).
    done: &'static str,
    done_test_id: &'static str,
    next: (&'static str, &'static str),
) -> impl IntoView
where
    F: Fn(String) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<(), AppError>> + Send + 'static,
{
    let query = use_query_map();
    let auth = expect_context::<AuthChanged>();
    let result = Resource::new(move || query.get().get("token").unwrap_or_default(), use_token);
    view! {
        <Title text=title/>
        <section class="card narrow">
            <h1>{title}</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(()) => {
                            auth.notify();
                            view! {
                                <p class="notice" role="status" data-testid=done_test_id>{done}</p>
                                <p><a class="button" href=next.1>{next.0}</a></p>
                            }.into_any()
                        }
                        Err(err) => {
                            set_page_status(&err);
                            view! {
                                <p class="form-error" role="alert">{err.message}</p>
                                <p><a href="/account">"Your account"</a></p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
