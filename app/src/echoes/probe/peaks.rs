//! Waveform peaks in constant memory, whatever the length of the audio.
//!
//! Samples are folded into at most [`BINS`] bins of `span` frames each; when
//! the bins are full, neighbours are merged pairwise (keeping the louder)
//! and `span` doubles. At the end the bins are folded into [`PEAK_BUCKETS`]
//! bars. So an hour costs the same few kilobytes as a second.

/// How many bars the waveform has.
pub const PEAK_BUCKETS: usize = 200;
/// Bins kept while decoding: between `BINS / 2` and `BINS` are in use, always
/// well above [`PEAK_BUCKETS`] once the audio is longer than a few bins.
const BINS: usize = 1024;
/// Frames per bin at the start (about 1.3 ms at 48 kHz).
const FIRST_SPAN: u64 = 64;

pub struct PeakCollector {
    bins: Box<[f32; BINS]>,
    filled: usize,
    span: u64,
    current: f32,
    in_current: u64,
}

impl Default for PeakCollector {
    fn default() -> Self {
        PeakCollector { bins: Box::new([0.0; BINS]), filled: 0, span: FIRST_SPAN, current: 0.0, in_current: 0 }
    }
}

impl PeakCollector {
    /// Adds interleaved samples of `channels` channels.
    pub fn push(&mut self, interleaved: &[f32], channels: usize) {
        let channels = channels.max(1);
        let frames = interleaved.len().div_ceil(channels);
        self.fold(frames, |from, to| loudest(&interleaved[from * channels..(to * channels).min(interleaved.len())]));
    }

    /// Adds the same frames of each channel, one plane per channel (as
    /// decoders hand them out, with no interleaving copy).
    pub fn push_planes(&mut self, planes: &[&[f32]]) {
        let frames = planes.iter().map(|plane| plane.len()).min().unwrap_or(0);
        self.fold(frames, |from, to| planes.iter().map(|plane| loudest(&plane[from..to])).fold(0.0, f32::max));
    }

    /// Adds interleaved 16-bit little-endian PCM of `channels` channels,
    /// straight from a WAV file's bytes: the same waveform as converting
    /// them to `f32` first (that division by 32768 is exact), without the
    /// conversion, which was most of probing a large WAV. Returns how many
    /// whole frames it took.
    pub fn push_pcm16(&mut self, interleaved_le: &[u8], channels: usize) -> usize {
        let frame_bytes = 2 * channels.max(1);
        let frames = interleaved_le.len() / frame_bytes;
        self.fold(frames, |from, to| {
            f32::from(loudest_pcm16(&interleaved_le[from * frame_bytes..to * frame_bytes])) / 32_768.0
        });
        frames
    }

    /// Takes `frames` frames a bin's worth at a time: `loudest_in(from, to)`
    /// is the largest magnitude of frames `from..to`.
    fn fold(&mut self, frames: usize, mut loudest_in: impl FnMut(usize, usize) -> f32) {
        let mut at = 0;
        while at < frames {
            let take = usize::try_from(self.span - self.in_current).unwrap_or(usize::MAX).min(frames - at);
            self.current = self.current.max(loudest_in(at, at + take));
            self.in_current += take as u64;
            at += take;
            if self.in_current == self.span {
                self.close_bin();
            }
        }
    }

    fn close_bin(&mut self) {
        self.bins[self.filled] = self.current;
        self.filled += 1;
        self.current = 0.0;
        self.in_current = 0;
        if self.filled == BINS {
            for i in 0..BINS / 2 {
                self.bins[i] = self.bins[2 * i].max(self.bins[2 * i + 1]);
            }
            self.filled = BINS / 2;
            self.span *= 2;
        }
    }

    /// [`PEAK_BUCKETS`] values, 0–255, relative to the loudest bar.
    pub fn finish(mut self) -> Vec<u8> {
        if self.in_current > 0 {
            // A last, partial bin: it stands for fewer frames, which only
            // blurs the final bar a little.
            self.bins[self.filled] = self.current;
            self.filled += 1;
        }
        let n = self.filled;
        if n == 0 {
            return vec![0; PEAK_BUCKETS];
        }
        let bins = &self.bins[..n];
        let buckets: Vec<f32> = (0..PEAK_BUCKETS)
            .map(|i| {
                let start = (i * n / PEAK_BUCKETS).min(n - 1);
                let end = ((i + 1) * n / PEAK_BUCKETS).max(start + 1).min(n);
                bins[start..end].iter().fold(0f32, |m, v| m.max(*v))
            })
            .collect();
        let loudest = buckets.iter().fold(0f32, |m, v| m.max(*v));
        if loudest <= f32::EPSILON {
            return vec![0; PEAK_BUCKETS];
        }
        buckets.iter().map(|v| ((v / loudest).min(1.0) * 255.0).round() as u8).collect()
    }
}

/// The largest magnitude in `samples`, NaN ignored. Eight running maxima
/// written as comparisons (which skip NaN) let the compiler use vector
/// instructions: this is most of a probe's work.
fn loudest(samples: &[f32]) -> f32 {
    let keep_louder = |max: &mut f32, sample: &f32| {
        let magnitude = sample.abs();
        if magnitude > *max {
            *max = magnitude;
        }
    };
    let mut lanes = [0f32; 8];
    let mut chunks = samples.chunks_exact(lanes.len());
    for chunk in &mut chunks {
        lanes.iter_mut().zip(chunk).for_each(|(max, sample)| keep_louder(max, sample));
    }
    let mut max = 0f32;
    lanes.iter().chain(chunks.remainder()).for_each(|sample| keep_louder(&mut max, sample));
    max
}

