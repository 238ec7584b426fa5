//! Echoes: an audio object plus what it means to its owner.
//!
//! One file per action. Each holds the action's service function
//! (server-only: the one place its rules live; pages, server functions and
//! the JSON API all call it) and the thin server function the pages use:
//! `create` (the one place an echo comes to be), `upload` (a multipart
//! form streamed to storage, journaled in `in_flight` meanwhile, then
//! `create`), `direct_upload` (S3: presigned
//! PUT, then `create`), `list`, `get`, `random`, `update`, `delete`, and
//! `audio` (byte ranges for the player). Wire types and metadata parsing
//! are shared with the browser.

mod delete;
mod direct_upload;
mod get;
mod list;
mod metadata;
mod random;
mod update;

#[cfg(feature = "ssr")]
pub mod audio;
#[cfg(feature = "ssr")]
pub mod create;
#[cfg(feature = "ssr")]
pub mod format;
#[cfg(feature = "ssr")]
pub mod in_flight;
#[cfg(feature = "ssr")]
pub mod pending;
#[cfg(feature = "ssr")]
pub mod probe;
#[cfg(feature = "ssr")]
pub mod rows;
#[cfg(feature = "ssr")]
pub mod upload;

pub use delete::{delete_echo, DeleteEcho};
pub use direct_upload::{
    complete_upload, init_upload, upload_settings, CompleteUpload, DirectUpload, InitUpload, UploadOptions,
    UploadSettings,
};
pub use get::{get_echo, GetEcho};
pub use list::{list_echoes, EchoCursor, EchoFilter, ListEchoes, PageSize};
pub use metadata::{
    is_ticked, no_emotion, parse_captured_at, parse_echo_id, EchoChanges, EchoMetadata, EchoMetadataDraft, Location, Note, Tags,
    Title,
};
pub use random::{random_echo, RandomEcho};
pub use update::{update_echo, UpdateEcho};

#[cfg(feature = "ssr")]
pub mod service {
    //! Every echo action, by name, for callers outside the pages (the API).
    pub use super::create::{create, StoredAudio};
    pub use super::delete::delete;
    pub use super::direct_upload::{complete as complete_direct_upload, start as start_direct_upload};
    pub use super::get::find;
    pub use super::list::list;
    pub use super::random::pick;
    pub use super::update::update;
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::emotion::Emotion;

/// The accepted audio formats, as people read them (errors, the upload form).
pub const ACCEPTED_FORMATS: &str = "WAV, MP3, Ogg (Opus or Vorbis), WebM, MP4/M4A audio, FLAC";

/// What we say when a file is not one of [`ACCEPTED_FORMATS`].
pub fn not_audio_message() -> String {
    format!("That file is not audio Echoes can keep. Accepted formats: {ACCEPTED_FORMATS}.")
}

// The upload form's refusals, said alike by the server and by the browser
// when it checks before sending.

/// No file was chosen.
pub fn no_file() -> crate::error::AppError {
    crate::error::AppError::invalid("audio", "Choose an audio file to upload.")
}

/// A 415 on the file field.
pub fn not_audio() -> crate::error::AppError {
    crate::error::AppError::on_field(crate::error::ErrorCode::UnsupportedMediaType, "audio", not_audio_message())
}

/// A 413 on the file field, naming the cap.
pub fn too_large(cap: u64) -> crate::error::AppError {
    crate::error::AppError::on_field(
        crate::error::ErrorCode::PayloadTooLarge,
        "audio",
        format!("The file is larger than the {} limit.", crate::display::human_size(cap)),
    )
}

/// An echo as pages and API clients see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Echo {
    pub id: Uuid,
    pub emotion: Emotion,
    pub title: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    /// When the moment happened (Unix milliseconds).
    pub captured_at: i64,
    /// When the echo was saved (Unix milliseconds).
    pub created_at: i64,
    /// The real type, recognised from the file's first bytes.
    pub content_type: String,
    pub size_bytes: i64,
    /// The real length, from decoding the audio on the server.
    pub duration_ms: Option<i64>,
    /// About 200 waveform peaks (0–255), for drawing without decoding.
    pub peaks: Option<Vec<u8>>,
    /// Where it was recorded, if its owner added that (coarsened unless exact).
    pub location: Option<Location>,
}

impl Echo {
    /// The stable URL the player streams from.
    pub fn audio_url(&self) -> String {
        format!("/echoes/{}/audio", self.id)
    }

    pub fn page_url(&self) -> String {
        format!("/echoes/{}", self.id)
    }

    /// The title, or a stand-in made from the emotion and date.
    pub fn display_title(&self) -> String {
        match &self.title {
            Some(title) => title.clone(),
            None => format!("{} echo", self.emotion.label()),
        }
    }
}

/// One page of "my echoes", newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EchoPage {
    pub echoes: Vec<Echo>,
    /// Pass as `cursor` (pages: `before`) to get the next, older page;
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}
