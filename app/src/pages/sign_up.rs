//! Sign up: email, password and the name to show. Works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::accounts::SignUp;
use crate::accounts::{DisplayName, Password};
use crate::components::field_error::{FieldError, FormError};
use crate::components::provider_buttons::ProviderButtons;
use crate::error::ErrorCode;
use crate::AuthChanged;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    expect_context::<AuthChanged>().follow(action);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // Where to come back to once signed in (checked on the server).
    let next = leptos_router::hooks::use_query_map().get_untracked().get("next").filter(|n| !n.is_empty());
    let other = crate::accounts::return_to::with_next("/login", next.as_deref());
    let hidden_next = next.clone().map(|next| view! { <input type="hidden" name="next" value=next/> });
    let providers_next = next.clone().unwrap_or_default();
    // What was typed, so "Log in instead?" can carry it over.
    let typed_email = RwSignal::new(String::new());
    // Without JavaScript, the error hands back the email it is about.
    let returned_email = move || error.get().and_then(|e| e.value).map(String::from).unwrap_or_default();
    let log_in_instead = Signal::derive(move || {
        let mut href = crate::accounts::return_to::with_next("/login", next.as_deref());
        let mut email = typed_email.get();
        if email.is_empty() {
            email = returned_email();
        }
        if !email.is_empty() {
            href.push(if href.contains('?') { '&' } else { '?' });
            href.push_str(&format!("email={}", crate::pages::query_escape(&email)));
        }
        href
    });
    let email_taken = move || error.get().is_some_and(|e| e.code == ErrorCode::EmailTaken);
    view! {
        <Title text="Sign up"/>
        <section class="card narrow">
            <h1>"Create your Echoes account"</h1>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormError error/>
                {hidden_next}
                <label for="display_name">"Your name"</label>
                <input id="display_name" name="display_name" autocomplete="nickname" required
                    maxlength=DisplayName::MAX_CHARS.to_string()/>
                <FieldError error field="display_name"/>
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required
                    value=returned_email
                    on:input=move |ev| typed_email.set(event_target_value(&ev))/>
                <Show when=email_taken fallback=move || view! { <FieldError error field="email"/> }>
                    <p class="field-error" id="email-error" role="alert">
                        "An account with this email already exists. " <a href=log_in_instead>"Log in instead?"</a>
                    </p>
                </Show>
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="new-password" required
                    minlength=Password::MIN_CHARS.to_string() maxlength=Password::MAX_CHARS.to_string()
                    aria-describedby="password-hint"/>
                <p class="hint" id="password-hint">{format!("{} to {} characters.", Password::MIN_CHARS, Password::MAX_CHARS)}</p>
                <FieldError error field="password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign up"</button>
            </ActionForm>
            <ProviderButtons next=providers_next/>
            <p>"Already have an account? " <A href=other>"Log in"</A></p>
        </section>
    }
}
