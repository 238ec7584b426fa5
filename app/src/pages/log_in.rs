//! Log in. An ActionForm: a plain form post before the WASM loads, a
//! server-function call after; errors appear next to their field either way.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::accounts::LogIn;
use crate::components::field_error::{FieldError, FormError};
use crate::components::provider_buttons::ProviderButtons;
use crate::AuthChanged;

#[component]
pub fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    expect_context::<AuthChanged>().follow(action);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // Where to come back to once signed in (checked on the server).
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let next = query.get("next").filter(|n| !n.is_empty());
    // Carried over from "Log in instead?" on the sign-up page.
    let email = query.get("email").unwrap_or_default();
    let other = crate::accounts::return_to::with_next("/signup", next.as_deref());
    let with_code = crate::accounts::return_to::with_next("/login/code", next.as_deref());
    let hidden_next = next.clone().map(|next| view! { <input type="hidden" name="next" value=next/> });
    let providers_next = next.unwrap_or_default();
    view! {
        <Title text="Log in"/>
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormError error/>
                {hidden_next}
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required value=email/>
                <FieldError error field="email"/>
                <label for="password">"Password"</label>
                <input id="password" type="password" name="password" autocomplete="current-password" required/>
                <FieldError error field="password"/>
                <button type="submit" disabled=move || action.pending().get()>"Log in"</button>
            </ActionForm>
            <p><A href="/forgot-password">"Forgot your password?"</A>" · "<A href=with_code>"Sign in with a code instead"</A></p>
            <ProviderButtons next=providers_next/>
            <p>"New here? " <A href=other>"Create an account"</A></p>
        </section>
    }
}
