//! Durations and waveforms from real files of every accepted format, made by
//! ffmpeg in the test (Debian's, installed by scripts/setup.sh) — including a
//! MediaRecorder-style WebM that carries no duration at all — and the same
//! answers from decoding an upload while it arrives, in the real sandbox.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use app::echoes::format::AudioFormat;
use app::echoes::probe::{decode_while_stored, decodes_in_one_pass, probe_file, probe_stream, StreamedAnswer, PEAK_BUCKETS};
use app::infra::storage::ObjectKey;
use futures::StreamExt;
use support::{Backend, TestApp};

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
        // Read once, front to back, with no seeking (an upload as it
        // arrives): the very same answer, for every format that is decoded
        // that way — and another answer, or none, for the others (MP4 puts
        // its index last; Ogg trims its length by its last page).
        let streamed = probe_stream(std::fs::File::open(&path).unwrap(), expected.extension(), 3600);
        if decodes_in_one_pass(expected) {
            assert_eq!(streamed.unwrap_or_else(|e| panic!("{name} streamed: {e}")), probe, "{name} streamed");
        } else {
            assert_ne!(streamed.ok().as_ref(), Some(&probe), "{name} streams to its file's answer after all");
        }
    }
}

/// `bytes` as an upload's body, in pieces of 64 KiB.
fn body(bytes: Vec<u8>) -> futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>> {
    let bytes = bytes::Bytes::from(bytes);
    let pieces: Vec<_> = (0..bytes.len()).step_by(64 * 1024).map(|at| Ok(bytes.slice(at..(at + 64 * 1024).min(bytes.len())))).collect();
    futures::stream::iter(pieces).boxed()
}

/// Passes the whole body on, as storage would, and checks nothing changed.
async fn pass_on(mut body: futures::stream::BoxStream<'_, std::io::Result<bytes::Bytes>>, expected: &[u8]) {
    let mut passed = Vec::new();
    while let Some(piece) = body.next().await {
        passed.extend_from_slice(&piece.unwrap());
    }
    assert_eq!(passed, expected, "the body passes through unchanged");
}

#[tokio::test]
async fn an_upload_is_decoded_in_the_sandbox_while_it_arrives() {
    let app = TestApp::start(Backend::Sqlite, &[("PROBE_CONCURRENCY", "2"), ("MAX_AUDIO_DURATION_SECONDS", "60")]).await;
    let prober = &app.state.prober;
    let key = ObjectKey::for_echo(uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), "wav");
    let dir = tempfile::tempdir().unwrap();
    let wav = std::fs::read(make(dir.path(), "tone.wav", &["-c:a", "pcm_s16le"])).unwrap();
    let from_file = probe_file(&dir.path().join("tone.wav"), "wav", 60).unwrap();

    // The whole body went past: the decoder's answer is the file's.
    let (passed, streamed) = decode_while_stored(prober, AudioFormat::Wav, body(wav.clone()));
    pass_on(passed, &wav).await;
    let StreamedAnswer::Settled(answer) = streamed.answer(&key).await else { panic!("not decoded while it arrived") };
    assert_eq!(answer.unwrap(), from_file);

    // Longer than allowed: refused right there, for its length.
    let long = support::audio::wav_sine(61.0);
    let (passed, streamed) = decode_while_stored(prober, AudioFormat::Wav, body(long.clone()));
    pass_on(passed, &long).await;
    let StreamedAnswer::Settled(Err(refusal)) = streamed.answer(&key).await else { panic!("not refused as it arrived") };
    assert!(refusal.message.contains("longer than"), "{}", refusal.message);

    // What the stream cannot settle is left to the stored file: garbage
    // (the file's decoder says why, in the slot the stream's had), an MP4
    // (never streamed), a body that was not read to its end, and an upload
    // when no slot is free (it will wait for one like any other).
    let mut garbage = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    garbage.extend_from_slice(&[0xAB; 500]);
    let (passed, streamed) = decode_while_stored(prober, AudioFormat::Wav, body(garbage.clone()));
    pass_on(passed, &garbage).await;
    let answer = streamed.answer(&key).await;
    assert!(matches!(answer, StreamedAnswer::DecodeFile(Some(_))), "garbage is left to the file's decoder");
    drop(answer);

    let (passed, streamed) = decode_while_stored(prober, AudioFormat::Mp4Audio, body(wav.clone()));
    pass_on(passed, &wav).await;
    assert!(matches!(streamed.answer(&key).await, StreamedAnswer::DecodeFile(None)), "an MP4 is decoded from its file");

    let (mut passed, streamed) = decode_while_stored(prober, AudioFormat::Wav, body(wav.clone()));
    passed.next().await.unwrap().unwrap();
    drop(passed);
    assert!(matches!(streamed.answer(&key).await, StreamedAnswer::DecodeFile(None)), "half a body settles nothing");

    let (first, second) = (prober.stream("wav").unwrap(), prober.stream("wav").unwrap());
    let (passed, streamed) = decode_while_stored(prober, AudioFormat::Wav, body(wav.clone()));
    pass_on(passed, &wav).await;
    let answer = streamed.answer(&key).await;
    assert!(matches!(answer, StreamedAnswer::DecodeFile(None)), "an upload never waits for a slot to decode as it arrives");
    drop((answer, first, second));
    app.finish().await;
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
