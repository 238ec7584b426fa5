//! The account's phone number, for signing in with a code by text message.

use leptos::prelude::*;

use super::super::error_view;
use crate::accounts::sign_in_codes::{AddPhone, ConfirmPhone, PhoneState, RemovePhone};
use crate::components::field_error::{FieldError, FormError};
use crate::display::format_moment;
use crate::error::AppError;

#[derive(Clone, Copy)]
pub struct PhoneActions {
    pub add: ServerAction<AddPhone>,
    pub confirm: ServerAction<ConfirmPhone>,
    pub remove: ServerAction<RemovePhone>,
}

impl PhoneActions {
    pub fn new() -> Self {
        PhoneActions { add: ServerAction::new(), confirm: ServerAction::new(), remove: ServerAction::new() }
    }

    pub fn version(&self) -> (usize, usize, usize) {
        (self.add.version().get(), self.confirm.version().get(), self.remove.version().get())
    }
}

pub type PhoneResource = Resource<Result<PhoneState, AppError>>;

#[component]
pub fn Phone(status: PhoneResource, actions: PhoneActions) -> impl IntoView {
    let add_error = Signal::derive(move || actions.add.value().get().and_then(Result::err));
    let confirm_error = Signal::derive(move || actions.confirm.value().get().and_then(Result::err));
    let remove_error = Signal::derive(move || actions.remove.value().get().and_then(Result::err));
    view! {
        <section class="card" id="phone">
            <h2>"Phone number"</h2>
            <p class="muted">"With a number here, you can sign in with a code sent to it by text message."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(state) => view! {
                            {state.verified.map(|(number, since)| view! {
                                <p data-testid="phone-number"><strong>{number}</strong>
                                    <span class="muted">{format!(" · confirmed {}", format_moment(since))}</span></p>
                                <ActionForm attr:novalidate=true action=actions.remove attr:class="inline-form">
                                    <FormError error=remove_error/>
                                    <button type="submit" class="link-button">"Remove this number"</button>
                                </ActionForm>
                            })}
                            {state.confirming.map(|number| view! {
                                <p class="notice" role="status" data-testid="phone-code-sent">{format!("We sent a code to {number}.")}</p>
                                <ActionForm action=actions.confirm attr:class="stack" attr:novalidate=true>
                                    <FormError error=confirm_error/>
                                    <label for="phone-code">"Code from the text message"</label>
                                    <input id="phone-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required/>
                                    <FieldError error=confirm_error field="code"/>
                                    <button type="submit">"Confirm the number"</button>
                                </ActionForm>
                            })}
                            <ActionForm action=actions.add attr:class="stack" attr:novalidate=true>
                                <FormError error=add_error/>
                                <label for="phone">"New phone number"</label>
                                <input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="32" placeholder="+44 7400 123456" required/>
                                <FieldError error=add_error field="phone"/>
                                <button type="submit">"Send a code to this number"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}
