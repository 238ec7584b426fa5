//! Where a provider sign-in ends when it did not work: what happened, in
//! plain words, with the page's status, and a way back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::accounts::oauth::sign_in_failure;
use crate::components::status::set_page_status_code;

#[component]
pub fn SignInFailedPage() -> impl IntoView {
    let query = use_query_map();
    let notice = Resource::new(
        move || {
            let q = query.get();
            (q.get("reason").unwrap_or_default(), q.get("provider").unwrap_or_default())
        },
        |(reason, provider)| sign_in_failure(reason, provider),
    );
    view! {
        <Title text="Not signed in"/>
        <section class="card narrow">
            <h1>"That did not work"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match notice.await {
                        Ok(notice) => {
                            set_page_status_code(notice.status);
                            let back = if notice.back_to_account {
                                view! { <a class="button" href="/account">"Back to your account"</a> }.into_any()
                            } else {
                                view! {
                                    <a class="button" href="/login">"Back to log in"</a> " "
                                    <a href="/signup">"Sign up with a password"</a>
                                }.into_any()
                            };
                            view! {
                                <p class="form-error" role="alert" data-testid="sign-in-failure">{notice.message}</p>
                                <p>{back}</p>
                            }.into_any()
                        }
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}
