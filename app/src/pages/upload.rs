//! Upload an echo: a plain multipart form posted to `POST /echoes`, so it
//! works before (and without) the WASM. The server streams the file to
//! storage and answers with the new echo's page, or sends the form back
//! here naming what went wrong (`?error=<code>&field=<field>`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::field_error::{FieldError, FormError};
use crate::display::human_size;
use crate::echoes::{not_audio_message, upload_limit, Note, Tags, Title as EchoTitle};
use crate::emotion::Emotion;
use crate::error::{AppError, ErrorCode};

#[component]
pub fn UploadPage() -> impl IntoView {
    let query = use_query_map();
    let limit = Resource::new(|| (), |_| upload_limit());
    view! {
        <Title text="Upload an echo"/>
        <section class="card">
            <h1>"Upload an echo"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let limit = match limit.await {
                        Ok(limit) => limit,
                        Err(err) => return super::error_view(err),
                    };
                    let error = query.with(|q| error_from_query(q.get("error").as_deref(), q.get("field").as_deref(), limit));
                    let error = Signal::stored(error);
                    view! { <UploadForm limit error/> }.into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn UploadForm(limit: u64, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <form method="post" action="/echoes" enctype="multipart/form-data" class="stack" data-testid="upload-form">
            <FormError error/>
            <label for="audio">"Audio file"</label>
            <input id="audio" type="file" name="audio" accept="audio/*,.wav,.mp3,.ogg,.opus,.webm,.m4a,.flac" required
                aria-describedby="audio-hint"/>
            <p class="hint" id="audio-hint">{format!("WAV, MP3, Ogg, WebM, M4A or FLAC, up to {}.", human_size(limit))}</p>
            <FieldError error field="audio"/>

            <fieldset class="emotion-picker">
                <legend>"Emotion"</legend>
                {Emotion::ALL.into_iter().map(|emotion| {
                    let id = format!("emotion-{}", emotion.as_str());
                    view! {
                        <input type="radio" name="emotion" id=id.clone() value=emotion.as_str() required/>
                        <label for=id class=format!("chip emotion-{}", emotion.as_str())>{emotion.label()}</label>
                    }
                }).collect_view()}
            </fieldset>
            <FieldError error field="emotion"/>

            <label for="title">"Title " <span class="muted">"(optional)"</span></label>
            <input id="title" name="title" maxlength=EchoTitle::MAX_CHARS.to_string()/>
            <FieldError error field="title"/>

            <label for="tags">"Tags " <span class="muted">"(optional, comma-separated)"</span></label>
            <input id="tags" name="tags" placeholder="rain, kitchen, sunday"/>
            <FieldError error field="tags"/>

            <label for="note">"Note " <span class="muted">"(optional)"</span></label>
            <textarea id="note" name="note" rows="3" maxlength=Note::MAX_CHARS.to_string()></textarea>
            <FieldError error field="note"/>

            <label for="captured_at">"When was it? " <span class="muted">"(UTC; leave empty for now)"</span></label>
            <input id="captured_at" type="datetime-local" name="captured_at"/>
            <FieldError error field="captured_at"/>

            <button type="submit">"Upload"</button>
        </form>
    }
}

/// The message for an error the server sent us back with. Only the code and
/// field travel in the URL; the words are ours.
fn error_from_query(code: Option<&str>, field: Option<&str>, limit: u64) -> Option<AppError> {
    let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code?.to_owned())).ok()?;
    let field = field.unwrap_or("audio");
    let message = match (code, field) {
        (ErrorCode::PayloadTooLarge, _) => format!("The file is larger than the {} limit.", human_size(limit)),
        (ErrorCode::UnsupportedMediaType, _) => not_audio_message(),
        (ErrorCode::Validation, "audio") => "Choose a non-empty audio file to upload.".to_owned(),
        (ErrorCode::Validation, "emotion") => "Choose the emotion this echo carries.".to_owned(),
        (ErrorCode::Validation, "title") => format!("Keep the title to {} characters or fewer.", EchoTitle::MAX_CHARS),
        (ErrorCode::Validation, "tags") => {
            format!("Use at most {} tags of up to {} characters.", Tags::MAX_TAGS, Tags::MAX_CHARS)
        }
        (ErrorCode::Validation, "note") => format!("Keep the note to {} characters or fewer.", Note::MAX_CHARS),
        (ErrorCode::Validation, "captured_at") => "Enter a date and time that is not in the future.".to_owned(),
        (ErrorCode::BadRequest, _) => "The upload did not arrive whole. Please try again.".to_owned(),
        _ => "The upload failed. Please try again.".to_owned(),
    };
    let field = match code {
        ErrorCode::BadRequest | ErrorCode::Internal => None,
        _ => Some(field.to_owned()),
    };
    Some(AppError { code, message, field })
}
