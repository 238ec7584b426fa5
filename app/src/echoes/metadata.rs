//! Parse, don't validate: the metadata a person gives an echo.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::emotion::Emotion;
use crate::error::AppError;

/// An optional title: trimmed, at most 120 characters; blank means none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Title(Option<String>);

impl Title {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Title, AppError> {
        optional_text(input, "title", Self::MAX_CHARS).map(Title)
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// An optional note or transcript: at most 5000 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Note(Option<String>);

impl Note {
    pub const MAX_CHARS: usize = 5000;

    pub fn parse(input: &str) -> Result<Note, AppError> {
        optional_text(input, "note", Self::MAX_CHARS).map(Note)
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The most bytes `max_chars` characters of UTF-8 can take: anything longer
/// is refused before it is looked at character by character.
pub(crate) const fn max_bytes(max_chars: usize) -> usize {
    max_chars * 4
}

/// Limits are checked on the text as given, before trimming: the API
/// documents them that way (`maxLength`, a pattern without control
/// characters), so what it promises and what it does are the same.
fn optional_text(input: &str, field: &str, max: usize) -> Result<Option<String>, AppError> {
    if input.len() > max_bytes(max) || input.chars().count() > max {
        return Err(AppError::invalid(field, format!("Keep the {field} to {max} characters or fewer.")));
    }
    if input.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(AppError::invalid(field, format!("The {field} cannot contain control characters.")));
    }
    let text = input.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Tags from comma-separated input: trimmed, lower-cased, de-duplicated,
/// at most 20 tags of at most 40 characters each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(Vec<String>);

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 40;

    /// Longest accepted input: every tag at its longest, with separators.
    const MAX_INPUT_BYTES: usize = Self::MAX_TAGS * (max_bytes(Self::MAX_CHARS) + 8);

    /// Linear in the input, which is bounded before anything else happens.
    pub fn parse(input: &str) -> Result<Tags, AppError> {
        if input.len() > Self::MAX_INPUT_BYTES {
            return Err(Self::too_many());
        }
        Self::from_items(input.split(','))
    }

    /// Tags given one by one (a JSON array), under the same rules; at most
    /// [`Self::MAX_TAGS`] items, duplicates included.
    pub fn from_list(items: &[String]) -> Result<Tags, AppError> {
        if items.len() > Self::MAX_TAGS {
            return Err(Self::too_many());
        }
        Self::from_items(items.iter().map(String::as_str))
    }

    fn too_many() -> AppError {
        AppError::invalid("tags", format!("Use at most {} tags.", Self::MAX_TAGS))
    }

    fn from_items<'a>(items: impl Iterator<Item = &'a str>) -> Result<Tags, AppError> {
        let too_many = Self::too_many;
        let mut tags: Vec<String> = Vec::new();
        for raw in items {
            // Checked as given, before cleaning (see `optional_text`).
            if raw.len() > max_bytes(Self::MAX_CHARS) || raw.chars().count() > Self::MAX_CHARS {
                return Err(AppError::invalid(
                    "tags",
                    format!("Keep each tag to {} characters or fewer.", Self::MAX_CHARS),
                ));
            }
            if raw.chars().any(char::is_control) {
                return Err(AppError::invalid("tags", "Tags cannot contain control characters."));
            }
            let tag = raw.trim().trim_start_matches('#').trim().to_lowercase();
            // At most MAX_TAGS are kept, so this check is bounded too.
            if tag.is_empty() || tags.contains(&tag) {
                continue;
            }
            if tags.len() == Self::MAX_TAGS {
                return Err(too_many());
            }
            tags.push(tag);
        }
        Ok(Tags(tags))
    }
}

impl AsRef<[String]> for Tags {
    fn as_ref(&self) -> &[String] {
        &self.0
    }
}

/// The latest moment accepted: the end of year 9999 (Unix ms).
pub const LATEST_MOMENT_MS: i64 = 253_402_300_799_999;

/// A moment given as Unix milliseconds: from 1970 to the end of 9999.
pub fn check_moment(millis: i64) -> Result<i64, AppError> {
    if millis < 0 {
        return Err(AppError::invalid("captured_at", "Pick a moment after 1970."));
    }
    if millis > LATEST_MOMENT_MS {
        return Err(AppError::invalid("captured_at", "Pick a moment before the year 10000."));
    }
    Ok(millis)
}

/// When the moment happened. Accepts RFC 3339 (`2026-11-21T14:30:00+01:00`)
/// or a form's `datetime-local` value (`2026-11-21T14:30`, read in `zone`).
/// Blank means `now`. Any moment from 1970 on is taken as given (a clock
/// that is wrong is the person's to correct, not ours to refuse).
pub fn parse_captured_at(input: &str, now: i64, zone: &crate::local_time::TimeZone) -> Result<i64, AppError> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(now);
    }
    if text.len() > 64 {
        return Err(AppError::invalid("captured_at", "Enter the date and time like 2026-11-21T14:30."));
    }
    let malformed = || AppError::invalid("captured_at", "Enter the date and time like 2026-11-21T14:30.");
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return check_moment(moment.with_timezone(&Utc).timestamp_millis());
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| malformed())?;
    check_moment(local_millis(zone, local).ok_or_else(malformed)?)
}

