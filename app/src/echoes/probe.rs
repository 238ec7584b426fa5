//! What the server learns by decoding an echo once, when it is created: its
//! real duration and about 200 waveform peaks, stored with the echo so the
//! page can draw the waveform (and show the length) without the browser
//! decoding anything.
//!
//! The duration comes from the decoded samples, never from a header:
//! MediaRecorder's WebM files have none, which is why players show
//! `Infinity` for them. symphonia (pure Rust) decodes WAV, MP3, FLAC, Vorbis
//! and AAC; Opus — which symphonia only demuxes — is decoded with libopus.

use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, Packet};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// How many bars the waveform has.
pub const PEAK_BUCKETS: usize = 200;
/// Frames summarised together while decoding, before bucketing; keeps the
/// memory for a 5-minute 48 kHz recording at ~28k floats.
const BLOCK_FRAMES: usize = 512;
/// Opus always decodes at 48 kHz.
const OPUS_RATE: u32 = 48_000;

#[derive(Clone, Debug, PartialEq)]
pub struct AudioProbe {
    pub duration_ms: i64,
    /// `PEAK_BUCKETS` values, 0–255, relative to the loudest bucket.
    pub peaks: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot open the audio: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot read the audio: {0}")]
    Format(String),
    #[error("the audio has no decodable track")]
    NoTrack,
}

impl From<SymphoniaError> for ProbeError {
    fn from(err: SymphoniaError) -> Self {
        ProbeError::Format(err.to_string())
    }
}

/// Probes a stored object: copies it to a temporary file and decodes it on
/// the blocking pool. Audio that passed sniffing but cannot be decoded is
/// still kept — it just has no server-side length or waveform — so this
/// logs and returns `None` rather than failing the upload.
pub async fn probe_stored(
    storage: &crate::infra::storage::Storage,
    key: &crate::infra::storage::ObjectKey,
    extension: &'static str,
) -> Option<AudioProbe> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;

    let copy = async {
        let temp = tempfile::NamedTempFile::new()?;
        let mut file = tokio::fs::File::create(temp.path()).await?;
        let mut body = storage.read_range(key, None).await.map_err(std::io::Error::other)?;
        while let Some(chunk) = body.next().await {
            file.write_all(&chunk?).await?;
        }
        file.flush().await?;
        Ok::<_, std::io::Error>(temp)
    };
    let temp = match copy.await {
        Ok(temp) => temp,
        Err(err) => {
            tracing::warn!(%key, error = %err, "could not read the audio back to probe it");
            return None;
        }
    };
    let started = std::time::Instant::now();
    let probed = tokio::task::spawn_blocking(move || probe_file(temp.path(), extension)).await;
    match probed {
        Ok(Ok(probe)) => {
            tracing::debug!(%key, duration_ms = probe.duration_ms, took_ms = started.elapsed().as_millis() as u64, "probed");
            Some(probe)
        }
        Ok(Err(err)) => {
            tracing::warn!(%key, error = %err, "audio kept without duration or waveform");
            None
        }
        Err(err) => {
            tracing::error!(%key, error = %err, "probe task failed");
            None
        }
    }
}

