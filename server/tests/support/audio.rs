//! Real audio made in the test: a 16-bit mono PCM WAV of a sine tone.

pub fn wav_sine(seconds: f32) -> Vec<u8> {
    let rate: u32 = 8_000;
    let samples = (0..(rate as f32 * seconds) as u32).map(|i| {
        let t = i as f32 / rate as f32;
        ((t * 440.0 * std::f32::consts::TAU).sin() * 8_000.0) as i16
    });
    testkit::wav_pcm16(rate, samples)
}
