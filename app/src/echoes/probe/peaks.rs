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
        for frame in interleaved.chunks(channels.max(1)) {
            let loudest = frame.iter().fold(0f32, |m, s| m.max(s.abs()));
            self.current = self.current.max(loudest);
            self.in_current += 1;
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
    fn stereo_frames_count_once() {
        let mut collector = PeakCollector::default();
        collector.push(&[0.5, -1.0, 0.25, 0.25], 2);
        assert_eq!(collector.in_current, 2);
    }
}
