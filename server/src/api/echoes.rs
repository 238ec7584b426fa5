//! `/api/v1/echoes/…`: upload (through the server, or straight to S3),
//! list, random, get, change, delete, and the audio itself. Each handler
//! parses its input and calls the echo service functions the pages use.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use app::echoes::{
    self, parse_echo_id, service, Echo, EchoChanges, EchoCursor, EchoFilter, EchoMetadataDraft, EchoPage, Note,
    PageSize, Tags, Title,
};
use app::emotion::Emotion;
use app::error::{AppError, ErrorCode};
use app::infra::db::now_millis;
use app::infra::state::AppState;

use super::error::{ApiError, ApiResult, Caller, ErrorBody, Json, Path, Query};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only echoes of this emotion.
    pub emotion: Option<Emotion>,
    /// Only echoes with this tag (one tag: no commas).
    #[param(max_length = 40, pattern = r"^[^,\x00-\x1f\x7f-\x9f]*$")]
    pub tag: Option<String>,
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,18}_[0-9a-fA-F]{32}$")]
    pub cursor: Option<String>,
    /// Echoes per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RandomQuery {
    pub emotion: Emotion,
}

/// Metadata for a direct upload's echo (as for `POST /echoes`).
#[derive(Deserialize, ToSchema)]
pub struct EchoFields {
    pub emotion: Emotion,
    /// Blank means none.
    #[schema(max_length = 120, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
    pub title: Option<String>,
    /// A note or transcript; blank means none.
    #[schema(max_length = 5000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
    pub note: Option<String>,
    /// Cleaned (`#` and spaces trimmed), lower-cased, duplicates dropped.
    #[schema(max_items = 20, inline)]
    pub tags: Option<Vec<TagText>>,
    /// When it happened, in Unix milliseconds (default: now).
    #[schema(minimum = 0, maximum = 253_402_300_799_999_i64, example = 1_763_735_400_000_i64)]
    #[serde(default, deserialize_with = "super::error::whole::option_i64")]
    pub captured_at: Option<i64>,
    /// Where it was recorded, if you want to keep that.
    pub location: Option<Place>,
}

/// One tag as sent: at most 40 characters, no control characters.
#[derive(Deserialize)]
pub struct TagText(pub String);

impl utoipa::PartialSchema for TagText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(40))
            .pattern(Some(r"^[^\x00-\x1f\x7f-\x9f]*$"))
            .description(Some("A tag: `#` and spaces are trimmed, and it is lower-cased."))
            .into()
    }
}

impl ToSchema for TagText {}

/// A place on Earth.
#[derive(Deserialize, ToSchema)]
pub struct Place {
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
    /// Keep the exact spot (default: rounded to about 1 km).
    #[serde(default)]
    pub precise: bool,
}

/// What to change about an echo; fields left out stay as they are, and
/// `null` removes a title or note.
#[derive(Deserialize, ToSchema, Default)]
pub struct EchoPatch {
    pub emotion: Option<Emotion>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 120, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
    pub note: Option<Option<String>>,
    /// Replaces every tag.
    #[schema(max_items = 20, inline)]
    pub tags: Option<Vec<TagText>>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
pub struct UploadRequest {
    /// The file's size in bytes (the limit is in the `maximum`).
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "super::error::whole::u64")]
    pub size: u64,
    /// The file's type (`audio/webm`, `audio/mpeg;codecs=…`, …; the accepted
    /// ones are in the `pattern`).
    #[schema(example = "audio/wav", max_length = 200)]
    pub content_type: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedHeader {
    pub name: String,
    pub value: String,
}

/// Where and how to send the file.
#[derive(Serialize, ToSchema)]
pub struct UploadTicket {
    /// `true`: PUT the file to `url` with exactly `headers`, then POST to
    /// `complete_url`. `false` (audio on local disk): POST the file as
    /// multipart to `url`, which answers with the echo.
    pub direct: bool,
    pub upload_id: Option<Uuid>,
    pub method: String,
    pub url: String,
    pub headers: Vec<SignedHeader>,
    pub expires_in_secs: Option<u64>,
    pub complete_url: Option<String>,
}

