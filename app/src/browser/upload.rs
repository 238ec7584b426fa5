//! Sending the upload form from the browser, with progress: straight to S3
//! with a presigned PUT when the server says so, otherwise as the same
//! multipart form the no-JS path posts to `POST /echoes`.

use wasm_bindgen::JsCast;
use web_sys::{File, FormData, HtmlFormElement};

use super::xhr::{self, Body};
use crate::echoes::{complete_upload, init_upload, Echo, EchoMetadataDraft};
use crate::error::{AppError, ErrorCode};

/// What the browser can tell before sending a byte: a file is chosen, not
/// over `limit`, and looks like audio; an emotion is picked. Every problem
/// at once, in form order. The server checks all of it again.
pub fn check_form(form: &HtmlFormElement, limit: u64) -> Result<(), AppError> {
    let data = FormData::new_with_form(form).map_err(|_| client_error("The form could not be read."))?;
    let file = data.get("audio").dyn_into::<File>().ok().filter(|f| !f.name().is_empty() || f.size() > 0.0);
    let audio = match file {
        None => Err(crate::echoes::no_file()),
        Some(file) if file.size() == 0.0 => Err(AppError::invalid("audio", "Choose a non-empty audio file to upload.")),
        Some(file) if file.size() > limit as f64 => Err(crate::echoes::too_large(limit)),
        Some(file) if !looks_like_audio(&file) => Err(crate::echoes::not_audio()),
        Some(_) => Ok(()),
    };
    let emotion = match data.get("emotion").as_string().filter(|e| !e.is_empty()) {
        Some(_) => Ok(()),
        None => Err(crate::echoes::no_emotion()),
    };
    use crate::error::AllValid;
    (audio, emotion).all_valid().map(|_| ())
}

/// By the browser's type or the name's extension; the server decides.
fn looks_like_audio(file: &File) -> bool {
    let declared = declared_type(file);
    declared.starts_with("audio/") || ["video/webm", "video/mp4", "video/ogg", "application/ogg"].contains(&declared.as_str())
}

/// Sends the form and returns the new echo. `progress(fraction)` follows the
/// bytes going up.
pub async fn send_form(
    form: &HtmlFormElement,
    direct: bool,
    progress: impl Fn(f64) + 'static,
) -> Result<Echo, AppError> {
    let data = FormData::new_with_form(form).map_err(|_| client_error("The form could not be read."))?;
    send_data(&data, direct, progress).await
}

/// Sends form data whose `audio` entry is the file (or a recorded take).
pub async fn send_data(data: &FormData, direct: bool, progress: impl Fn(f64) + 'static) -> Result<Echo, AppError> {
    let on_progress = move |sent: f64, total: f64| progress(if total > 0.0 { sent / total } else { 0.0 });
    if direct {
        send_direct(data, on_progress).await
    } else {
        let headers = [("Accept".to_owned(), "application/json".to_owned())];
        let response =
            xhr::send("POST", "/echoes", &headers, Body::Form(data), on_progress).await.map_err(network_error)?;
        match response.status {
            201 => {
                serde_json::from_str(&response.body).map_err(|_| client_error("The server's answer could not be read."))
            }
            _ => Err(server_error(response.status, &response.body)),
        }
    }
}

async fn send_direct(data: &FormData, on_progress: impl Fn(f64, f64) + 'static) -> Result<Echo, AppError> {
    let file: File = data
        .get("audio")
        .dyn_into()
        .ok()
        .filter(|f: &File| f.size() > 0.0)
        .ok_or_else(|| AppError::invalid("audio", "Choose a non-empty audio file to upload."))?;
    let content_type = declared_type(&file);
    let upload = init_upload(file.size() as u64, content_type).await?;
    let response = xhr::send(&upload.method, &upload.url, &upload.headers, Body::Blob(&file), on_progress)
        .await
        .map_err(network_error)?;
    if !(200..300).contains(&response.status) {
        return Err(client_error(&format!(
            "The storage service refused the file (status {}). Please try again.",
            response.status
        )));
    }
    let fields = EchoMetadataDraft::FIELDS
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), data.get(name).as_string().filter(|v| !v.trim().is_empty())?)))
        .collect();
    complete_upload(upload.upload_id.to_string(), fields).await
}

/// The file's type as the browser reports it, or from its extension when
/// the browser does not know (it often leaves `.opus` or `.m4a` blank).
fn declared_type(file: &File) -> String {
    let reported = file.type_();
    if !reported.is_empty() {
        return reported;
    }
    let name = file.name().to_ascii_lowercase();
    let by_extension = [
        (".wav", "audio/wav"),
        (".mp3", "audio/mpeg"),
        (".ogg", "audio/ogg"),
        (".oga", "audio/ogg"),
        (".opus", "audio/ogg"),
        (".webm", "audio/webm"),
        (".m4a", "audio/mp4"),
        (".mp4", "audio/mp4"),
        (".flac", "audio/flac"),
    ];
    by_extension
        .iter()
        .find(|(ext, _)| name.ends_with(ext))
        .map(|(_, t)| (*t).to_owned())
        .unwrap_or_else(|| "application/octet-stream".to_owned())
}

fn server_error(status: u16, body: &str) -> AppError {
    serde_json::from_str::<AppError>(body)
        .unwrap_or_else(|_| client_error(&format!("The upload failed (status {status}). Please try again.")))
}

fn network_error(message: String) -> AppError {
    client_error(&message)
}

fn client_error(message: &str) -> AppError {
    AppError::new(ErrorCode::BadRequest, message)
}