#[cfg(feature = "ssr")]
fn local_millis(zone: &crate::local_time::TimeZone, local: NaiveDateTime) -> Option<i64> {
    zone.to_utc_millis(local)
}

#[cfg(not(feature = "ssr"))]
fn local_millis(_zone: &crate::local_time::TimeZone, local: NaiveDateTime) -> Option<i64> {
    Some(local.and_utc().timestamp_millis())
}

/// An echo id from a URL: a malformed one is a clear `400`.
pub fn parse_echo_id(input: &str) -> Result<Uuid, AppError> {
    crate::paging::parse_id(input, "echo")
}

/// Where an echo was recorded. Private by default: only when the person
/// adds it, and rounded to about 1 km unless they ask for the exact spot.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Location {
    latitude: f64,
    longitude: f64,
}

impl Location {
    pub fn latitude(self) -> f64 {
        self.latitude
    }

    pub fn longitude(self) -> f64 {
        self.longitude
    }

    /// A place read back from the database, checked when it was stored.
    #[cfg(feature = "ssr")]
    pub(crate) fn from_stored(latitude: f64, longitude: f64) -> Location {
        Location { latitude, longitude }
    }

    /// Two decimals of latitude are ~1.1 km (and less for longitude).
    const COARSE_DECIMALS: i32 = 2;

    /// Both coordinates or neither; `precise` keeps them as given.
    pub fn parse(latitude: Option<&str>, longitude: Option<&str>, precise: bool) -> Result<Option<Location>, AppError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let (latitude, longitude) = match (given(latitude), given(longitude)) {
            (None, None) => return Ok(None),
            (Some(lat), Some(lng)) => (lat, lng),
            _ => return Err(AppError::invalid("location", "Give both latitude and longitude, or neither.")),
        };
        let number = |v: &str, max: f64| {
            (v.len() <= 32).then(|| v.parse::<f64>().ok()).flatten().filter(|n| n.is_finite() && n.abs() <= max)
        };
        let (Some(latitude), Some(longitude)) = (number(latitude, 90.0), number(longitude, 180.0)) else {
            return Err(Self::out_of_range());
        };
        Self::from_coordinates(latitude, longitude, precise).map(Some)
    }

    fn out_of_range() -> AppError {
        AppError::invalid(
            "location",
            "The location must be a latitude from -90 to 90 and a longitude from -180 to 180.",
        )
    }

    /// Coordinates given as numbers; `precise` keeps them as given.
    pub fn from_coordinates(latitude: f64, longitude: f64, precise: bool) -> Result<Location, AppError> {
        let valid = |v: f64, max: f64| v.is_finite() && v.abs() <= max;
        if !valid(latitude, 90.0) || !valid(longitude, 180.0) {
            return Err(Self::out_of_range());
        }
        let round = |v: f64| {
            let factor = 10f64.powi(Self::COARSE_DECIMALS);
            (v * factor).round() / factor
        };
        Ok(if precise {
            Location { latitude, longitude }
        } else {
            Location { latitude: round(latitude), longitude: round(longitude) }
        })
    }
}

