//! The player for one echo: the waveform drawn as inline SVG from the peaks
//! the server computed (so it is there before any script runs), the played
//! part highlighted, click or drag on it to seek, keyboard control (space
//! plays/pauses, ←/→ jump 5 s), the duration from the server (never
//! `Infinity`), and Media Session metadata for the OS's media controls.
//! The `<audio>` element streams from the echo's stable URL (Range requests,
//! or a redirect to S3), so seeking is cheap.

use leptos::prelude::*;

use crate::display::format_duration;
use crate::echoes::Echo;

/// Width of the SVG's coordinate space: one unit per peak.
const WAVE_WIDTH: usize = 200;
const WAVE_HEIGHT: f64 = 100.0;
/// How far ←/→ jump, in seconds.
const SKIP_SECONDS: f64 = 5.0;

/// The waveform as one SVG path of vertical bars, centred.
fn waveform_path(peaks: &[u8]) -> String {
    let mut d = String::with_capacity(peaks.len() * 24);
    let scale = WAVE_WIDTH as f64 / peaks.len().max(1) as f64;
    for (i, peak) in peaks.iter().enumerate() {
        let height = (*peak as f64 / 255.0 * (WAVE_HEIGHT - 4.0)).max(1.5);
        let x = i as f64 * scale + scale * 0.15;
        let y = (WAVE_HEIGHT - height) / 2.0;
        d.push_str(&format!("M{x:.2} {y:.2}h{:.2}v{height:.2}h-{:.2}z", scale * 0.7, scale * 0.7));
    }
    d
}

/// Tells the OS's media controls what is playing. Media Session is still an
/// unstable API in web-sys, so it is reached through `Reflect`; browsers
/// without it are simply skipped.
#[cfg(feature = "hydrate")]
fn set_media_session(title: &str, artist: &str) {
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else { return };
    let session = Reflect::get(&window.navigator(), &"mediaSession".into()).unwrap_or(JsValue::UNDEFINED);
    let constructor = Reflect::get(&window, &"MediaMetadata".into()).unwrap_or(JsValue::UNDEFINED);
    if session.is_undefined() || !constructor.is_function() {
        return;
    }
    let init = Object::new();
    let _ = Reflect::set(&init, &"title".into(), &title.into());
    let _ = Reflect::set(&init, &"artist".into(), &artist.into());
    if let Ok(metadata) = Reflect::construct(constructor.unchecked_ref::<Function>(), &Array::of1(&init)) {
        let _ = Reflect::set(&session, &"metadata".into(), &metadata);
    }
}