/// The largest magnitude of the 16-bit little-endian samples in `bytes`
/// (|-32768| included), in sixteen running maxima the compiler vectorises.
fn loudest_pcm16(bytes: &[u8]) -> u16 {
    let magnitude = |pair: &[u8]| i16::from_le_bytes([pair[0], pair[1]]).unsigned_abs();
    let mut lanes = [0u16; 16];
    let mut chunks = bytes.chunks_exact(2 * lanes.len());
    for chunk in &mut chunks {
        lanes.iter_mut().zip(chunk.chunks_exact(2)).for_each(|(max, pair)| *max = (*max).max(magnitude(pair)));
    }
    let rest = chunks.remainder().chunks_exact(2).map(magnitude);
    lanes.into_iter().chain(rest).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frames: usize, level: f32) -> Vec<f32> {
        (0..frames).map(|i| if i % 2 == 0 { level } else { -level }).collect()
    }

    #[test]
    fn peaks_follow_the_loudness_and_always_have_200_buckets() {
        let mut collector = PeakCollector::default();
        // One second quiet, one second loud (mono, 8 kHz).
        collector.push(&tone(8_000, 0.1), 1);
        collector.push(&tone(8_000, 0.8), 1);
        let peaks = collector.finish();
        assert_eq!(peaks.len(), PEAK_BUCKETS);
        assert!(peaks[..90].iter().all(|p| (30..=34).contains(p)), "{:?}", &peaks[..90]);
        assert!(peaks[110..].iter().all(|p| *p == 255));
        assert_eq!(PeakCollector::default().finish(), vec![0; PEAK_BUCKETS]);
    }

    #[test]
    fn a_long_recording_keeps_its_shape_in_the_same_memory() {
        // Ten minutes at 48 kHz: the first half quiet, the second loud —
        // far more frames than bins, so the bins merge many times.
        let mut collector = PeakCollector::default();
        let minute = tone(48_000 * 60, 0.2);
        for _ in 0..5 {
            collector.push(&minute, 1);
        }
        let loud = tone(48_000 * 60, 0.9);
        for _ in 0..5 {
            collector.push(&loud, 1);
        }
        assert!(collector.filled <= BINS && collector.filled >= BINS / 2);
        let peaks = collector.finish();
        assert!(peaks[..95].iter().all(|p| (55..=58).contains(p)), "{:?}", &peaks[..95]);
        assert!(peaks[105..].iter().all(|p| *p == 255), "{:?}", &peaks[105..]);
    }

    #[test]
    fn planes_and_interleaved_frames_give_the_same_waveform() {
        let left: Vec<f32> = (0..100_000).map(|i| ((i as f32) / 900.0).sin() * 0.7).collect();
        let right: Vec<f32> = (0..100_000).map(|i| -((i as f32) / 3000.0).cos() * 0.4).collect();
        let interleaved: Vec<f32> = left.iter().zip(&right).flat_map(|(l, r)| [*l, *r]).collect();
        let (mut planar, mut mixed) = (PeakCollector::default(), PeakCollector::default());
        // In packets of uneven sizes, as decoders hand them out.
        for (from, to) in [(0, 1), (1, 4_000), (4_000, 4_097), (4_097, 100_000)] {
            planar.push_planes(&[&left[from..to], &right[from..to]]);
            mixed.push(&interleaved[from * 2..to * 2], 2);
        }
        assert_eq!(planar.in_current, mixed.in_current);
        assert_eq!(planar.finish(), mixed.finish());
    }

    #[test]
    fn pcm16_bytes_give_the_waveform_of_their_samples_as_f32() {
        let samples: Vec<i16> =
            (0..90_001).map(|i| (((i as f32) / 700.0).sin() * 30_000.0) as i16).chain([i16::MIN, 7]).collect();
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let floats: Vec<f32> = samples.iter().map(|s| f32::from(*s) / 32_768.0).collect();
        let (mut raw, mut converted) = (PeakCollector::default(), PeakCollector::default());
        // Stereo, in packets of uneven sizes (a whole number of frames each).
        for (from, to) in [(0, 2), (2, 8_002), (8_002, 8_040), (8_040, 90_002)] {
            raw.push_pcm16(&bytes[from * 2..to * 2], 2);
            converted.push(&floats[from..to], 2);
        }
        assert_eq!(raw.in_current, converted.in_current);
        assert_eq!(raw.finish(), converted.finish());
        assert_eq!(loudest_pcm16(&i16::MIN.to_le_bytes()), 32_768);
        assert_eq!(loudest_pcm16(&[]), 0);
    }

    #[test]
    fn loudness_ignores_nan_and_sign() {
        assert_eq!(loudest(&[0.25, f32::NAN, -0.5, 0.0]), 0.5);
        assert_eq!(loudest(&[-0.0]), 0.0);
        assert_eq!(loudest(&[]), 0.0);
        assert_eq!(loudest(&[f32::NEG_INFINITY, 1.0]), f32::INFINITY);
    }

    #[test]
    fn stereo_frames_count_once() {
        let mut collector = PeakCollector::default();
        collector.push(&[0.5, -1.0, 0.25, 0.25], 2);
        assert_eq!(collector.in_current, 2);
    }
}
