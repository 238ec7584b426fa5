//! "Forgot your password?": ask for a reset link, then choose a new
//! password with it (`/reset-password?token=…`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::{ForgotPassword, ResetPassword};
use crate::components::field_error::{FieldError, FormError};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Forgot your password?"/>
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            {move || action.value().get().and_then(Result::ok).map(|sent| view! {
                <p class="notice" role="status" data-testid="reset-sent">{sent}</p>
            })}
            <p class="muted">"Enter your account's email address and we'll send you a link to choose a new password."</p>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormError error/>
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="email" required/>
                <FieldError error field="email"/>
                <button type="submit" disabled=move || action.pending().get()>"Send me a link"</button>
            </ActionForm>
            <p><a href="/login">"Back to log in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.get().get("token").unwrap_or_default();
    let action = ServerAction::<ResetPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <FormError error/>
                <input type="hidden" name="token" value=token/>
                <label for="new_password">"New password"</label>
                <input id="new_password" type="password" name="new_password" autocomplete="new-password" minlength="8" required/>
                <FieldError error field="new_password"/>
                <p class="muted">"Saving signs you out everywhere; then log in with the new password."</p>
                <button type="submit" disabled=move || action.pending().get()>"Save the new password"</button>
            </ActionForm>
        </section>
    }
}
