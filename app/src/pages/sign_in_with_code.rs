//! Sign in with a code by email or text message, instead of a password:
//! first where to send it, then the code.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::accounts::sign_in_codes::{sign_in_code_waiting, FinishCodeSignIn, SendSignInCode};
use crate::components::field_error::{FieldError, FormError};
use crate::AuthChanged;

#[component]
pub fn SignInWithCodePage() -> impl IntoView {
    let send = ServerAction::<SendSignInCode>::new();
    let finish = ServerAction::<FinishCodeSignIn>::new();
    expect_context::<AuthChanged>().follow(finish);
    let send_error = Signal::derive(move || send.value().get().and_then(Result::err));
    let finish_error = Signal::derive(move || finish.value().get().and_then(Result::err));
    let waiting = Resource::new(move || (send.version().get(), finish.version().get()), |_| sign_in_code_waiting());
    // Where to come back to once signed in (checked on the server).
    let next = leptos_router::hooks::use_query_map().get_untracked().get("next").filter(|n| !n.is_empty());
    let password_link = crate::accounts::return_to::with_next("/login", next.as_deref());
    let next = StoredValue::new(next);
    let address_form = move |again: bool| {
        let hidden_next = next.get_value().map(|next| view! { <input type="hidden" name="next" value=next/> });
        view! {
            <ActionForm action=send attr:class="stack" attr:novalidate=true>
                <FormError error=send_error/>
                {hidden_next}
                <label for="address">"Email or phone number"</label>
                <input id="address" name="address" autocomplete="username" maxlength="254" required/>
                <FieldError error=send_error field="address"/>
                <p class="muted">"A phone number works once you have added it on your account page."</p>
                <button type="submit" disabled=move || send.pending().get()>
                    {if again { "Send a new code" } else { "Send me a code" }}
                </button>
            </ActionForm>
        }
    };
    view! {
        <Title text="Sign in with a code"/>
        <section class="card narrow">
            <h1>"Sign in with a code"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match waiting.await {
                        Ok(Some(to)) => view! {
                            <p class="notice" role="status" data-testid="code-sent">
                                {format!("If {to} belongs to an account, a six-digit code is on its way. It works for 10 minutes.")}
                            </p>
                            <ActionForm action=finish attr:class="stack" attr:novalidate=true>
                                <FormError error=finish_error/>
                                <label for="code">"Code"</label>
                                <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required autofocus/>
                                <FieldError error=finish_error field="code"/>
                                <button type="submit" disabled=move || finish.pending().get()>"Sign in"</button>
                            </ActionForm>
                            <details>
                                <summary>"No code? Send another"</summary>
                                {address_form(true)}
                            </details>
                        }.into_any(),
                        Ok(None) => view! {
                            <FormError error=finish_error/>
                            {address_form(false)}
                        }.into_any(),
                        Err(err) => super::error_view(err),
                    }
                })}
            </Suspense>
            <p><A href=password_link>"Log in with your password instead"</A></p>
        </section>
    }
}
