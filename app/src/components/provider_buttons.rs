//! "Continue with …" for each configured sign-in provider (nothing when
//! none is configured). Plain links, left to the browser (`rel="external"`:
//! the router must not try to render `/auth/…` itself).

use leptos::prelude::*;

use crate::accounts::oauth::{sign_in_providers, ProviderButton};

#[component]
pub fn ProviderButtons(
    /// Where to come back to after signing in (see `accounts::return_to`).
    #[prop(optional)]
    next: Option<String>,
) -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    view! {
        <Suspense fallback=|| ()>
            {move || { let next = next.clone(); Suspend::new(async move {
                let list: Vec<ProviderButton> = providers.await.unwrap_or_default();
                if list.is_empty() {
                    // Always an element, so the server's HTML and the
                    // hydrated view have the same shape.
                    return view! { <div hidden></div> }.into_any();
                }
                view! {
                    <div class="providers" data-testid="providers">
                        <p class="muted or">"or"</p>
                        {list.into_iter().map(|p| view! {
                            <a class="button provider" href=crate::accounts::return_to::with_next(&format!("/auth/{}/start", p.id), next.as_deref()) rel="external nofollow">
                                {format!("Continue with {}", p.label)}
                            </a>
                        }).collect_view()}
                    </div>
                }.into_any()
            })}}
        </Suspense>
    }
}
