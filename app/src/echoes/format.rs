//! Which audio formats Echoes accepts, recognised by their first bytes —
//! never by a file name or a client's Content-Type.
//!
//! Written here rather than taken from a crate like `infer`: `infer` reports
//! Ogg without telling Opus from Vorbis (or from Theora video) and calls WebM
//! and MP4 "video"; our accepted set is small and each check is a few lines.

/// An accepted audio format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFormat {
    Wav,
    Mp3,
    OggOpus,
    OggVorbis,
    WebM,
    Mp4Audio,
    Flac,
}

/// How many leading bytes [`AudioFormat::sniff`] wants to see (less is fine
/// when the file is shorter).
pub const SNIFF_LEN: usize = 64;

/// Formats as a client can name them before we have seen a byte: a
/// declared MIME type says the container, not always the codec (`audio/ogg`
/// is Opus or Vorbis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFamily {
    Wav,
    Mp3,
    Ogg,
    WebM,
    Mp4,
    Flac,
}

impl AudioFamily {
    /// The family a declared Content-Type names, accepting the aliases
    /// browsers use (`audio/x-wav`, `audio/x-m4a`, `video/webm`, …).
    /// Every declared type accepted, by family.
    pub const DECLARED: &'static [(&'static str, AudioFamily)] = &[
        ("audio/wav", AudioFamily::Wav),
        ("audio/x-wav", AudioFamily::Wav),
        ("audio/wave", AudioFamily::Wav),
        ("audio/vnd.wave", AudioFamily::Wav),
        ("audio/mpeg", AudioFamily::Mp3),
        ("audio/mp3", AudioFamily::Mp3),
        ("audio/mpeg3", AudioFamily::Mp3),
        ("audio/x-mpeg", AudioFamily::Mp3),
        ("audio/ogg", AudioFamily::Ogg),
        ("audio/opus", AudioFamily::Ogg),
        ("audio/vorbis", AudioFamily::Ogg),
        ("application/ogg", AudioFamily::Ogg),
        ("audio/webm", AudioFamily::WebM),
        ("video/webm", AudioFamily::WebM),
        ("audio/mp4", AudioFamily::Mp4),
        ("audio/x-m4a", AudioFamily::Mp4),
        ("audio/m4a", AudioFamily::Mp4),
        ("audio/aac", AudioFamily::Mp4),
        ("video/mp4", AudioFamily::Mp4),
        ("audio/flac", AudioFamily::Flac),
        ("audio/x-flac", AudioFamily::Flac),
    ];

    /// One of [`Self::DECLARED`] (in any case), then optionally `;` and
    /// parameters in printable ASCII (`;codecs=opus`) — exactly what
    /// [`Self::declared_pattern`] documents.
    pub fn from_declared(content_type: &str) -> Option<AudioFamily> {
        if content_type.len() > 200 || !content_type.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return None;
        }
        let essence = content_type.split(';').next().unwrap_or_default();
        Self::DECLARED.iter().find(|(name, _)| name.eq_ignore_ascii_case(essence)).map(|(_, family)| *family)
    }

    /// The regular expression (JSON Schema / ECMA-262) of what
    /// [`Self::from_declared`] accepts, case-insensitive without flags.
    pub fn declared_pattern() -> String {
        let names: Vec<String> = Self::DECLARED
            .iter()
            .map(|(name, _)| {
                name.chars()
                    .map(|c| match c {
                        c if c.is_ascii_alphabetic() => {
                            format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                        }
                        '.' => "\\.".to_owned(),
                        c => c.to_string(),
                    })
                    .collect()
            })
            .collect();
        format!("^({})(;[ -~]*)?$", names.join("|"))
    }

    /// The object-key extension for an upload declared as this family.
    pub fn extension(self) -> &'static str {
        match self {
            AudioFamily::Wav => "wav",
            AudioFamily::Mp3 => "mp3",
            AudioFamily::Ogg => "ogg",
            AudioFamily::WebM => "webm",
            AudioFamily::Mp4 => "m4a",
            AudioFamily::Flac => "flac",
        }
    }
}

