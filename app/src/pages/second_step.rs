//! The second step of a sign-in, for accounts with two-step sign-in on:
//! the code from the authenticator app, or a recovery code.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::accounts::two_factor::{second_step_waiting, FinishTwoFactor};
use crate::components::field_error::{FieldError, FormError};
use crate::AuthChanged;

#[component]
pub fn SecondStepPage() -> impl IntoView {
    let action = ServerAction::<FinishTwoFactor>::new();
    expect_context::<AuthChanged>().follow(action);
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let waiting = Resource::new(|| (), |_| second_step_waiting());
    view! {
        <Title text="Two-step sign-in"/>
        <section class="card narrow">
            <h1>"Two-step sign-in"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match waiting.await {
                        Ok(true) => view! {
                            <p>"Enter the code your authenticator app shows for Echoes."</p>
                            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                                <FormError error/>
                                <label for="code">"Code"</label>
                                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
                                    maxlength="64" aria-describedby="code-hint" required autofocus/>
                                <p class="muted" id="code-hint">"Lost your phone? Enter one of your recovery codes instead."</p>
                                <FieldError error field="code"/>
                                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(false) => view! {
                            <p class="form-error" role="alert">"No sign-in is waiting for a code, or it has timed out."</p>
                            <p><A href="/login">"Log in again"</A></p>
                        }.into_any(),
                        Err(err) => super::error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}