/// Whether a form's "exact spot" box was ticked.
pub fn is_ticked(value: Option<&str>) -> bool {
    matches!(value.map(|v| v.trim().to_ascii_lowercase()).as_deref(), Some("true" | "on" | "1" | "yes"))
}

/// Everything a person says about an echo when they save it.
#[derive(Clone, Debug, PartialEq)]
pub struct EchoMetadata {
    pub emotion: Emotion,
    pub title: Title,
    pub note: Note,
    pub tags: Tags,
    pub captured_at: i64,
    pub location: Option<Location>,
}

/// An echo's metadata as it arrives, one named field at a time (a
/// multipart form, a server function's arguments, a JSON body). Each
/// field is checked as it is set, so a bad one fails before a large file
/// that follows it is read; [`EchoMetadataDraft::finish`] checks the rest.
/// The one place where the fields of a new echo are put together.
#[derive(Debug, Default)]
pub struct EchoMetadataDraft {
    emotion: Option<Emotion>,
    title: Title,
    note: Note,
    tags: Tags,
    captured_at: Option<i64>,
    latitude: Option<String>,
    longitude: Option<String>,
    precise: bool,
    /// Set from numbers, instead of the two text fields.
    location: Option<Location>,
    /// What a wall-clock `captured_at` is read in.
    zone: crate::local_time::TimeZone,
}