/// Uploads an audio file (multipart) as a new echo.
#[utoipa::path(post, path = "/echoes", tag = "echoes", operation_id = "upload_echo", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", content = inline(UploadForm),
        description = "`audio` (the file) and the echo's fields"),
    responses(
        (status = 201, description = "The new echo", body = Echo, headers(("Location" = String, description = "The echo's page"))),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 413, description = "Larger than the limit", body = ErrorBody),
        (status = 415, description = "Not audio Echoes accepts", body = ErrorBody),
        (status = 422, description = "A field is invalid, or the audio cannot be decoded or is too long", body = ErrorBody),
        (status = 503, description = "Decoding is busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn upload(State(state): State<AppState>, Caller(caller): Caller, request: Request) -> ApiResult<Response> {
    let echo = echoes::upload::receive(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, echo.page_url())], Json(echo)).into_response())
}

/// The multipart form of `POST /echoes`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The audio file: WAV, MP3, Ogg (Opus/Vorbis), WebM, MP4/M4A or FLAC.
    #[schema(value_type = String, format = Binary)]
    audio: Vec<u8>,
    emotion: Emotion,
    title: Option<String>,
    /// Comma-separated.
    tags: Option<String>,
    note: Option<String>,
    captured_at: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    location_precise: Option<bool>,
}

/// Starts an upload: with S3, a presigned PUT straight to the bucket.
#[utoipa::path(post, path = "/echoes/uploads", tag = "echoes", operation_id = "start_upload", request_body = UploadRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Where to send the file", body = UploadTicket),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 413, description = "Larger than the limit", body = ErrorBody),
        (status = 415, description = "Not an accepted audio type", body = ErrorBody),
        (status = 422, description = "An empty file", body = ErrorBody),
        (status = 429, description = "Too many uploads in progress", body = ErrorBody),
    ))]
pub async fn start_upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(body): Json<UploadRequest>,
) -> ApiResult<(StatusCode, Json<UploadTicket>)> {
    let ticket = match service::start_direct_upload(&state, &caller, body.size, &body.content_type).await? {
        Some(direct) => UploadTicket {
            direct: true,
            upload_id: Some(direct.upload_id),
            method: direct.method,
            url: direct.url,
            headers: direct.headers.into_iter().map(|(name, value)| SignedHeader { name, value }).collect(),
            expires_in_secs: Some(direct.expires_in_secs),
            complete_url: Some(format!("/api/v1/echoes/uploads/{}/complete", direct.upload_id)),
        },
        None => UploadTicket {
            direct: false,
            upload_id: None,
            method: "POST".to_owned(),
            url: "/api/v1/echoes".to_owned(),
            headers: Vec::new(),
            expires_in_secs: None,
            complete_url: None,
        },
    };
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// Makes the echo once its file has arrived in the bucket.
#[utoipa::path(post, path = "/echoes/uploads/{id}/complete", tag = "echoes", operation_id = "complete_upload", request_body = EchoFields,
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The upload's id")),
    responses(
        (status = 201, description = "The new echo (also when completed before)", body = Echo),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such upload, or it expired", body = ErrorBody),
        (status = 409, description = "The file has not arrived yet, or another completion is running", body = ErrorBody),
        (status = 415, description = "The file is not the audio declared", body = ErrorBody),
        (status = 422, description = "A field is invalid, or the audio cannot be decoded", body = ErrorBody),
        (status = 503, description = "Busy; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn complete_upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<Uuid>,
    Json(fields): Json<EchoFields>,
) -> ApiResult<(StatusCode, Json<Echo>)> {
    let metadata = metadata_of(fields)?;
    let echo = service::complete_direct_upload(&state, &caller, id, metadata).await?;
    Ok((StatusCode::CREATED, Json(echo)))
}

fn metadata_of(fields: EchoFields) -> Result<app::echoes::EchoMetadata, AppError> {
    let now = now_millis();
    let mut draft = EchoMetadataDraft::default();
    draft.set("emotion", fields.emotion.as_str(), now)?;
    for (name, value) in [("title", fields.title), ("note", fields.note)] {
        if let Some(value) = value {
            draft.set(name, &value, now)?;
        }
    }
    if let Some(tags) = fields.tags {
        draft.set_tag_list(&tags.into_iter().map(|t| t.0).collect::<Vec<_>>())?;
    }
    if let Some(millis) = fields.captured_at {
        draft.set_captured_at_millis(millis)?;
    }
    if let Some(place) = fields.location {
        draft.set_location(place.latitude, place.longitude, place.precise)?;
    }
    draft.finish(now)
}

/// My echoes, newest first, a page at a time.
#[utoipa::path(get, path = "/echoes", tag = "echoes", operation_id = "list_echoes", params(ListQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = EchoPage),
        (status = 400, description = "A malformed cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A bad filter or limit", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<EchoPage>> {
    let filter = EchoFilter { emotion: query.emotion, ..EchoFilter::parse(None, query.tag.as_deref())? };
    let cursor = query.cursor.as_deref().map(EchoCursor::parse).transpose()?;
    let size = PageSize::parse(query.limit)?;
    Ok(Json(service::list(&state, &caller, &filter, cursor, size).await?))
}

/// A random echo of mine with this emotion.
#[utoipa::path(get, path = "/echoes/random", tag = "echoes", operation_id = "random_echo", params(RandomQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A random echo", body = Echo),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No echo with this emotion yet", body = ErrorBody),
        (status = 422, description = "Not an emotion", body = ErrorBody),
    ))]
