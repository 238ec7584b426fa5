//! The account page: the name others see; how you sign in (password,
//! linked providers); two-step sign-in; the phone number for
//! sign-in codes; where you are signed in; personal access tokens for
//! scripts — made here (the secret is shown once), listed, revoked; your
//! data to take with you; and deleting the account. Server-rendered forms
//! throughout, so all of it works without JavaScript.

mod devices;
mod phone;
mod sign_ins;
mod time_zone;
mod two_factor;
mod your_data;

use leptos::prelude::*;
use leptos_meta::Title;

use super::error_view;
use crate::accounts::{
    list_devices, list_personal_tokens, list_sign_in_methods, ChangePassword, CreatePersonalToken, DeleteMyAccount,
    EndSessions, PersonalToken, RevokePersonalToken, UnlinkSignIn, UpdateDisplayName,
};
use crate::components::field_error::{FieldError, FormError};
use crate::display::format_moment;
use crate::{AuthChanged, CurrentUserResource};

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = expect_context::<CurrentUserResource>();
    let rename = ServerAction::<UpdateDisplayName>::new();
    let auth = expect_context::<AuthChanged>();
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            auth.notify();
        }
    });
    let rename_error = Signal::derive(move || rename.value().get().and_then(Result::err));
    // Resources are made here, outside the Suspend below: one made inside
    // another's Suspend is made twice during server rendering.
    let create = ServerAction::<CreatePersonalToken>::new();
    let revoke = ServerAction::<RevokePersonalToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_personal_tokens());
    let unlink = ServerAction::<UnlinkSignIn>::new();
    let password = ServerAction::<ChangePassword>::new();
    let methods = Resource::new(move || (unlink.version().get(), password.version().get()), |_| list_sign_in_methods());
    let second_step = two_factor::TwoFactorActions::new();
    let second_step_status =
        Resource::new(move || second_step.version(), |_| crate::accounts::two_factor::two_factor_status());
    let phone_actions = phone::PhoneActions::new();
    let phone_status = Resource::new(move || phone_actions.version(), |_| crate::accounts::sign_in_codes::phone_status());
    let end = ServerAction::<EndSessions>::new();
    let devices = Resource::new(move || (end.version().get(), password.version().get()), |_| list_devices());
    let change_email = ServerAction::<crate::accounts::ChangeEmail>::new();
    let delete = ServerAction::<DeleteMyAccount>::new();
    auth.follow(delete);
    let change_zone = ServerAction::<crate::accounts::ChangeTimeZone>::new();
    auth.follow(change_zone);
    let zones = Resource::new(|| (), |_| crate::accounts::time_zones());
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(me)) => {
                        // Times on this page are the person's local time.
                        provide_context(crate::local_time::TimeZone::of(Some(&me)));
                        view! {
                        <section class="card">
                            <h2>"Profile"</h2>
                            <p class="muted">{format!("Signed in as {}", me.email)}</p>
                            <ActionForm attr:novalidate=true action=rename attr:class="stack">
                                <FormError error=rename_error/>
                                <label for="display_name">"Name shown in Echoes"</label>
                                <input id="display_name" name="display_name" value=me.display_name.clone() maxlength="60" required/>
                                <FieldError error=rename_error field="display_name"/>
                                <button type="submit">"Save"</button>
                            </ActionForm>
                            <EmailForm change_email methods/>
                            <time_zone::TimeZoneForm current=me.time_zone.clone() zones=zones action=change_zone/>
                        </section>
                        <sign_ins::SignIns methods unlink password/>
                        <two_factor::TwoFactor status=second_step_status actions=second_step/>
                        <phone::Phone status=phone_status actions=phone_actions/>
                        <devices::Devices devices end/>
                        <Tokens create revoke tokens/>
                        <your_data::YourData methods delete/>
                    }.into_any()
                    }
                    Ok(None) => error_view(crate::error::AppError::unauthenticated()),
                    Err(err) => error_view(err),
                }
            })}
        </Suspense>
    }
}

