//! Two-step sign-in on the account page: set up an authenticator app (a
//! QR code and the secret, confirmed with one code), see the recovery
//! codes once, make new ones, or turn it off — each with a code.

use leptos::prelude::*;

use super::super::error_view;
use crate::accounts::two_factor::{
    BeginTwoFactor, CancelTwoFactorSetup, DisableTwoFactor, EnableTwoFactor, NewRecoveryCodes, TwoFactorState,
};
use crate::components::field_error::{FieldError, FormError};
use crate::display::format_moment;
use crate::error::AppError;

/// The section's actions, made by the page so its resource can follow them.
#[derive(Clone, Copy)]
pub struct TwoFactorActions {
    pub begin: ServerAction<BeginTwoFactor>,
    pub cancel: ServerAction<CancelTwoFactorSetup>,
    pub enable: ServerAction<EnableTwoFactor>,
    pub new_codes: ServerAction<NewRecoveryCodes>,
    pub disable: ServerAction<DisableTwoFactor>,
}

impl TwoFactorActions {
    pub fn new() -> Self {
        TwoFactorActions {
            begin: ServerAction::new(),
            cancel: ServerAction::new(),
            enable: ServerAction::new(),
            new_codes: ServerAction::new(),
            disable: ServerAction::new(),
        }
    }

    /// Changes whenever one of them has run.
    pub fn version(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.begin.version().get(),
            self.cancel.version().get(),
            self.enable.version().get(),
            self.new_codes.version().get(),
            self.disable.version().get(),
        )
    }
}

pub type TwoFactorResource = Resource<Result<TwoFactorState, AppError>>;

fn error_of<A>(action: ServerAction<A>) -> Signal<Option<AppError>>
where
    A: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

#[component]
pub fn TwoFactor(status: TwoFactorResource, actions: TwoFactorActions) -> impl IntoView {
    let begin_error = error_of(actions.begin);
    view! {
        <section class="card" id="two-factor">
            <h2>"Two-step sign-in"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(TwoFactorState::Off) => view! {
                            <p>"Signing in asks for your password only. Add an authenticator app (such as Aegis, 2FAS or Google Authenticator), and it also asks for the code the app shows, so a stolen password is not enough."</p>
                            <ActionForm attr:novalidate=true action=actions.begin attr:class="stack">
                                <FormError error=begin_error/>
                                <button type="submit">"Set up an authenticator app"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(TwoFactorState::SettingUp { secret, otpauth_url, qr_image }) => view! {
                            <SetUp secret otpauth_url qr_image actions/>
                        }.into_any(),
                        Ok(TwoFactorState::On { since, recovery_codes_left, new_recovery_codes }) => view! {
                            <IsOn since recovery_codes_left new_recovery_codes actions/>
                        }.into_any(),
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Groups of four, as apps show secrets.
fn spaced(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[component]
fn SetUp(secret: String, otpauth_url: String, qr_image: String, actions: TwoFactorActions) -> impl IntoView {
    let error = error_of(actions.enable);
    view! {
        <ol class="steps">
            <li>"Scan this code with your authenticator app:"
                <img class="qr" src=qr_image width="220" height="220" alt="QR code that adds Echoes to an authenticator app"/>
                <p class="muted">"Or type this key into it: " <code class="secret" data-testid="totp-secret">{spaced(&secret)}</code>
                    " (" <a href=otpauth_url>"open in an app on this device"</a> ")"</p>
            </li>
            <li>"Enter the six-digit code the app now shows for Echoes:"</li>
        </ol>
        <ActionForm action=actions.enable attr:class="stack" attr:novalidate=true>
            <FormError error/>
            <label for="enable-code">"Code from the app"</label>
            <input id="enable-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required/>
            <FieldError error field="code"/>
            <button type="submit">"Turn on two-step sign-in"</button>
        </ActionForm>
        <ActionForm attr:novalidate=true action=actions.cancel attr:class="inline-form">
            <button type="submit" class="link-button">"Not now"</button>
        </ActionForm>
    }
}

#[component]
fn IsOn(
    since: i64,
    recovery_codes_left: u32,
    new_recovery_codes: Vec<String>,
    actions: TwoFactorActions,
) -> impl IntoView {
    let codes_error = error_of(actions.new_codes);
    let off_error = error_of(actions.disable);
    let left = match recovery_codes_left {
        0 => "No recovery codes left: make new ones.".to_owned(),
        1 => "1 recovery code left.".to_owned(),
        n => format!("{n} recovery codes left."),
    };
    view! {
        <p data-testid="two-factor-on">{format!("On since {}. Signing in asks for a code from your authenticator app. ", format_moment(since))}{left}</p>
        {(!new_recovery_codes.is_empty()).then(|| view! {
            <div class="notice" role="status" data-testid="recovery-codes">
                <p><strong>"Your recovery codes."</strong>" Keep them somewhere safe (a password manager, or on paper): each one signs you in once if you lose your phone. They will not be shown again."</p>
                <ul class="recovery-codes">
                    {new_recovery_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ul>
            </div>
        })}
        <details>
            <summary>"New recovery codes"</summary>
            <ActionForm action=actions.new_codes attr:class="stack" attr:novalidate=true>
                <FormError error=codes_error/>
                <label for="codes-code">"Code from the app, or a recovery code"</label>
                <input id="codes-code" name="code" autocomplete="one-time-code" maxlength="64" required/>
                <FieldError error=codes_error field="code"/>
                <p class="muted">"The old recovery codes stop working."</p>
                <button type="submit">"Make new recovery codes"</button>
            </ActionForm>
        </details>
        <details>
            <summary>"Turn off two-step sign-in"</summary>
            <ActionForm action=actions.disable attr:class="stack" attr:novalidate=true>
                <FormError error=off_error/>
                <label for="off-code">"Code from the app, or a recovery code"</label>
                <input id="off-code" name="code" autocomplete="one-time-code" maxlength="64" required/>
                <FieldError error=off_error field="code"/>
                <button type="submit" class="danger">"Turn off"</button>
            </ActionForm>
        </details>
    }
}
