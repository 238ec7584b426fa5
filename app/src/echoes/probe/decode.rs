//! The decoding itself: symphonia (pure Rust) for WAV, MP3, FLAC, Vorbis and
//! AAC; libopus for Opus, which symphonia only demuxes.
//!
//! This runs on hostile bytes, so it only ever runs in the sandboxed child
//! process (see [`super::sandbox`]) — never in the server. It stops as soon
//! as the audio passes the length limit, and its memory does not grow with
//! the length (the peaks go into a fixed-size [`PeakCollector`]).

use std::path::Path;

use symphonia::core::audio::{AudioBuffer, Signal};
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS, CODEC_TYPE_PCM_S16LE};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, Packet};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::peaks::PeakCollector;
use super::AudioProbe;

/// Opus always decodes at 48 kHz.
const OPUS_RATE: u32 = 48_000;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot open the audio: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot read the audio: {0}")]
    Format(String),
    #[error("the audio has no decodable track")]
    NoTrack,
    #[error("the audio is longer than {max_secs} s")]
    TooLong { max_secs: u64 },
}

impl From<SymphoniaError> for ProbeError {
    fn from(err: SymphoniaError) -> Self {
        ProbeError::Format(err.to_string())
    }
}

/// Decodes the file at `path`, giving up as soon as it passes `max_secs`.
/// Blocking, and for hostile input: call it in the sandboxed child only.
pub fn probe_file(path: &Path, extension: &str, max_secs: u64) -> Result<AudioProbe, ProbeError> {
    let file = std::fs::File::open(path)?;
    probe_source(MediaSourceStream::new(Box::new(file), Default::default()), extension, max_secs)
}

/// [`probe_file`] on bytes read once from start to end, with no seeking:
/// an upload as it arrives. Formats that must seek (an MP4 whose index
/// comes after its audio) fail here and are probed from the file instead.
pub fn probe_stream(
    reader: impl std::io::Read + Send + Sync + 'static,
    extension: &str,
    max_secs: u64,
) -> Result<AudioProbe, ProbeError> {
    let source = symphonia::core::io::ReadOnlySource::new(reader);
    probe_source(MediaSourceStream::new(Box::new(source), Default::default()), extension, max_secs)
}

fn probe_source(source: MediaSourceStream, extension: &str, max_secs: u64) -> Result<AudioProbe, ProbeError> {
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let options = FormatOptions { enable_gapless: true, ..Default::default() };
    let probed = symphonia::default::get_probe().format(&hint, source, &options, &MetadataOptions::default())?;
    let mut format = probed.format;
    let track =
        format.tracks().iter().find(|t| t.codec_params.codec != CODEC_TYPE_NULL).cloned().ok_or(ProbeError::NoTrack)?;
    let mut peaks = PeakCollector::default();
    let limit = Limit { max_secs };
    let (frames, rate) = if track.codec_params.codec == CODEC_TYPE_OPUS {
        decode_opus(format.as_mut(), track.id, &track.codec_params, &mut peaks, limit)?
    } else if track.codec_params.codec == CODEC_TYPE_PCM_S16LE {
        read_pcm16(format.as_mut(), track.id, &track.codec_params, &mut peaks, limit)?
    } else {
        decode_with_symphonia(format.as_mut(), track.id, &track.codec_params, &mut peaks, limit)?
    };
    if rate == 0 || frames == 0 {
        return Err(ProbeError::NoTrack);
    }
    Ok(AudioProbe { duration_ms: (frames as u128 * 1000 / rate as u128) as i64, peaks: peaks.finish() })
}

/// The longest audio decoded before giving up.
#[derive(Clone, Copy)]
struct Limit {
    max_secs: u64,
}

impl Limit {
    fn check(self, frames: u64, rate: u32) -> Result<(), ProbeError> {
        if rate > 0 && frames > self.max_secs.saturating_mul(rate as u64) {
            return Err(ProbeError::TooLong { max_secs: self.max_secs });
        }
        Ok(())
    }
}

/// The next packet of `track`, or `None` at the end of the stream.
fn next_packet(format: &mut dyn FormatReader, track: u32) -> Result<Option<Packet>, ProbeError> {
    loop {
        match format.next_packet() {
            Ok(packet) if packet.track_id() == track => return Ok(Some(packet)),
            Ok(_) => continue,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(SymphoniaError::ResetRequired) => return Ok(None),
            Err(err) => return Err(err.into()),
        }
    }
}

