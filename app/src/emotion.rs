//! The fixed set of emotions an echo can carry — defined once, used by the
//! database constraint, the server and every page.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Joy,
    Calm,
    Sadness,
    Anger,
    Fear,
    Surprise,
    Love,
    Nostalgia,
}

impl Emotion {
    /// Every emotion, in the order the UI shows them.
    pub const ALL: [Emotion; 8] = [
        Emotion::Joy,
        Emotion::Calm,
        Emotion::Sadness,
        Emotion::Anger,
        Emotion::Fear,
        Emotion::Surprise,
        Emotion::Love,
        Emotion::Nostalgia,
    ];

    /// The stored and wire name (`"calm"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Emotion::Joy => "joy",
            Emotion::Calm => "calm",
            Emotion::Sadness => "sadness",
            Emotion::Anger => "anger",
            Emotion::Fear => "fear",
            Emotion::Surprise => "surprise",
            Emotion::Love => "love",
            Emotion::Nostalgia => "nostalgia",
        }
    }

    /// The name shown to people (`"Calm"`).
    pub fn label(self) -> &'static str {
        match self {
            Emotion::Joy => "Joy",
            Emotion::Calm => "Calm",
            Emotion::Sadness => "Sadness",
            Emotion::Anger => "Anger",
            Emotion::Fear => "Fear",
            Emotion::Surprise => "Surprise",
            Emotion::Love => "Love",
            Emotion::Nostalgia => "Nostalgia",
        }
    }

    /// Parses user input (case-insensitive, surrounding spaces ignored).
    pub fn parse(input: &str) -> Result<Emotion, AppError> {
        let wanted = input.trim();
        Emotion::ALL.into_iter().find(|e| e.as_str().eq_ignore_ascii_case(wanted)).ok_or_else(|| {
            let names: Vec<&str> = Emotion::ALL.iter().map(|e| e.as_str()).collect();
            // Short input is quoted back; long input (hostile or a mistake) is not.
            let quoted = if wanted.len() <= 32 { format!(" \"{wanted}\"") } else { String::new() };
            AppError::invalid("emotion", format!("Unknown emotion{quoted}. Choose one of: {}.", names.join(", ")))
        })
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_round_trips_through_its_name() {
        for emotion in Emotion::ALL {
            assert_eq!(Emotion::parse(emotion.as_str()), Ok(emotion));
            let json = serde_json::to_string(&emotion).unwrap();
            assert_eq!(json, format!("\"{}\"", emotion.as_str()));
        }
    }

    #[test]
    fn parsing_ignores_case_and_spaces() {
        assert_eq!(Emotion::parse("  CaLm "), Ok(Emotion::Calm));
    }

    #[test]
    fn an_unknown_emotion_names_the_accepted_ones() {
        let err = Emotion::parse("bored").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("emotion"));
        assert!(err.message.contains("joy, calm, sadness"), "{}", err.message);
    }
}
