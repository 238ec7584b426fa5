//! Upload an echo: a plain multipart form posted to `POST /echoes`, so it
//! works before (and without) the WASM. The server streams the file to
//! storage and answers with the new echo's page, or sends the form back
//! here naming what went wrong (`?error=<code>&field=<field>`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::echo_fields::EchoFields;
use crate::components::field_error::{FieldError, FormError};
use crate::display::human_size;
use crate::echoes::{
    no_emotion, no_file, not_audio_message, too_large, upload_settings, EchoMetadataDraft, Note, Tags, Title as EchoTitle,
};
use crate::error::{AppError, ErrorCode};

#[component]
pub fn UploadPage() -> impl IntoView {
    let query = use_query_map();
    let settings = Resource::new(|| (), |_| upload_settings());
    let user = expect_context::<crate::CurrentUserResource>();
    view! {
        <Title text="Upload an echo"/>
        <section class="card">
            <h1>"Upload an echo"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let settings = match settings.await {
                        Ok(settings) => settings,
                        Err(err) => return super::error_view(err),
                    };
                    let zone = crate::local_time::zone_of(user).await;
                    let limit = settings.max_bytes;
                    let sent_back = query.with(|q| {
                        error_from_query(q.get("error").as_deref(), &q.get_all("field").unwrap_or_default(), limit)
                    });
                    view! { <UploadForm limit direct=settings.direct sent_back zone/> }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// The form. Before hydration (or without JS) it is a plain multipart post;
/// once hydrated it sends the file itself, with a progress bar, straight to
/// S3 when `direct`.
#[component]
fn UploadForm(limit: u64, direct: bool, sent_back: Option<AppError>, zone: crate::local_time::TimeZone) -> impl IntoView {
    let now_here = crate::local_time::datetime_local(&zone, crate::local_time::now_millis());
    // Fraction sent, while an upload is under way.
    let progress = RwSignal::new(None::<f64>);
    let failed = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || failed.get().or_else(|| sent_back.clone()));
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            if progress.get_untracked().is_some() {
                return;
            }
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
                return;
            };
            if let Err(err) = crate::browser::upload::check_form(&form, limit) {
                failed.set(Some(err));
                return;
            }
            failed.set(None);
            progress.set(Some(0.0));
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let sent = crate::browser::upload::send_form(&form, direct, move |f| progress.set(Some(f))).await;
                progress.set(None);
                match sent {
                    Ok(echo) => navigate(&echo.page_url(), Default::default()),
                    Err(err) => failed.set(Some(err)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, direct, limit);
    };
    view! {
        <form method="post" action="/echoes" enctype="multipart/form-data" class="stack" data-testid="upload-form"
            novalidate on:submit=on_submit>
            <FormError error/>
            <label for="audio">"Audio file"</label>
            <input id="audio" type="file" name="audio" accept="audio/*,.wav,.mp3,.ogg,.opus,.webm,.m4a,.flac" required
                aria-describedby="audio-hint"/>
            <p class="hint" id="audio-hint">{format!("WAV, MP3, Ogg, WebM, M4A or FLAC, up to {}.", human_size(limit))}</p>
            <FieldError error field="audio"/>

            <EchoFields error prefix=""/>

            <label for="captured_at">"When was it?"</label>
            <input id="captured_at" type="datetime-local" name="captured_at" value=now_here aria-describedby="captured-at-hint"/>
            <p class="hint" id="captured-at-hint">{format!("Your local time ({}). Leave it as it is for now.", zone.name().replace('_', " "))}</p>
            <FieldError error field="captured_at"/>

            {move || progress.get().map(|fraction| {
                let percent = (fraction * 100.0).round() as u32;
                view! {
                    <label for="upload-progress">{format!("Uploading… {percent}%")}</label>
                    <progress id="upload-progress" max="100" value=percent.to_string() data-testid="upload-progress"></progress>
                }
            })}
            <button type="submit" disabled=move || progress.get().is_some() aria-busy=move || progress.get().is_some().to_string()>
                {move || if progress.get().is_some() { "Uploading…" } else { "Upload" }}
            </button>
        </form>
    }
}

/// The error the server sent us back with. Only the code and the fields
/// travel in the URL; the words are ours.
fn error_from_query(code: Option<&str>, fields: &[String], limit: u64) -> Option<AppError> {
    let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code?.to_owned())).ok()?;
    let known = EchoMetadataDraft::FIELDS_IN_FORM_ORDER;
    let mut fields: Vec<&str> = fields.iter().map(String::as_str).filter(|f| known.contains(f)).take(known.len()).collect();
    if fields.is_empty() {
        fields.push("audio");
    }
    AppError::all_of(fields.into_iter().map(|field| field_error(code, field, limit)).collect())
}

fn field_error(code: ErrorCode, field: &str, limit: u64) -> AppError {
    let message = match (code, field) {
        (ErrorCode::PayloadTooLarge, _) => too_large(limit).message,
        (ErrorCode::UnsupportedMediaType, _) => not_audio_message(),
        (ErrorCode::Validation, "audio") => no_file().message,
        (ErrorCode::Validation, "emotion") => no_emotion().message,
        (ErrorCode::Validation, "title") => format!("Keep the title to {} characters or fewer.", EchoTitle::MAX_CHARS),
        (ErrorCode::Validation, "tags") => {
            format!("Use at most {} tags of up to {} characters.", Tags::MAX_TAGS, Tags::MAX_CHARS)
        }
        (ErrorCode::Validation, "note") => format!("Keep the note to {} characters or fewer.", Note::MAX_CHARS),
        (ErrorCode::Validation, "captured_at") => "Enter a date and time that is not in the future.".to_owned(),
        (ErrorCode::Validation, "location") => "The place could not be read. Try again, or leave it out.".to_owned(),
        (ErrorCode::BadRequest, _) => "The upload did not arrive whole. Please try again.".to_owned(),
        _ => "The upload failed. Please try again.".to_owned(),
    };
    let field = match code {
        ErrorCode::BadRequest | ErrorCode::Internal => None,
        _ => Some(field.to_owned()),
    };
    AppError { field, ..AppError::new(code, message) }
}
