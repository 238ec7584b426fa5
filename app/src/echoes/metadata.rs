//! Parse, don't validate: the metadata a person gives an echo.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::emotion::Emotion;
use crate::error::AppError;

/// An optional title: trimmed, at most 120 characters; blank means none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title(pub Option<String>);

impl Title {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Title, AppError> {
        optional_text(input, "title", Self::MAX_CHARS).map(Title)
    }
}

/// An optional note or transcript: at most 5000 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note(pub Option<String>);

impl Note {
    pub const MAX_CHARS: usize = 5000;

    pub fn parse(input: &str) -> Result<Note, AppError> {
        optional_text(input, "note", Self::MAX_CHARS).map(Note)
    }
}

/// The most bytes `max_chars` characters of UTF-8 can take: anything longer
/// is refused before it is looked at character by character.
pub(crate) const fn max_bytes(max_chars: usize) -> usize {
    max_chars * 4
}

fn optional_text(input: &str, field: &str, max: usize) -> Result<Option<String>, AppError> {
    if input.len() > max_bytes(max) + 1024 {
        return Err(AppError::invalid(field, format!("Keep the {field} to {max} characters or fewer.")));
    }
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(AppError::invalid(field, format!("Keep the {field} to {max} characters or fewer.")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(AppError::invalid(field, format!("The {field} cannot contain control characters.")));
    }
    Ok(Some(text.to_owned()))
}

/// Tags from comma-separated input: trimmed, lower-cased, de-duplicated,
/// at most 20 tags of at most 40 characters each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(pub Vec<String>);

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 40;

    /// Longest accepted input: every tag at its longest, with separators.
    const MAX_INPUT_BYTES: usize = Self::MAX_TAGS * (max_bytes(Self::MAX_CHARS) + 8);

    /// Linear in the input, which is bounded before anything else happens.
    pub fn parse(input: &str) -> Result<Tags, AppError> {
        let too_many = || AppError::invalid("tags", format!("Use at most {} tags.", Self::MAX_TAGS));
        if input.len() > Self::MAX_INPUT_BYTES {
            return Err(too_many());
        }
        let mut tags: Vec<String> = Vec::new();
        for raw in input.split(',') {
            let tag = raw.trim().trim_start_matches('#').trim().to_lowercase();
            // At most MAX_TAGS are kept, so this check is bounded too.
            if tag.is_empty() || tags.contains(&tag) {
                continue;
            }
            if tags.len() == Self::MAX_TAGS {
                return Err(too_many());
            }
            if tag.chars().count() > Self::MAX_CHARS {
                return Err(AppError::invalid(
                    "tags",
                    format!("Keep each tag to {} characters or fewer.", Self::MAX_CHARS),
                ));
            }
            if tag.chars().any(char::is_control) {
                return Err(AppError::invalid("tags", "Tags cannot contain control characters."));
            }
            tags.push(tag);
        }
        Ok(Tags(tags))
    }
}

/// When the moment happened. Accepts RFC 3339 (`2026-11-21T14:30:00+01:00`)
/// or a form's `datetime-local` value (`2026-11-21T14:30`, read as UTC).
/// Blank means `now`. More than a day in the future is refused.
pub fn parse_captured_at(input: &str, now: i64) -> Result<i64, AppError> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(now);
    }
    if text.len() > 64 {
        return Err(AppError::invalid("captured_at", "Enter the date and time like 2026-11-21T14:30."));
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc()))
        .map_err(|_| AppError::invalid("captured_at", "Enter the date and time like 2026-11-21T14:30."))?;
    let millis = parsed.timestamp_millis();
    if millis > now + 24 * 3600 * 1000 {
        return Err(AppError::invalid("captured_at", "That moment is in the future."));
    }
    if parsed.timestamp() < 0 {
        return Err(AppError::invalid("captured_at", "Pick a moment after 1970."));
    }
    Ok(millis)
}

