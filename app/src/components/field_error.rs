//! An error shown right next to the field it belongs to.

use leptos::prelude::*;

use crate::error::AppError;

/// Renders the error's message when it belongs to `field` (an `id` of
/// `{field}-error`, for `aria-describedby`).
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.message_for(field)).map(|message| {
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
        })
    }
}

/// Renders the error's message when it belongs to no particular field.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.general_message()).map(|message| {
            view! { <p class="form-error" role="alert">{message}</p> }
        })
    }
}
