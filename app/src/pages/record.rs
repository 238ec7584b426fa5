//! Record an echo through the microphone: choose ambient or voice mode,
//! watch the level and the clock (it stops by itself at the configured
//! length), listen to the take, then tag and save it through the same
//! upload paths as files (presigned to S3, or through the server), with a
//! progress bar.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::echo_fields::EchoFields;
use crate::components::field_error::{FieldError, FormError};
use crate::display::format_duration;
use crate::echoes::upload_settings;
use crate::error::AppError;

/// Only the browser moves past `Idle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Phase {
    Idle,
    Starting,
    Recording,
    Recorded,
}

#[component]
pub fn RecordPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| upload_settings());
    view! {
        <Title text="Record an echo"/>
        <section class="card">
            <h1>"Record an echo"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(settings) => view! {
                            <Recorder direct=settings.direct max_secs=settings.max_recording_secs/>
                        }.into_any(),
                        Err(err) => super::error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Recorder(direct: bool, max_secs: u64) -> impl IntoView {
    let ambient = RwSignal::new(true);
    let phase = RwSignal::new(Phase::Idle);
    let elapsed = RwSignal::new(0.0f64);
    let level = RwSignal::new(0.0f64);
    let problem = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<String>);
    let progress = RwSignal::new(None::<f64>);
    let failed = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || failed.get());
    let notice = RwSignal::new(None::<String>);
    // Where the take was recorded, only once the person asks for it.
    let place = RwSignal::new(None::<(f64, f64)>);
    let place_problem = RwSignal::new(None::<String>);
    let want_place = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        place_problem.set(None);
        if !checked {
            place.set(None);
            return;
        }
        #[cfg(feature = "hydrate")]
        crate::browser::place::locate(move |found| match found {
            Ok(spot) => place.set(Some(spot)),
            Err(problem) => place_problem.set(Some(problem)),
        });
    };

    #[cfg(feature = "hydrate")]
    let controls = hydrated::Controls::new(phase, elapsed, level, problem, preview, notice, max_secs);
    #[cfg(feature = "hydrate")]
    let navigate = leptos_router::hooks::use_navigate();

    let start = move |_| {
        #[cfg(feature = "hydrate")]
        controls.start(ambient.get_untracked());
    };
    let stop = move |_| {
        #[cfg(feature = "hydrate")]
        controls.stop();
    };
    let discard = move |_| {
        #[cfg(feature = "hydrate")]
        controls.discard();
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Some(data) = controls.form_data(&form) else { return };
            // Said before any byte goes up (the server checks it too).
            if data.get("emotion").as_string().is_none_or(|e| e.is_empty()) {
                failed.set(Some(crate::echoes::no_emotion()));
                return;
            }
            failed.set(None);
            progress.set(Some(0.0));
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let sent = crate::browser::upload::send_data(&data, direct, move |f| progress.set(Some(f))).await;
                progress.set(None);
                match sent {
                    Ok(echo) => {
                        // The server has it: the browser's copy can go.
                        crate::browser::take_store::forget().await;
                        controls.discard();
                        navigate(&echo.page_url(), Default::default());
                    }
                    Err(err) => failed.set(Some(err)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = direct;
    };

    view! {
        <noscript><p class="form-error">"Recording needs JavaScript. You can " <a href="/upload">"upload a file"</a> " instead."</p></noscript>
        <fieldset class="mode chip-picker" disabled=move || phase.get() != Phase::Idle aria-describedby="mode-hint">
            <legend>"Mode"</legend>
            <input type="radio" name="mode" id="mode-ambient" checked=true on:change=move |_| ambient.set(true)/>
            <label for="mode-ambient" class="chip">"Ambient"</label>
            <input type="radio" name="mode" id="mode-voice" on:change=move |_| ambient.set(false)/>
            <label for="mode-voice" class="chip">"Voice"</label>
            <p class="hint" id="mode-hint">{move || if ambient.get() {
                "Ambient keeps the whole room, untouched."
            } else {
                "Voice turns on echo cancellation and noise suppression."
            }}</p>
        </fieldset>
        {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="record-problem">{p}</p> })}
        {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="record-notice">{n}</p> })}
        <div class="recorder" data-testid="recorder">
            {move || match phase.get() {
                Phase::Idle => view! {
                    <button type="button" class="record" on:click=start>"● Start recording"</button>
                }.into_any(),
                Phase::Starting => view! { <p class="muted">"Waiting for the microphone…"</p> }.into_any(),
                Phase::Recording => view! {
                    <button type="button" class="record stop" on:click=stop>"■ Stop"</button>
                }.into_any(),
                Phase::Recorded => view! {
                    <button type="button" class="secondary" on:click=discard>"Discard and record again"</button>
                }.into_any(),
            }}
            <label for="level">"Level"</label>
            <meter id="level" min="0" max="1" low="0.05" high="0.85" optimum="0.4" value=move || format!("{:.3}", level.get())
                data-testid="level-meter"></meter>
            <span class="time" data-testid="record-time">
                {move || format!("{} / {}", format_duration((elapsed.get() * 1000.0) as i64), format_duration(max_secs as i64 * 1000))}
            </span>
        </div>
        {move || preview.get().map(|url| {
            let save = save.clone();
            view! {
            <h2>"Listen, then save"</h2>
            <audio controls src=url data-testid="take-preview"></audio>
            <form class="stack" novalidate on:submit=save data-testid="save-take">
                <FormError error/>
                <EchoFields error prefix="take-"/>
                <fieldset class="place">
                    <legend>"Place " <span class="muted">"(optional)"</span></legend>
                    <label><input type="checkbox" id="add-place" on:change=want_place/> " Add where this was recorded"</label>
                    <label><input type="checkbox" name="location_precise" value="true"/>
                        " Exact spot " <span class="muted">"(otherwise rounded to about 1 km)"</span></label>
                    <input type="hidden" name="latitude" value=move || place.get().map(|p| p.0.to_string()).unwrap_or_default()/>
                    <input type="hidden" name="longitude" value=move || place.get().map(|p| p.1.to_string()).unwrap_or_default()/>
                    {move || place.get().map(|_| view! { <p class="muted" data-testid="place-found">"Location added."</p> })}
                    {move || place_problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                </fieldset>
                <FieldError error field="location"/>
                <FieldError error field="audio"/>
                {move || progress.get().map(|fraction| {
                    let percent = (fraction * 100.0).round() as u32;
                    view! {
                        <label for="save-progress">{format!("Saving… {percent}%")}</label>
                        <progress id="save-progress" max="100" value=percent.to_string()></progress>
                    }
                })}
                <button type="submit" disabled=move || progress.get().is_some()>"Save echo"</button>
            </form>
        }})}
    }
}

