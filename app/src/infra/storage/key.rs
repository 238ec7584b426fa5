//! Typed object keys: `{user_id}/{echo_id}.{ext}`, built only from ids the
//! server generated and an extension from the sniffed format. Direct
//! uploads land under `incoming/` first: the only keys a browser is ever
//! allowed to write, and never ones an echo plays from.

use std::fmt;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

const INCOMING: &str = "incoming/";

impl ObjectKey {
    pub fn for_echo(user_id: Uuid, echo_id: Uuid, extension: &'static str) -> ObjectKey {
        ObjectKey(format!("{user_id}/{echo_id}.{extension}"))
    }

    /// Where a browser PUTs a direct upload before it is checked.
    pub fn incoming(user_id: Uuid, echo_id: Uuid, extension: &'static str) -> ObjectKey {
        ObjectKey(format!("{INCOMING}{user_id}/{echo_id}.{extension}"))
    }

    pub fn is_incoming(&self) -> bool {
        self.0.starts_with(INCOMING)
    }

    /// The echo's own key for an incoming one (itself for any other key).
    pub fn without_incoming(&self) -> ObjectKey {
        ObjectKey(self.0.strip_prefix(INCOMING).unwrap_or(&self.0).to_owned())
    }

    /// Re-reads a key stored in the database; refuses anything that is not
    /// exactly the shape [`for_echo`](Self::for_echo) or
    /// [`incoming`](Self::incoming) makes.
    pub fn parse(stored: &str) -> Option<ObjectKey> {
        let (user, file) = stored.strip_prefix(INCOMING).unwrap_or(stored).split_once('/')?;
        let (echo, ext) = file.split_once('.')?;
        let valid = Uuid::parse_str(user).is_ok()
            && Uuid::parse_str(echo).is_ok()
            && !ext.is_empty()
            && ext.len() <= 5
            && ext.bytes().all(|b| b.is_ascii_alphanumeric());
        valid.then(|| ObjectKey(stored.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_and_nothing_else_parses() {
        let key = ObjectKey::for_echo(Uuid::nil(), Uuid::max(), "webm");
        assert_eq!(ObjectKey::parse(key.as_str()), Some(key.clone()));
        let incoming = ObjectKey::incoming(Uuid::nil(), Uuid::max(), "webm");
        assert_eq!(ObjectKey::parse(incoming.as_str()), Some(incoming.clone()));
        assert_eq!(incoming.without_incoming(), key);
        assert_eq!(ObjectKey::parse("incoming/incoming/x"), None);
        for bad in ["../etc/passwd", "a/b.mp3", "x", "", "00000000-0000-0000-0000-000000000000/../x.mp3"] {
            assert_eq!(ObjectKey::parse(bad), None, "{bad}");
        }
    }
}
