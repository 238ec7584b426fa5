//! Where the "confirm your address" link lands: opening it confirms.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::verify_email;
use crate::components::status::set_page_status;
use crate::AuthChanged;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let auth = expect_context::<AuthChanged>();
    let result = Resource::new(move || query.get().get("token").unwrap_or_default(), verify_email);
    view! {
        <Title text="Confirm your email"/>
        <section class="card narrow">
            <h1>"Confirm your email"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(()) => {
                            auth.notify();
                            view! {
                                <p class="notice" role="status" data-testid="email-verified">"Thank you: your email address is confirmed."</p>
                                <p><a class="button" href="/echoes">"Go to your echoes"</a></p>
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