#[cfg(feature = "hydrate")]
mod hydrated {
    //! The recorder's browser side: the MediaRecorder, a 10 Hz tick for the
    //! level meter and the clock, the take and its preview URL.

    use std::time::Duration;

    use leptos::prelude::*;
    use web_sys::{FormData, HtmlFormElement, Url};

    use super::Phase;
    use crate::browser::recorder::{Recorder, Take};
    use crate::browser::take_store;

    #[derive(Clone, Copy)]
    pub struct Controls {
        phase: RwSignal<Phase>,
        elapsed: RwSignal<f64>,
        level: RwSignal<f64>,
        problem: RwSignal<Option<String>>,
        preview: RwSignal<Option<String>>,
        notice: RwSignal<Option<String>>,
        max_secs: u64,
        recorder: StoredValue<Option<Recorder>, LocalStorage>,
        take: StoredValue<Option<Take>, LocalStorage>,
        tick: StoredValue<Option<IntervalHandle>, LocalStorage>,
    }

    impl Controls {
        pub fn new(
            phase: RwSignal<Phase>,
            elapsed: RwSignal<f64>,
            level: RwSignal<f64>,
            problem: RwSignal<Option<String>>,
            preview: RwSignal<Option<String>>,
            notice: RwSignal<Option<String>>,
            max_secs: u64,
        ) -> Controls {
            let controls = Controls {
                phase,
                elapsed,
                level,
                problem,
                preview,
                notice,
                max_secs,
                recorder: StoredValue::new_local(None),
                take: StoredValue::new_local(None),
                tick: StoredValue::new_local(None),
            };
            // Leaving the page mid-take releases the microphone.
            on_cleanup(move || controls.release());
            // A take kept from an earlier visit (reload, closed tab, crash)
            // is offered back.
            leptos::task::spawn_local(async move {
                if let Some(kept) = take_store::kept().await {
                    if controls.phase.get_untracked() != Phase::Idle {
                        return;
                    }
                    let when = js_sys::Date::new(&kept.saved_at.into()).to_locale_time_string("default");
                    controls.show(Take { blob: kept.blob, mime: kept.mime });
                    controls.notice.set(Some(format!(
                        "Your unsaved recording from {} is back. Save it, or discard it to record again.",
                        String::from(when)
                    )));
                }
            });
            controls
        }

