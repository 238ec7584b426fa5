//! Until the email address is confirmed: a banner saying so, with "send
//! again" (limited to once a minute on the server).

use leptos::prelude::*;

use crate::accounts::ResendVerification;
use crate::CurrentUserResource;

#[component]
pub fn VerifyBanner() -> impl IntoView {
    let user = expect_context::<CurrentUserResource>();
    let resend = ServerAction::<ResendVerification>::new();
    let said = move || match resend.value().get() {
        Some(Ok(())) => Some("Sent. Look in your inbox (and the spam folder).".to_owned()),
        Some(Err(err)) => Some(err.message),
        None => None,
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Always an element, so the server's HTML and the hydrated
                // view have the same shape.
                let Ok(Some(me)) = user.await else { return view! { <div hidden></div> }.into_any() };
                if me.email_verified {
                    return view! { <div hidden></div> }.into_any();
                }
                view! {
                    <div class="banner" role="status" data-testid="verify-banner">
                        <span>{format!("Please confirm your email address: we sent a link to {}.", me.email)}</span>
                        " "
                        <ActionForm attr:novalidate=true action=resend attr:class="inline-form">
                            <button type="submit" class="link-button" disabled=move || resend.pending().get()>"Send it again"</button>
                        </ActionForm>
                        {move || said().map(|text| view! { <span class="muted">" " {text}</span> })}
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}