impl AudioFormat {
    pub fn family(self) -> AudioFamily {
        match self {
            AudioFormat::Wav => AudioFamily::Wav,
            AudioFormat::Mp3 => AudioFamily::Mp3,
            AudioFormat::OggOpus | AudioFormat::OggVorbis => AudioFamily::Ogg,
            AudioFormat::WebM => AudioFamily::WebM,
            AudioFormat::Mp4Audio => AudioFamily::Mp4,
            AudioFormat::Flac => AudioFamily::Flac,
        }
    }

    /// A short name for messages ("WAV", "Ogg Opus").
    pub fn name(self) -> &'static str {
        match self {
            AudioFormat::Wav => "WAV",
            AudioFormat::Mp3 => "MP3",
            AudioFormat::OggOpus => "Ogg Opus",
            AudioFormat::OggVorbis => "Ogg Vorbis",
            AudioFormat::WebM => "WebM",
            AudioFormat::Mp4Audio => "MP4 audio",
            AudioFormat::Flac => "FLAC",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::Wav => "audio/wav",
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::OggOpus => "audio/ogg; codecs=opus",
            AudioFormat::OggVorbis => "audio/ogg; codecs=vorbis",
            AudioFormat::WebM => "audio/webm",
            AudioFormat::Mp4Audio => "audio/mp4",
            AudioFormat::Flac => "audio/flac",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::Wav => "wav",
            AudioFormat::Mp3 => "mp3",
            AudioFormat::OggOpus => "opus",
            AudioFormat::OggVorbis => "ogg",
            AudioFormat::WebM => "webm",
            AudioFormat::Mp4Audio => "m4a",
            AudioFormat::Flac => "flac",
        }
    }

    /// Recognises the format from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Option<AudioFormat> {
        if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
            return Some(AudioFormat::Wav);
        }
        if head.starts_with(b"fLaC") {
            return Some(AudioFormat::Flac);
        }
        if head.starts_with(b"OggS") {
            return sniff_ogg(head);
        }
        if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
            return sniff_ebml(head);
        }
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            return sniff_mp4(&head[8..12]);
        }
        // MP3: an ID3v2 tag (version 2–4), or straight into an MPEG audio frame.
        if head.len() >= 10 && head.starts_with(b"ID3") && (2..=4).contains(&head[3]) {
            return Some(AudioFormat::Mp3);
        }
        if is_mpeg_audio_frame(head) {
            return Some(AudioFormat::Mp3);
        }
        None
    }
}

/// The first Ogg page holds the codec's identification header.
fn sniff_ogg(head: &[u8]) -> Option<AudioFormat> {
    let segments = *head.get(26)? as usize;
    let packet = head.get(27 + segments..)?;
    if packet.starts_with(b"OpusHead") {
        Some(AudioFormat::OggOpus)
    } else if packet.starts_with(b"\x01vorbis") {
        Some(AudioFormat::OggVorbis)
    } else {
        None
    }
}

/// EBML: accept the `webm` DocType (Matroska video files use `matroska`).
fn sniff_ebml(head: &[u8]) -> Option<AudioFormat> {
    head.windows(4).any(|w| w == b"webm").then_some(AudioFormat::WebM)
}

/// ISO BMFF brands used by audio MP4s (M4A from iTunes/ffmpeg, Safari's
/// MediaRecorder output, generic ISO brands).
fn sniff_mp4(brand: &[u8]) -> Option<AudioFormat> {
    const AUDIO_BRANDS: [&[u8; 4]; 9] =
        [b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"iso5", b"iso6", b"dash"];
    AUDIO_BRANDS.iter().any(|b| &b[..] == brand).then_some(AudioFormat::Mp4Audio)
}