fn decode_with_symphonia(
    format: &mut dyn FormatReader,
    track: u32,
    params: &symphonia::core::codecs::CodecParameters,
    peaks: &mut PeakCollector,
    limit: Limit,
) -> Result<(u64, u32), ProbeError> {
    let mut decoder = symphonia::default::get_codecs().make(params, &DecoderOptions::default())?;
    let mut frames: u64 = 0;
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut samples: Option<AudioBuffer<f32>> = None;
    while let Some(packet) = next_packet(format, track)? {
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged packet is skipped, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(err) => return Err(err.into()),
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        // Converted plane by plane (no interleaving), into a buffer kept
        // while the packets keep their shape.
        let buffer = match &mut samples {
            Some(buffer) if buffer.capacity() >= decoded.capacity() && *buffer.spec() == spec => buffer,
            _ => samples.insert(AudioBuffer::new(decoded.capacity() as u64, spec)),
        };
        decoded.convert(buffer);
        frames += buffer.frames() as u64;
        peaks.push_planes(buffer.planes().planes());
        limit.check(frames, rate)?;
    }
    Ok((frames, rate))
}

/// 16-bit PCM (most WAV files) needs no decoding: the packets are the
/// samples, interleaved, and go to the peaks as they are.
fn read_pcm16(
    format: &mut dyn FormatReader,
    track: u32,
    params: &symphonia::core::codecs::CodecParameters,
    peaks: &mut PeakCollector,
    limit: Limit,
) -> Result<(u64, u32), ProbeError> {
    let channels = params.channels.map(|c| c.count()).filter(|c| *c > 0).ok_or(ProbeError::NoTrack)?;
    let rate = params.sample_rate.unwrap_or(0);
    let mut frames: u64 = 0;
    while let Some(packet) = next_packet(format, track)? {
        frames += peaks.push_pcm16(&packet.data, channels) as u64;
        limit.check(frames, rate)?;
    }
    Ok((frames, rate))
}

fn decode_opus(
    format: &mut dyn FormatReader,
    track: u32,
    params: &symphonia::core::codecs::CodecParameters,
    peaks: &mut PeakCollector,
    limit: Limit,
) -> Result<(u64, u32), ProbeError> {
    // The OpusHead (Ogg's first packet, WebM's CodecPrivate) holds the
    // channel count and how many leading samples are encoder padding.
    let head = params.extra_data.as_deref().filter(|h| h.len() >= 12 && h.starts_with(b"OpusHead"));
    let channels = head.map(|h| h[9] as usize).or_else(|| params.channels.map(|c| c.count())).unwrap_or(1).clamp(1, 2);
    let pre_skip = head.map(|h| u16::from_le_bytes([h[10], h[11]]) as u64).unwrap_or(0);
    let layout = if channels == 2 { opus::Channels::Stereo } else { opus::Channels::Mono };
    let mut decoder = opus::Decoder::new(OPUS_RATE, layout).map_err(|e| ProbeError::Format(e.to_string()))?;
    // 120 ms is the longest Opus packet.
    let mut pcm = vec![0f32; 5_760 * channels];
    let mut frames: u64 = 0;
    let mut demuxer_trims = false;
    while let Some(packet) = next_packet(format, track)? {
        let decoded = match decoder.decode_float(&packet.data, &mut pcm, false) {
            Ok(decoded) => decoded,
            Err(_) => continue,
        };
        // With gapless reading the demuxer marks encoder padding at either
        // end (Ogg's granule positions): leave it out of length and waveform.
        let (trim_start, trim_end) = (packet.trim_start() as usize, packet.trim_end() as usize);
        demuxer_trims |= trim_start > 0;
        let start = trim_start.min(decoded);
        let end = decoded.saturating_sub(trim_end).max(start);
        frames += (end - start) as u64;
        peaks.push(&pcm[start * channels..end * channels], channels);
        limit.check(frames, OPUS_RATE)?;
    }
    let pre_skip = if demuxer_trims { 0 } else { pre_skip };
    Ok((frames.saturating_sub(pre_skip), OPUS_RATE))
}