#[component]
pub fn Player(
    echo: Echo,
    #[prop(optional)] autoplay: bool,
    /// Where the audio is, when not the echo's own URL (the landing
    /// page's bundled sample).
    #[prop(optional, into)]
    src: Option<String>,
) -> impl IntoView {
    let title = echo.display_title();
    let label = format!("Play {title}");
    let audio_url = src.unwrap_or_else(|| echo.audio_url());
    let download_url = audio_url.clone();
    let duration_ms = echo.duration_ms;
    let server_seconds = duration_ms.map(|ms| ms as f64 / 1000.0);
    // What the browser reports, used only when the server could not decode.
    let browser_seconds = RwSignal::new(None::<f64>);
    let duration = move || server_seconds.or_else(|| browser_seconds.get()).filter(|d| d.is_finite() && *d > 0.0);
    let current = RwSignal::new(0.0f64);
    let playing = RwSignal::new(false);
    let audio = NodeRef::<leptos::html::Audio>::new();
    let wave = echo.peaks.as_deref().filter(|p| !p.is_empty()).map(waveform_path);
    let has_wave = wave.is_some();
    let played_width = move || match duration() {
        Some(d) => format!("{:.2}", (current.get() / d).clamp(0.0, 1.0) * WAVE_WIDTH as f64),
        None => "0".to_owned(),
    };
    let clip_id = format!("played-{}", echo.id.simple());
    let clip_url = format!("url(#{clip_id})");
    let time_text = move || {
        let total = duration().map(|d| format_duration((d * 1000.0) as i64)).unwrap_or_else(|| "–:––".to_owned());
        format!("{} / {total}", format_duration((current.get() * 1000.0) as i64))
    };

    // Browser-only behaviour; on the server these handlers are never called.
    let seek_to_fraction = move |fraction: f64| {
        #[cfg(feature = "hydrate")]
        if let (Some(el), Some(total)) = (audio.get_untracked(), duration()) {
            let at = fraction.clamp(0.0, 1.0) * total;
            el.set_current_time(at);
            current.set(at);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = fraction;
    };
    let seek_from_pointer = move |ev: &leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(target) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let rect = target.get_bounding_client_rect();
                if rect.width() > 0.0 {
                    seek_to_fraction((ev.client_x() as f64 - rect.left()) / rect.width());
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, seek_to_fraction);
    };
    let toggle = move || {
        #[cfg(feature = "hydrate")]
        if let Some(el) = audio.get_untracked() {
            if el.paused() {
                let _ = el.play();
            } else {
                let _ = el.pause();
            }
        }
    };
    let skip = move |by: f64| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = audio.get_untracked() {
            let limit = duration().unwrap_or(f64::MAX);
            let at = (el.current_time() + by).clamp(0.0, limit);
            el.set_current_time(at);
            current.set(at);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = by;
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        " " | "Spacebar" => {
            ev.prevent_default();
            toggle();
        }
        "ArrowLeft" => {
            ev.prevent_default();
            skip(-SKIP_SECONDS);
        }
        "ArrowRight" => {
            ev.prevent_default();
            skip(SKIP_SECONDS);
        }
        _ => {}
    };
    let media_title = title.clone();
    let media_artist = format!("{} · Echoes", echo.emotion.label());
    let on_play = move |_| {
        playing.set(true);
        #[cfg(feature = "hydrate")]
        set_media_session(&media_title, &media_artist);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&media_title, &media_artist);
    };
    let dragging = RwSignal::new(false);

    view! {
        <div class=if has_wave { "player" } else { "player no-wave" } role="group" aria-label=format!("Player: {title}") tabindex="0"
            on:keydown=on_key data-testid="player-box">
            <button type="button" class="play" on:click=move |_| toggle()
                aria-label=move || if playing.get() { "Pause" } else { "Play" }>
                {move || if playing.get() { "❚❚" } else { "▶" }}
            </button>
            {wave.map(|d| view! {
                <svg class="waveform" viewBox=format!("0 0 {WAVE_WIDTH} {WAVE_HEIGHT}") preserveAspectRatio="none"
                    role="slider" aria-label="Seek" aria-valuemin="0"
                    aria-valuemax=format!("{:.0}", server_seconds.unwrap_or(0.0))
                    aria-valuenow=move || format!("{:.0}", current.get())
                    data-testid="waveform"
                    on:pointerdown=move |ev| { dragging.set(true); seek_from_pointer(&ev); }
                    on:pointermove=move |ev| if dragging.get_untracked() { seek_from_pointer(&ev) }
                    on:pointerup=move |_| dragging.set(false)
                    on:pointerleave=move |_| dragging.set(false)>
                    <defs>
                        <clipPath id=clip_id.clone()>
                            <rect x="0" y="0" height=WAVE_HEIGHT.to_string() width=played_width/>
                        </clipPath>
                    </defs>
                    <path class="wave-bars" d=d.clone()/>
                    <path class="wave-played" d=d clip-path=clip_url.clone()/>
                </svg>
            })}
            <span class="time" data-testid="player-time">{time_text}</span>
            <audio
                node_ref=audio
                controls
                preload="metadata"
                autoplay=autoplay
                src=audio_url
                aria-label=label
                data-testid="player"
                data-duration-ms=duration_ms.map(|ms| ms.to_string())
                on:timeupdate=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(el) = audio.get_untracked() { current.set(el.current_time()); }
                }
                on:loadedmetadata=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(el) = audio.get_untracked() { browser_seconds.set(Some(el.duration())); }
                }
                on:play=on_play
                on:pause=move |_| playing.set(false)
                on:ended=move |_| playing.set(false)
            >
                <a href=download_url>"Download the audio"</a>
            </audio>
        </div>
    }
}