type TokensResource = Resource<Result<Vec<PersonalToken>, crate::error::AppError>>;

#[component]
fn Tokens(
    create: ServerAction<CreatePersonalToken>,
    revoke: ServerAction<RevokePersonalToken>,
    tokens: TokensResource,
) -> impl IntoView {
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <section class="card">
            <h2>"Personal access tokens"</h2>
            <p class="muted">
                "For scripts and apps: send " <code>"Authorization: Bearer <token>"</code>
                " to the API (see " <a href="/docs">"the API documentation"</a> ")."
            </p>
            {move || create.value().get().and_then(Result::ok).map(|made| view! {
                <div class="notice" role="status" data-testid="new-token">
                    <p>{format!("Your new token “{}”. Copy it now: it will not be shown again.", made.token.name)}</p>
                    <code class="secret" data-testid="token-secret">{made.secret}</code>
                </div>
            })}
            <ActionForm attr:novalidate=true action=create attr:class="stack">
                <FormError error=create_error/>
                <label for="token-name">"What will use it"</label>
                <input id="token-name" name="name" maxlength="60" placeholder="Backup script" required/>
                <FieldError error=create_error field="name"/>
                <fieldset class="mode">
                    <legend>"It may"</legend>
                    <label><input type="radio" name="scope" value="read" checked/> " look and download (read)"</label>
                    <label><input type="radio" name="scope" value="write"/> " do everything I can (write)"</label>
                </fieldset>
                <button type="submit">"Make a token"</button>
            </ActionForm>
            <FormError error=revoke_error/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="token-list" data-testid="token-list">
                                {list.into_iter().map(|token| view! { <TokenRow token revoke/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TokenRow(token: PersonalToken, revoke: ServerAction<RevokePersonalToken>) -> impl IntoView {
    let used = match token.last_used_at {
        Some(at) => format!("last used {}", format_moment(at)),
        None => "never used".to_owned(),
    };
    view! {
        <li class="token-item">
            <strong>{token.name.clone()}</strong> " "
            <span class="badge">{token.scope.as_str()}</span>
            <span class="muted">{format!(" made {} · {used}", format_moment(token.created_at))}</span>
            <ActionForm attr:novalidate=true action=revoke attr:class="inline-form">
                <input type="hidden" name="id" value=token.id.to_string()/>
                <button type="submit" class="link-button">"Revoke"</button>
            </ActionForm>
        </li>
    }
}

/// Change the address: a link goes to the new one, the old one is told.
#[component]
fn EmailForm(change_email: ServerAction<crate::accounts::ChangeEmail>, methods: sign_ins::MethodsResource) -> impl IntoView {
    let error = Signal::derive(move || change_email.value().get().and_then(Result::err));
    let sent = move || change_email.value().get().and_then(Result::ok);
    view! {
        <h3 id="email">"Email address"</h3>
        {move || sent().map(|to| view! {
            <p class="notice" role="status" data-testid="email-change-sent">
                {format!("We sent a link to {to}. Your address changes once you open it (within 24 hours).")}
            </p>
        })}
        <ActionForm action=change_email attr:class="stack" attr:novalidate=true>
            <FormError error/>
            <label for="new_email">"New email address"</label>
            <input id="new_email" type="email" name="new_email" autocomplete="email" maxlength="254" required/>
            <FieldError error field="new_email"/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match methods.await {
                        Ok(m) if m.has_password => view! {
                            <label for="email_current_password">"Current password"</label>
                            <input id="email_current_password" type="password" name="current_password" autocomplete="current-password" required/>
                            <FieldError error field="current_password"/>
                        }.into_any(),
                        _ => view! { <div hidden></div> }.into_any(),
                    }
                })}
            </Suspense>
            <button type="submit">"Change my email address"</button>
        </ActionForm>
    }
}