/// An echo id from a URL: a malformed one is a clear `400`.
pub fn parse_echo_id(input: &str) -> Result<Uuid, AppError> {
    if input.len() > 64 {
        return Err(AppError::bad_request("That is not a valid echo id."));
    }
    Uuid::parse_str(input.trim()).map_err(|_| AppError::bad_request(format!("\"{input}\" is not a valid echo id.")))
}

/// Where an echo was recorded. Private by default: only when the person
/// adds it, and rounded to about 1 km unless they ask for the exact spot.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl Location {
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
            return Err(AppError::invalid(
                "location",
                "The location must be a latitude from -90 to 90 and a longitude from -180 to 180.",
            ));
        };
        let round = |v: f64| {
            let factor = 10f64.powi(Self::COARSE_DECIMALS);
            (v * factor).round() / factor
        };
        Ok(Some(if precise {
            Location { latitude, longitude }
        } else {
            Location { latitude: round(latitude), longitude: round(longitude) }
        }))
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

impl EchoMetadata {
    /// Parses every field at once (the direct-upload "complete" call).
    pub fn from_fields(
        emotion: &str,
        title: Option<&str>,
        tags: Option<&str>,
        note: Option<&str>,
        captured_at: Option<&str>,
        location: Option<Location>,
        now: i64,
    ) -> Result<EchoMetadata, AppError> {
        if emotion.trim().is_empty() {
            return Err(AppError::invalid("emotion", "Choose the emotion this echo carries."));
        }
        Ok(EchoMetadata {
            emotion: Emotion::parse(emotion)?,
            title: Title::parse(title.unwrap_or_default())?,
            note: Note::parse(note.unwrap_or_default())?,
            tags: Tags::parse(tags.unwrap_or_default())?,
            captured_at: parse_captured_at(captured_at.unwrap_or_default(), now)?,
            location,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_titles_and_notes_are_none() {
        assert_eq!(Title::parse("   ").unwrap(), Title(None));
        assert_eq!(Note::parse("").unwrap(), Note(None));
        assert_eq!(Title::parse(" Rain ").unwrap(), Title(Some("Rain".into())));
    }

    #[test]
    fn an_overlong_title_is_refused_on_its_field() {
        let err = Title::parse(&"a".repeat(121)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("title"));
    }

    #[test]
    fn tags_are_cleaned_and_deduplicated() {
        assert_eq!(Tags::parse(" Rain, #sea ,rain,, ").unwrap(), Tags(vec!["rain".into(), "sea".into()]));
        assert!(Tags::parse(&(0..21).map(|i| i.to_string()).collect::<Vec<_>>().join(",")).is_err());
        assert_eq!(Tags::parse(&"same,".repeat(300)).unwrap(), Tags(vec!["same".into()]));
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
        let huge = "x".repeat(2 * 1024 * 1024);
        assert!(Title::parse(&huge).is_err());
        assert!(Note::parse(&huge).is_err());
        assert!(parse_captured_at(&huge, 0).is_err());
        assert!(parse_echo_id(&huge).unwrap_err().message.len() < 100);
        assert!(Location::parse(Some(&huge), Some("1"), false).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }

    #[test]
    fn captured_at_accepts_rfc3339_and_datetime_local() {
        let now = 1_800_000_000_000;
        assert_eq!(parse_captured_at("", now).unwrap(), now);
        assert_eq!(parse_captured_at("2020-01-02T03:04", now).unwrap(), 1_577_934_240_000);
        assert_eq!(parse_captured_at("2020-01-02T04:04:00+01:00", now).unwrap(), 1_577_934_240_000);
        assert!(parse_captured_at("yesterday", now).is_err());
        assert!(parse_captured_at("2099-01-01T00:00", now).is_err());
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
    fn a_malformed_echo_id_is_a_bad_request() {
        let err = parse_echo_id("not-a-uuid").unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::BadRequest);
    }
}
