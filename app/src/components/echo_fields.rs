//! The fields a person fills in about an echo — emotion, title, tags, note —
//! shared by the upload form and the record page's save form. `prefix`
//! keeps ids unique when both could be on one page.

use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::echoes::{Note, Title};
use crate::emotion::Emotion;
use crate::error::AppError;

#[component]
pub fn EchoFields(#[prop(into)] error: Signal<Option<AppError>>, prefix: &'static str) -> impl IntoView {
    let id = move |name: &str| format!("{prefix}{name}");
    view! {
        <fieldset class="emotion-picker chip-picker">
            <legend>"Emotion"</legend>
            {Emotion::ALL.into_iter().map(|emotion| {
                let radio = id(&format!("emotion-{}", emotion.as_str()));
                view! {
                    <input type="radio" name="emotion" id=radio.clone() value=emotion.as_str() required/>
                    <label for=radio class=format!("chip emotion-{}", emotion.as_str())>{emotion.label()}</label>
                }
            }).collect_view()}
        </fieldset>
        <FieldError error field="emotion"/>

        <label for=id("title")>"Title " <span class="muted">"(optional)"</span></label>
        <input id=id("title") name="title" maxlength=Title::MAX_CHARS.to_string()/>
        <FieldError error field="title"/>

        <label for=id("tags")>"Tags " <span class="muted">"(optional, comma-separated)"</span></label>
        <input id=id("tags") name="tags" placeholder="rain, kitchen, sunday"/>
        <FieldError error field="tags"/>

        <label for=id("note")>"Note " <span class="muted">"(optional)"</span></label>
        <textarea id=id("note") name="note" rows="3" maxlength=Note::MAX_CHARS.to_string()></textarea>
        <FieldError error field="note"/>
    }
}
