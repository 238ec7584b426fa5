//! Where the "use this new address" link lands: opening it switches the
//! account to the new address.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::confirm_email_change;
use crate::components::status::set_page_status;
use crate::AuthChanged;

#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    let query = use_query_map();
    let auth = expect_context::<AuthChanged>();
    let result = Resource::new(move || query.get().get("token").unwrap_or_default(), confirm_email_change);
    view! {
        <Title text="Your new email address"/>
        <section class="card narrow">
            <h1>"Your new email address"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(()) => {
                            auth.notify();
                            view! {
                                <p class="notice" role="status" data-testid="email-changed">"Done: your account now uses this address."</p>
                                <p><a class="button" href="/account">"Your account"</a></p>
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