pub async fn random(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<RandomQuery>,
) -> ApiResult<Json<Echo>> {
    let echo = service::pick(&state, &caller, query.emotion).await?;
    echo.map(Json).ok_or_else(|| ApiError(AppError::new(ErrorCode::NotFound, "No echo with this emotion yet.")))
}

/// One of my echoes.
#[utoipa::path(get, path = "/echoes/{id}", tag = "echoes", operation_id = "get_echo", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The echo's id")),
    responses(
        (status = 200, description = "The echo", body = Echo),
        (status = 400, description = "Not an echo id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such echo of yours", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Echo>> {
    Ok(Json(service::find(&state, &caller, parse_echo_id(&id)?).await?))
}

/// Changes an echo's emotion, title, note or tags.
#[utoipa::path(patch, path = "/echoes/{id}", tag = "echoes", operation_id = "update_echo", request_body = EchoPatch, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The echo's id")),
    responses(
        (status = 200, description = "The echo as it is now", body = Echo),
        (status = 400, description = "Not an echo id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such echo of yours", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(patch): Json<EchoPatch>,
) -> ApiResult<Json<Echo>> {
    let id = parse_echo_id(&id)?;
    let changes = EchoChanges {
        emotion: patch.emotion,
        title: patch.title.map(|t| Title::parse(t.as_deref().unwrap_or_default())).transpose()?,
        note: patch.note.map(|n| Note::parse(n.as_deref().unwrap_or_default())).transpose()?,
        tags: patch.tags.map(|t| Tags::from_list(&t.into_iter().map(|t| t.0).collect::<Vec<_>>())).transpose()?,
    };
    Ok(Json(service::update(&state, &caller, id, &changes).await?))
}

/// Deletes an echo and its audio.
#[utoipa::path(delete, path = "/echoes/{id}", tag = "echoes", operation_id = "delete_echo", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The echo's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not an echo id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such echo of yours", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    service::delete(&state, &caller, parse_echo_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The echo's audio, with HTTP Range support (or, with S3, a redirect to a
/// short-lived signed URL).
#[utoipa::path(get, path = "/echoes/{id}/audio", tag = "echoes", operation_id = "get_echo_audio", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The echo's id"),
        ("Range" = Option<String>, Header, description = "`bytes=start-end`"),
    ),
    responses(
        (status = 200, description = "The whole file", content_type = "audio/*", body = Vec<u8>),
        (status = 206, description = "The requested range", content_type = "audio/*", body = Vec<u8>),
        (status = 307, description = "With S3: where to fetch it"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such echo of yours", body = ErrorBody),
        (status = 416, description = "The range starts past the end", body = ErrorBody),
    ))]
pub async fn audio(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let render = |err: AppError| ApiError(err).into_response();
    match parse_echo_id(&id) {
        Ok(id) => echoes::audio::stream(&state, &caller, id, &headers, render).await,
        Err(err) => render(err),
    }
}
