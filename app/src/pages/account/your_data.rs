//! Taking your echoes with you (the ZIP export), and deleting the account.

use leptos::prelude::*;

use super::sign_ins::MethodsResource;
use crate::accounts::DeleteMyAccount;
use crate::components::field_error::{FieldError, FormError};

#[component]
pub fn YourData(methods: MethodsResource, delete: ServerAction<DeleteMyAccount>) -> impl IntoView {
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <section class="card" id="export">
            <h2>"Take your echoes with you"</h2>
            <p class="muted">"One ZIP file: every recording as it was uploaded, and echoes.json with emotions, tags, notes, times and places."</p>
            <a class="button" href="/account/export" download rel="nofollow">"Download everything"</a>
        </section>
        <section class="card danger" id="delete">
            <h2>"Delete your account"</h2>
            <p>"This deletes every echo and recording, your sign-ins and sessions, for good. Download them first if you want to keep them."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let Ok(m) = methods.await else { return view! { <div hidden></div> }.into_any() };
                    view! {
                        <ActionForm action=delete attr:class="stack" attr:novalidate=true>
                            <FormError error/>
                            {m.has_password.then(|| view! {
                                <label for="delete-password">"Your password"</label>
                                <input id="delete-password" type="password" name="password" autocomplete="current-password"/>
                            })}
                            <FieldError error field="password"/>
                            {(!m.linked.is_empty()).then(|| view! {
                                <p class="muted">
                                    {if m.has_password { "Or confirm it's you with " } else { "First confirm it's you with " }}
                                    {m.linked.iter().map(|l| view! {
                                        <a href=format!("/auth/{}/start?intent=confirm", l.provider) rel="external">{l.provider_label.clone()}</a> " "
                                    }).collect_view()}
                                </p>
                            })}
                            <button type="submit" class="danger" disabled=move || delete.pending().get()>"Delete my account"</button>
                        </ActionForm>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
