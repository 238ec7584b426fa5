//! Recording from the microphone with MediaRecorder, and a live level from
//! an AnalyserNode. The microphone is opened only when asked (a click), in
//! "ambient" mode (echo cancellation, noise suppression and auto gain off:
//! they erase exactly the sound of a place) or "voice" mode, and its tracks
//! are stopped the moment recording ends.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Array, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AnalyserNode, AudioContext, Blob, BlobEvent, BlobPropertyBag, MediaRecorder, MediaRecorderOptions, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// The types to try, best first: Chrome/Firefox record WebM/Opus, Safari MP4.
const PREFERRED_TYPES: [&str; 3] = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"];

pub struct Recorder {
    recorder: MediaRecorder,
    stream: MediaStream,
    context: AudioContext,
    analyser: AnalyserNode,
    chunks: Rc<RefCell<Vec<JsValue>>>,
    mime: String,
    _on_data: Closure<dyn FnMut(BlobEvent)>,
}

/// A finished take.
pub struct Take {
    pub blob: Blob,
    pub mime: String,
}

/// The best type this browser can record, if any.
pub fn best_type() -> Option<&'static str> {
    PREFERRED_TYPES.into_iter().find(|t| MediaRecorder::is_type_supported(t))
}

/// Why the microphone could not be used, in words a person can act on.
fn explain(err: JsValue) -> String {
    let name = Reflect::get(&err, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => {
            "Echoes may not use the microphone. Allow it in the browser's site settings, then try again.".into()
        }
        "NotFoundError" | "OverconstrainedError" => "No microphone was found. Connect one and try again.".into(),
        "NotReadableError" | "AbortError" => {
            "The microphone is busy or unavailable — another app may be using it. Close it and try again.".into()
        }
        _ => format!("The microphone could not be started ({name})."),
    }
}

impl Recorder {
    /// Asks for the microphone and starts recording; `on_chunk(index, chunk,
    /// type)` sees each one-second chunk as it arrives.
    pub async fn start(ambient: bool, on_chunk: impl Fn(usize, Blob, String) + 'static) -> Result<Recorder, String> {
        let window = web_sys::window().ok_or("No browser window.")?;
        if !window.is_secure_context() {
            return Err("Recording needs a secure page: open Echoes over https (or on localhost).".into());
        }
        let devices = window.navigator().media_devices().map_err(|_| "This browser cannot record audio.".to_owned())?;
        let mime = best_type().ok_or("This browser cannot record audio in a format Echoes keeps.")?.to_owned();

        let audio = js_sys::Object::new();
        let processing = JsValue::from_bool(!ambient);
        for key in ["echoCancellation", "noiseSuppression", "autoGainControl"] {
            let _ = Reflect::set(&audio, &key.into(), &processing);
        }
        let constraints = MediaStreamConstraints::new();
        constraints.set_audio(&audio);
        let promise = devices.get_user_media_with_constraints(&constraints).map_err(explain)?;
        let stream: MediaStream = JsFuture::from(promise).await.map_err(explain)?.unchecked_into();

        let context = AudioContext::new().map_err(|_| "The browser's audio engine is unavailable.".to_owned())?;
        let analyser = context.create_analyser().map_err(|_| "The level meter could not start.".to_owned())?;
        analyser.set_fft_size(2048);
        let source =
            context.create_media_stream_source(&stream).map_err(|_| "The level meter could not start.".to_owned())?;
        let _ = source.connect_with_audio_node(&analyser);

        let options = MediaRecorderOptions::new();
        options.set_mime_type(&mime);
        let recorder = MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
            .map_err(|_| "Recording could not start.".to_owned())?;
        let chunks: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let sink = chunks.clone();
        let essence = mime.split(';').next().unwrap_or("audio/webm").to_owned();
        let on_data = Closure::<dyn FnMut(BlobEvent)>::new(move |event: BlobEvent| {
            if let Some(data) = event.data() {
                if data.size() > 0.0 {
                    let index = sink.borrow().len();
                    sink.borrow_mut().push(data.clone().into());
                    on_chunk(index, data, essence.clone());
                }
            }
        });
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        // A chunk every second: a long take is never one huge buffer.
        recorder.start_with_time_slice(1000).map_err(|_| "Recording could not start.".to_owned())?;
        Ok(Recorder { recorder, stream, context, analyser, chunks, mime, _on_data: on_data })
    }

    /// The current input level, 0.0–1.0 (RMS of the last ~40 ms).
    pub fn level(&self) -> f64 {
        let mut samples = vec![0f32; self.analyser.fft_size() as usize];
        self.analyser.get_float_time_domain_data(&mut samples);
        let sum: f32 = samples.iter().map(|s| s * s).sum();
        ((sum / samples.len().max(1) as f32).sqrt() as f64 * 3.0).min(1.0)
    }

    /// Stops recording, releases the microphone, and returns the take.
    pub async fn stop(self) -> Result<Take, String> {
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let done_tx = RefCell::new(Some(done_tx));
        let on_stop = Closure::<dyn Fn()>::new(move || {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.send(());
            }
        });
        self.recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        let _ = self.recorder.stop();
        // The microphone goes off now, not when the page is left.
        for track in self.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        let _ = self.context.close();
        let _ = done_rx.await;
        drop(on_stop);
        let parts = Array::new();
        for chunk in self.chunks.borrow().iter() {
            parts.push(chunk);
        }
        let kind = BlobPropertyBag::new();
        let essence = self.mime.split(';').next().unwrap_or("audio/webm").to_owned();
        kind.set_type(&essence);
        let blob = Blob::new_with_blob_sequence_and_options(&parts, &kind)
            .map_err(|_| "The recording could not be put together.".to_owned())?;
        if blob.size() == 0.0 {
            return Err("Nothing was recorded. Check the microphone and try again.".into());
        }
        Ok(Take { blob, mime: essence })
    }
}