        /// Puts a take up for preview and saving.
        fn show(self, take: Take) {
            let url = Url::create_object_url_with_blob(&take.blob).ok();
            self.take.set_value(Some(take));
            self.preview.set(url);
            self.phase.set(Phase::Recorded);
        }

        pub fn start(self, ambient: bool) {
            self.problem.set(None);
            self.phase.set(Phase::Starting);
            leptos::task::spawn_local(async move {
                // A new take replaces whatever an earlier one left behind.
                take_store::forget().await;
                let started_at = js_sys::Date::now();
                let keep_chunk = move |index: usize, chunk: web_sys::Blob, mime: String| {
                    leptos::task::spawn_local(async move {
                        let _ = take_store::keep_chunk(index, &chunk, &mime, started_at).await;
                    });
                };
                match Recorder::start(ambient, keep_chunk).await {
                    Ok(recorder) => {
                        self.recorder.set_value(Some(recorder));
                        self.elapsed.set(0.0);
                        self.phase.set(Phase::Recording);
                        let started = js_sys::Date::now();
                        let tick = set_interval_with_handle(
                            move || {
                                let seconds = (js_sys::Date::now() - started) / 1000.0;
                                self.elapsed.set(seconds);
                                self.recorder.with_value(|r| {
                                    if let Some(r) = r {
                                        self.level.set(r.level());
                                    }
                                });
                                if seconds >= self.max_secs as f64 {
                                    self.stop();
                                }
                            },
                            Duration::from_millis(100),
                        );
                        self.tick.set_value(tick.ok());
                    }
                    Err(problem) => {
                        self.problem.set(Some(problem));
                        self.phase.set(Phase::Idle);
                    }
                }
            });
        }

        pub fn stop(self) {
            if let Some(tick) = self.tick.try_update_value(|t| t.take()).flatten() {
                tick.clear();
            }
            let Some(recorder) = self.recorder.try_update_value(|r| r.take()).flatten() else { return };
            self.level.set(0.0);
            leptos::task::spawn_local(async move {
                match recorder.stop().await {
                    Ok(take) => {
                        // Kept in the browser until the server confirms it.
                        if let Err(err) = take_store::keep(&take.blob, &take.mime).await {
                            self.problem.set(Some(format!(
                                "This browser could not keep a copy of the take ({err}). Save it before leaving the page."
                            )));
                        }
                        self.show(take);
                    }
                    Err(problem) => {
                        self.problem.set(Some(problem));
                        self.phase.set(Phase::Idle);
                    }
                }
            });
        }

        pub fn discard(self) {
            leptos::task::spawn_local(take_store::forget());
            self.notice.set(None);
            if let Some(url) = self.preview.get_untracked() {
                let _ = Url::revoke_object_url(&url);
            }
            self.preview.set(None);
            self.take.set_value(None);
            self.elapsed.set(0.0);
            self.phase.set(Phase::Idle);
        }

        /// The save form's fields plus the take as the `audio` file.
        pub fn form_data(self, form: &HtmlFormElement) -> Option<FormData> {
            let data = FormData::new_with_form(form).ok()?;
            self.take.with_value(|take| {
                let take = take.as_ref()?;
                let extension = match take.mime.as_str() {
                    "audio/mp4" => "m4a",
                    "audio/ogg" => "ogg",
                    _ => "webm",
                };
                data.append_with_blob_and_filename("audio", &take.blob, &format!("recording.{extension}")).ok()
            })?;
            Some(data)
        }

        fn release(self) {
            if let Some(tick) = self.tick.try_update_value(|t| t.take()).flatten() {
                tick.clear();
            }
            if let Some(recorder) = self.recorder.try_update_value(|r| r.take()).flatten() {
                leptos::task::spawn_local(async move {
                    let _ = recorder.stop().await;
                });
            }
        }
    }
}