/// Decodes the file at `path` (blocking: run it on the blocking pool).
pub fn probe_file(path: &Path, extension: &str) -> Result<AudioProbe, ProbeError> {
    let file = std::fs::File::open(path)?;
    let source = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let options = FormatOptions { enable_gapless: true, ..Default::default() };
    let probed = symphonia::default::get_probe().format(&hint, source, &options, &MetadataOptions::default())?;
    let mut format = probed.format;
    let track =
        format.tracks().iter().find(|t| t.codec_params.codec != CODEC_TYPE_NULL).cloned().ok_or(ProbeError::NoTrack)?;
    let mut peaks = PeakCollector::default();
    let (frames, rate) = if track.codec_params.codec == CODEC_TYPE_OPUS {
        decode_opus(format.as_mut(), track.id, &track.codec_params, &mut peaks)?
    } else {
        decode_with_symphonia(format.as_mut(), track.id, &track.codec_params, &mut peaks)?
    };
    if rate == 0 {
        return Err(ProbeError::NoTrack);
    }
    Ok(AudioProbe { duration_ms: (frames as u128 * 1000 / rate as u128) as i64, peaks: peaks.finish() })
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
) -> Result<(u64, u32), ProbeError> {
    let mut decoder = symphonia::default::get_codecs().make(params, &DecoderOptions::default())?;
    let mut frames: u64 = 0;
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut samples: Option<SampleBuffer<f32>> = None;
    while let Some(packet) = next_packet(format, track)? {
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged packet is skipped, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(err) => return Err(err.into()),
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        let buffer = match &mut samples {
            Some(buffer) if buffer.capacity() >= decoded.capacity() * spec.channels.count() => buffer,
            _ => samples.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buffer.copy_interleaved_ref(decoded);
        let channels = spec.channels.count().max(1);
        frames += (buffer.samples().len() / channels) as u64;
        peaks.push(buffer.samples(), channels);
    }
    Ok((frames, rate))
}

fn decode_opus(
    format: &mut dyn FormatReader,
    track: u32,
    params: &symphonia::core::codecs::CodecParameters,
    peaks: &mut PeakCollector,
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
    }
    let pre_skip = if demuxer_trims { 0 } else { pre_skip };
    Ok((frames.saturating_sub(pre_skip), OPUS_RATE))
}

/// Folds samples into per-block maxima while decoding, then into
/// [`PEAK_BUCKETS`] buckets once the length is known.
#[derive(Default)]
struct PeakCollector {
    blocks: Vec<f32>,
    current: f32,
    in_current: usize,
}

impl PeakCollector {
    fn push(&mut self, interleaved: &[f32], channels: usize) {
        for frame in interleaved.chunks(channels) {
            let loudest = frame.iter().fold(0f32, |m, s| m.max(s.abs()));
            self.current = self.current.max(loudest);
            self.in_current += 1;
            if self.in_current == BLOCK_FRAMES {
                self.blocks.push(self.current);
                self.current = 0.0;
                self.in_current = 0;
            }
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.in_current > 0 {
            self.blocks.push(self.current);
        }
        if self.blocks.is_empty() {
            return vec![0; PEAK_BUCKETS];
        }
        let n = self.blocks.len();
        let buckets: Vec<f32> = (0..PEAK_BUCKETS)
            .map(|i| {
                let start = i * n / PEAK_BUCKETS;
                let end = ((i + 1) * n / PEAK_BUCKETS).max(start + 1).min(n);
                self.blocks[start.min(n - 1)..end].iter().fold(0f32, |m, v| m.max(*v))
            })
            .collect();
        let loudest = buckets.iter().fold(0f32, |m, v| m.max(*v));
        if loudest <= f32::EPSILON {
            return vec![0; PEAK_BUCKETS];
        }
        buckets.iter().map(|v| ((v / loudest).min(1.0) * 255.0).round() as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_follow_the_loudness_and_always_have_200_buckets() {
        let mut collector = PeakCollector::default();
        // One second quiet, one second loud (mono, 8 kHz).
        let quiet: Vec<f32> = (0..8_000).map(|i| if i % 2 == 0 { 0.1 } else { -0.1 }).collect();
        let loud: Vec<f32> = (0..8_000).map(|i| if i % 2 == 0 { 0.8 } else { -0.8 }).collect();
        collector.push(&quiet, 1);
        collector.push(&loud, 1);
        let peaks = collector.finish();
        assert_eq!(peaks.len(), PEAK_BUCKETS);
        assert!(peaks[..90].iter().all(|p| (30..=34).contains(p)), "{:?}", &peaks[..90]);
        assert!(peaks[110..].iter().all(|p| *p == 255));
        assert_eq!(PeakCollector::default().finish(), vec![0; PEAK_BUCKETS]);
    }
}