/// An MPEG-1/2/2.5 Layer III frame header: 11 sync bits, a valid version,
/// layer III, a bitrate index that is neither "free" nor "bad", a valid
/// sample-rate index.
fn is_mpeg_audio_frame(head: &[u8]) -> bool {
    if head.len() < 4 || head[0] != 0xFF || head[1] & 0xE0 != 0xE0 {
        return false;
    }
    let version = (head[1] >> 3) & 0b11;
    let layer = (head[1] >> 1) & 0b11;
    let bitrate = head[2] >> 4;
    let sample_rate = (head[2] >> 2) & 0b11;
    version != 0b01 && layer == 0b01 && bitrate != 0 && bitrate != 0xF && sample_rate != 0b11
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ogg_page(packet: &[u8]) -> Vec<u8> {
        let mut page = b"OggS\x00\x02".to_vec();
        page.extend_from_slice(&[0; 20]); // granule, serial, sequence, crc
        page.push(1); // one segment
        page.push(packet.len() as u8);
        page.extend_from_slice(packet);
        page
    }

    #[test]
    fn each_accepted_format_is_recognised_from_its_header() {
        let cases: Vec<(Vec<u8>, AudioFormat)> = vec![
            ([b"RIFF".as_slice(), &[0x24, 0, 0, 0], b"WAVEfmt "].concat(), AudioFormat::Wav),
            (b"fLaC\x00\x00\x00\x22".to_vec(), AudioFormat::Flac),
            (ogg_page(b"OpusHead\x01\x02"), AudioFormat::OggOpus),
            (ogg_page(b"\x01vorbis\x00\x00"), AudioFormat::OggVorbis),
            (
                [&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84][..], b"webm"].concat(),
                AudioFormat::WebM,
            ),
            ([&[0, 0, 0, 0x20][..], b"ftypM4A ", &[0, 0, 0, 0]].concat(), AudioFormat::Mp4Audio),
            (b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec(), AudioFormat::Mp3),
            (vec![0xFF, 0xFB, 0x90, 0x64], AudioFormat::Mp3),
        ];
        for (bytes, expected) in cases {
            assert_eq!(AudioFormat::sniff(&bytes), Some(expected), "{expected:?}");
        }
    }

    #[test]
    fn declared_types_map_to_families_with_browser_aliases() {
        assert_eq!(AudioFamily::from_declared("audio/webm;codecs=opus"), Some(AudioFamily::WebM));
        assert_eq!(AudioFamily::from_declared("audio/x-m4a"), Some(AudioFamily::Mp4));
        assert_eq!(AudioFamily::from_declared("Audio/WAV"), Some(AudioFamily::Wav));
        assert_eq!(AudioFamily::from_declared("image/png"), None);
        assert_eq!(AudioFamily::from_declared(" audio/wav"), None, "as documented: no padding");
        assert_eq!(AudioFamily::from_declared("audio/wav;\n"), None);
        assert!(AudioFamily::declared_pattern().starts_with("^([aA][uU][dD][iI][oO]/[wW][aA][vV]|"));
        assert_eq!(AudioFormat::OggOpus.family(), AudioFamily::from_declared("audio/ogg").unwrap());
    }

    #[test]
    fn non_audio_is_refused() {
        let cases: [&[u8]; 8] = [
            b"",
            b"\x89PNG\r\n\x1a\n",
            b"%PDF-1.7",
            b"ID3",
            b"<html><body>not audio</body></html>",
            &[0xFF, 0xD8, 0xFF, 0xE0], // JPEG
            &[0x1A, 0x45, 0xDF, 0xA3, 0x42, 0x82, 0x88, b'm', b'a', b't', b'r', b'o'], // Matroska video
            b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x80theora",
        ];
        for bytes in cases {
            assert_eq!(AudioFormat::sniff(bytes), None, "{bytes:?}");
        }
    }
}
