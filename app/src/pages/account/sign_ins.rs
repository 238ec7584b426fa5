//! How the account signs in: its password (change it, or set one), the
//! providers linked to it (unlink), and those it could link.

use leptos::prelude::*;

use super::super::error_view;
use crate::accounts::{ChangePassword, SignInMethods, UnlinkSignIn};
use crate::components::field_error::{FieldError, FormError};
use crate::display::format_moment;

pub type MethodsResource = Resource<Result<SignInMethods, crate::error::AppError>>;

#[component]
pub fn SignIns(
    methods: MethodsResource,
    unlink: ServerAction<UnlinkSignIn>,
    password: ServerAction<ChangePassword>,
) -> impl IntoView {
    let unlink_error = Signal::derive(move || unlink.value().get().and_then(Result::err));
    view! {
        <section class="card" id="sign-in">
            <h2>"How you sign in"</h2>
            <FormError error=unlink_error/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match methods.await {
                        Ok(m) => view! {
                            <ul class="token-list" data-testid="linked-sign-ins">
                                <li class="token-item">
                                    <strong>"Password"</strong> " "
                                    <span class="muted">{if m.has_password { "set" } else { "not set" }}</span>
                                </li>
                                {m.linked.into_iter().map(|l| view! {
                                    <li class="token-item" data-testid="linked-sign-in">
                                        <strong>{l.provider_label.clone()}</strong> " "
                                        <span class="muted">{format!("{} · linked {}", l.email.clone().unwrap_or_default(), format_moment(l.linked_at))}</span>
                                        <ActionForm attr:novalidate=true action=unlink attr:class="inline-form">
                                            <input type="hidden" name="provider" value=l.provider.clone()/>
                                            <input type="hidden" name="subject" value=l.subject.clone()/>
                                            <button type="submit" class="link-button">{format!("Unlink {}", l.provider_label)}</button>
                                        </ActionForm>
                                    </li>
                                }).collect_view()}
                            </ul>
                            {(!m.linkable.is_empty()).then(|| view! {
                                <p class="providers">
                                    {m.linkable.into_iter().map(|p| view! {
                                        <a class="button provider" href=format!("/auth/{}/start?intent=link", p.id) rel="external">
                                            {format!("Link {}", p.label)}
                                        </a>
                                    }).collect_view()}
                                </p>
                            })}
                            <PasswordForm password has_password=m.has_password/>
                        }.into_any(),
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PasswordForm(password: ServerAction<ChangePassword>, has_password: bool) -> impl IntoView {
    let error = Signal::derive(move || password.value().get().and_then(Result::err));
    let done = move || matches!(password.value().get(), Some(Ok(())));
    view! {
        <h3 id="password">{if has_password { "Change your password" } else { "Set a password" }}</h3>
        <Show when=done>
            <p class="notice" role="status">"Password saved. Your other sessions were signed out."</p>
        </Show>
        <ActionForm action=password attr:class="stack" attr:novalidate=true>
            <FormError error/>
            {has_password.then(|| view! {
                <label for="current_password">"Current password"</label>
                <input id="current_password" type="password" name="current_password" autocomplete="current-password" required/>
                <FieldError error field="current_password"/>
            })}
            <label for="new_password">"New password"</label>
            <input id="new_password" type="password" name="new_password" autocomplete="new-password" minlength="8" required/>
            <FieldError error field="new_password"/>
            <p class="muted">"Saving signs out your other sessions."</p>
            <button type="submit" disabled=move || password.pending().get()>
                {if has_password { "Change password" } else { "Set password" }}
            </button>
        </ActionForm>
    }
}