impl EchoMetadataDraft {
    /// The fields a new echo takes, by their form and API names.
    pub const FIELDS: [&'static str; 8] =
        ["emotion", "title", "note", "tags", "captured_at", "latitude", "longitude", "location_precise"];

    /// A draft whose wall-clock times are read in `zone` (the person's).
    pub fn in_zone(zone: crate::local_time::TimeZone) -> Self {
        Self { zone, ..Self::default() }
    }

    /// The fields an upload's errors can name, as the form lays them out.
    pub const FIELDS_IN_FORM_ORDER: [&'static str; 7] =
        ["audio", "emotion", "title", "tags", "note", "captured_at", "location"];

    /// Sets one field from its text; `Ok(false)` for a name that is not one
    /// of [`Self::FIELDS`].
    pub fn set(&mut self, name: &str, value: &str, now: i64) -> Result<bool, AppError> {
        match name {
            "emotion" if value.trim().is_empty() => return Err(no_emotion()),
            "emotion" => self.emotion = Some(Emotion::parse(value)?),
            "title" => self.title = Title::parse(value)?,
            "note" => self.note = Note::parse(value)?,
            "tags" => self.tags = Tags::parse(value)?,
            "captured_at" => self.captured_at = Some(parse_captured_at(value, now, &self.zone)?),
            "latitude" | "longitude" if value.len() > 64 => {
                return Err(AppError::invalid("location", "That is not a latitude or longitude."))
            }
            "latitude" => self.latitude = Some(value.to_owned()),
            "longitude" => self.longitude = Some(value.to_owned()),
            "location_precise" => self.precise = is_ticked(Some(value)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Sets the moment from Unix milliseconds (the API).
    pub fn set_captured_at_millis(&mut self, millis: i64) -> Result<(), AppError> {
        self.captured_at = Some(check_moment(millis)?);
        Ok(())
    }

    /// Sets the place from numbers (the API).
    pub fn set_location(&mut self, latitude: f64, longitude: f64, precise: bool) -> Result<(), AppError> {
        self.location = Some(Location::from_coordinates(latitude, longitude, precise)?);
        Ok(())
    }

    /// Sets the tags from a list (a JSON array).
    pub fn set_tag_list(&mut self, tags: &[String]) -> Result<(), AppError> {
        self.tags = Tags::from_list(tags)?;
        Ok(())
    }

    /// [`Self::finish`], after `problems` found on the way (fields that did
    /// not [`set`](Self::set), a missing file): one error naming every
    /// wrong field, so a form shows them all at once.
    pub fn finish_after(self, now: i64, mut problems: Vec<AppError>) -> Result<EchoMetadata, AppError> {
        let finished = self.finish(now);
        match finished {
            Ok(metadata) if problems.is_empty() => return Ok(metadata),
            Ok(_) => {}
            Err(err) => problems.push(err),
        }
        // In the form's order, whatever order the fields came in.
        let order = Self::FIELDS_IN_FORM_ORDER;
        problems.sort_by_key(|e| order.iter().position(|f| e.field.as_deref() == Some(*f)).unwrap_or(order.len()));
        Err(AppError::all_of(problems).expect("a problem"))
    }

    /// The whole metadata: an emotion is required, a location needs both
    /// coordinates, and the moment defaults to `now`.
    pub fn finish(self, now: i64) -> Result<EchoMetadata, AppError> {
        let emotion = self.emotion.ok_or_else(no_emotion)?;
        let location = match self.location {
            Some(location) => Some(location),
            None => Location::parse(self.latitude.as_deref(), self.longitude.as_deref(), self.precise)?,
        };
        Ok(EchoMetadata {
            emotion,
            title: self.title,
            note: self.note,
            tags: self.tags,
            captured_at: self.captured_at.unwrap_or(now),
            location,
        })
    }
}

/// No emotion was picked.
pub fn no_emotion() -> AppError {
    AppError::invalid("emotion", "Choose the emotion this echo carries.")
}

/// What a person changes about an echo they have: each field left `None`
/// stays as it is (a `Some` blank title or note removes it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EchoChanges {
    pub emotion: Option<Emotion>,
    pub title: Option<Title>,
    pub note: Option<Note>,
    pub tags: Option<Tags>,
}

impl EchoChanges {
    pub fn is_empty(&self) -> bool {
        self.emotion.is_none() && self.title.is_none() && self.note.is_none() && self.tags.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_titles_and_notes_are_none() {
        assert_eq!(Title::parse("   ").unwrap().as_deref(), None);
        assert_eq!(Note::parse("").unwrap().as_deref(), None);
        assert_eq!(Title::parse(" Rain ").unwrap().as_deref(), Some("Rain"));
    }

    #[test]
    fn an_overlong_title_is_refused_on_its_field() {
        let err = Title::parse(&"a".repeat(121)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("title"));
    }

    #[test]
    fn tags_are_cleaned_and_deduplicated() {
        assert_eq!(Tags::parse(" Rain, #sea ,rain,, ").unwrap().as_ref(), ["rain", "sea"]);
        assert!(Tags::parse(&(0..21).map(|i| i.to_string()).collect::<Vec<_>>().join(",")).is_err());
        assert_eq!(Tags::parse(&"same,".repeat(300)).unwrap().as_ref(), ["same"]);
        let listed = vec!["Sea, shore".to_owned(), "#Rain".to_owned(), "rain".to_owned()];
        assert_eq!(Tags::from_list(&listed).unwrap().as_ref(), ["sea, shore", "rain"]);
        assert!(Tags::from_list(&vec!["x".to_owned(); 100_000]).is_err());
    }

    #[test]
    fn huge_inputs_are_refused_quickly_on_their_field() {
        // 430,000 tags (2 MB) once took over a minute; now it is refused
        // before any tag is looked at.
        let started = std::time::Instant::now();
        let tags = (0..430_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(Tags::parse(&tags).unwrap_err().field.as_deref(), Some("tags"));
        let many_short = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u";
        assert_eq!(Tags::parse(many_short).unwrap_err().field.as_deref(), Some("tags"));
        let utc = crate::local_time::TimeZone::default();
        let huge = "x".repeat(2 * 1024 * 1024);
        assert!(Title::parse(&huge).is_err());
        assert!(Note::parse(&huge).is_err());
        assert!(parse_captured_at(&huge, 0, &utc).is_err());
        assert!(parse_echo_id(&huge).unwrap_err().message.len() < 100);
        assert!(Location::parse(Some(&huge), Some("1"), false).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }

    #[test]
    fn captured_at_accepts_rfc3339_and_datetime_local() {
        let now = 1_800_000_000_000;
        let utc = crate::local_time::TimeZone::default();
        // A wall-clock time is the person's own: 22:04 in New York is
        // 03:04 UTC the next day; an explicit offset wins over the zone.
        let new_york = crate::local_time::TimeZone::parse("America/New_York").unwrap();
        assert_eq!(parse_captured_at("2020-01-01T22:04", now, &new_york).unwrap(), 1_577_934_240_000);
        assert_eq!(parse_captured_at("2020-01-02T04:04:00+01:00", now, &new_york).unwrap(), 1_577_934_240_000);
        assert_eq!(parse_captured_at("", now, &utc).unwrap(), now);
        assert_eq!(parse_captured_at("2020-01-02T03:04", now, &utc).unwrap(), 1_577_934_240_000);
        assert_eq!(parse_captured_at("2020-01-02T04:04:00+01:00", now, &utc).unwrap(), 1_577_934_240_000);
        assert!(parse_captured_at("yesterday", now, &utc).is_err());
        assert!(parse_captured_at("1969-12-31T23:59", now, &utc).is_err());
        assert_eq!(parse_captured_at("2099-01-01T00:00", now, &utc).unwrap(), 4_070_908_800_000);
        assert!(check_moment(LATEST_MOMENT_MS + 1).is_err() && check_moment(-1).is_err());
    }

    #[test]
    fn a_location_is_coarsened_to_about_a_kilometre_unless_precise() {
        let coarse = Location::parse(Some("52.520008"), Some("13.404954"), false).unwrap().unwrap();
        assert_eq!(coarse, Location { latitude: 52.52, longitude: 13.4 });
        let exact = Location::parse(Some("52.520008"), Some("13.404954"), true).unwrap().unwrap();
        assert_eq!(exact, Location { latitude: 52.520008, longitude: 13.404954 });
        assert_eq!(Location::parse(None, Some(" "), false).unwrap(), None);
        for (lat, lng) in
            [(Some("91"), Some("0")), (Some("0"), Some("-181")), (Some("x"), Some("1")), (Some("1"), None)]
        {
            assert_eq!(Location::parse(lat, lng, false).unwrap_err().field.as_deref(), Some("location"));
        }
    }

    #[test]
    fn a_draft_checks_each_field_as_it_arrives_and_needs_an_emotion() {
        let now = 1_800_000_000_000;
        let mut draft = EchoMetadataDraft::default();
        assert!(draft.set("title", " Rain ", now).unwrap());
        assert!(!draft.set("colour", "blue", now).unwrap());
        assert_eq!(draft.set("tags", &"t,".repeat(5000), now).unwrap_err().field.as_deref(), Some("tags"));
        assert_eq!(draft.set("emotion", " ", now).unwrap_err().field.as_deref(), Some("emotion"));
        let mut incomplete = EchoMetadataDraft::default();
        incomplete.set("latitude", "52.5", now).unwrap();
        incomplete.set("emotion", "calm", now).unwrap();
        assert_eq!(incomplete.finish(now).unwrap_err().field.as_deref(), Some("location"));
        assert_eq!(EchoMetadataDraft::default().finish(now).unwrap_err().field.as_deref(), Some("emotion"));
        draft.set("emotion", "Calm", now).unwrap();
        let metadata = draft.finish(now).unwrap();
        assert_eq!(
            (metadata.emotion, metadata.title.as_deref(), metadata.captured_at),
            (Emotion::Calm, Some("Rain"), now)
        );
    }

    #[test]
    fn a_draft_finished_after_problems_names_every_wrong_field_once() {
        let now = 1_800_000_000_000;
        let mut draft = EchoMetadataDraft::default();
        let problems = vec![
            AppError::invalid("audio", "Choose an audio file to upload."),
            draft.set("emotion", "bored", now).unwrap_err(),
            draft.set("title", &"x".repeat(500), now).unwrap_err(),
        ];
        let error = draft.finish_after(now, problems).unwrap_err();
        assert_eq!(error.fields(), ["audio", "emotion", "title"]);
        let mut fine = EchoMetadataDraft::default();
        fine.set("emotion", "calm", now).unwrap();
        assert!(fine.finish_after(now, Vec::new()).is_ok());
    }

    #[test]
    fn a_malformed_echo_id_is_a_bad_request() {
        let err = parse_echo_id("not-a-uuid").unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::BadRequest);
    }
}
