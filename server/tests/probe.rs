//! Durations and waveforms from real files of every accepted format, made by
//! ffmpeg in the test (Debian's, installed by scripts/setup.sh) — including a
//! MediaRecorder-style WebM that carries no duration at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use app::echoes::format::AudioFormat;
use app::echoes::probe::{probe_file, PEAK_BUCKETS};

const SECONDS: f64 = 3.0;

/// Makes `name` from a 3 s tone that is silent for its first second, with
/// ffmpeg's `args` choosing the codec and container.
fn make(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:sample_rate=48000:duration={SECONDS},volume='if(lt(t,1),0,1)':eval=frame"))
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success(), "ffmpeg could not make {name}");
    out
}

#[test]
fn every_accepted_format_gets_a_duration_within_2_percent_and_a_waveform() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<&str>, AudioFormat)> = vec![
        ("tone.wav", vec!["-c:a", "pcm_s16le"], AudioFormat::Wav),
        ("tone.mp3", vec!["-c:a", "libmp3lame", "-b:a", "128k"], AudioFormat::Mp3),
        ("tone.ogg", vec!["-c:a", "libvorbis"], AudioFormat::OggVorbis),
        ("tone.opus", vec!["-c:a", "libopus", "-f", "ogg"], AudioFormat::OggOpus),
        ("tone.webm", vec!["-c:a", "libopus", "-f", "webm"], AudioFormat::WebM),
        // What MediaRecorder makes: a live WebM without a duration header.
        ("recorded.webm", vec!["-c:a", "libopus", "-f", "webm", "-live", "1"], AudioFormat::WebM),
        ("tone.m4a", vec!["-c:a", "aac", "-b:a", "96k"], AudioFormat::Mp4Audio),
        ("tone.flac", vec!["-c:a", "flac"], AudioFormat::Flac),
    ];
    for (name, args, expected) in cases {
        let path = make(dir.path(), name, &args);
        let bytes = std::fs::read(&path).unwrap();
        let format = AudioFormat::sniff(&bytes[..bytes.len().min(64)]);
        assert_eq!(format, Some(expected), "{name} sniffs as {expected:?}");
        let probe = probe_file(&path, expected.extension(), 3600).unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!("{name}: {} ms", probe.duration_ms);
        let error = (probe.duration_ms as f64 - SECONDS * 1000.0).abs() / (SECONDS * 1000.0);
        assert!(error < 0.02, "{name}: {} ms is not within 2% of {} ms", probe.duration_ms, SECONDS * 1000.0);
        assert_eq!(probe.peaks.len(), PEAK_BUCKETS, "{name}");
        // The first second is silent, the rest is the tone.
        let silent = &probe.peaks[..PEAK_BUCKETS / 3 - 5];
        // The very last bar may hold up to 15 ms of codec padding (WebM's
        // DiscardPadding is not applied) — within the 2% the length allows.
        let loud = &probe.peaks[PEAK_BUCKETS / 3 + 5..PEAK_BUCKETS - 1];
        assert!(silent.iter().all(|p| *p < 20), "{name}: silence shows as silence: {silent:?}");
        assert!(loud.iter().all(|p| *p > 200), "{name}: the tone shows as loud: {loud:?}");
    }
}

#[test]
fn the_recorded_webm_really_has_no_duration_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = make(dir.path(), "recorded.webm", &["-c:a", "libopus", "-f", "webm", "-live", "1"]);
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "N/A",
        "the fixture must lack a duration, like MediaRecorder's"
    );
}

#[test]
fn garbage_that_sniffs_as_audio_is_a_probe_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.wav");
    let mut bytes = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    bytes.extend_from_slice(&[0xAB; 500]);
    std::fs::write(&path, bytes).unwrap();
    assert!(probe_file(&path, "wav", 3600).is_err());
}
