//! The time machine: pick an emotion, hear a random echo of it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::components::emotion_chips::EmotionChips;
use crate::components::player::Player;
use crate::local_time::{Moment, TimeZone};
use crate::echoes::{random_echo, Echo};
use crate::emotion::Emotion;
use crate::error::AppError;
use crate::CurrentUserResource;

/// A random echo of the chosen emotion, if one was chosen.
type RandomEchoResource = Resource<Result<Option<(Emotion, Option<Echo>)>, AppError>>;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<CurrentUserResource>();
    let query = use_query_map();
    let emotion = Signal::derive(move || query.with(|q| q.get("emotion")).and_then(|e| Emotion::parse(&e).ok()));
    // Bumped by "Another one" to draw again without leaving the page.
    let draw = RwSignal::new(0u32);
    // Made here, not inside the signed-in view: a resource created inside
    // another one's Suspend is made twice during server rendering, and the
    // page can wait forever for the discarded copy.
    let echo: RandomEchoResource = Resource::new(
        move || (emotion.get(), draw.get()),
        |(emotion, _)| async move {
            match emotion {
                Some(emotion) => random_echo(emotion.as_str().to_owned()).await.map(|e| (emotion, e)).map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text=""/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        let zone = TimeZone::of(Some(&user));
                        view! { <TimeMachine name=user.display_name zone emotion draw echo/> }.into_any()
                    }
                    _ => view! { <Welcome/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The landing page: what Echoes is, shown — a sample echo to play, the
/// three things you do, and the eight emotions in their colours.
#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero landing-hero">
            <h1>"Keep the sound of a moment."</h1>
            <p class="lead">"Echoes is an audio time machine. Record or upload a moment, tag it with the emotion it carries, and come back to it when you need it — a random calm echo on a loud day."</p>
            <p class="actions">
                <A href="/signup" attr:class="button">"Create your account"</A>
                <A href="/login">"Log in"</A>
            </p>
        </section>
        <section class="card sample" aria-labelledby="sample-title" data-testid="sample-echo">
            <p><span class="badge emotion-calm">"Calm"</span></p>
            <h2 id="sample-title">"Waves at dusk"</h2>
            <p class="muted">"A sample echo. Press play, or use space and the arrow keys on the waveform."</p>
            <Player echo=sample_echo() src=SAMPLE_URL/>
        </section>
        <section aria-labelledby="how-title">
            <h2 id="how-title">"Three things you can do"</h2>
            <ol class="three-things">
                <li>
                    <h3>"Record or upload"</h3>
                    <p>"Capture the room through your microphone, or keep a file you already have: WAV, MP3, Ogg, WebM, M4A or FLAC."</p>
                </li>
                <li>
                    <h3>"Tag the feeling"</h3>
                    <p>"Give each moment one of eight emotions, and a title, tags or a note if you like."</p>
                </li>
                <li>
                    <h3>"Come back to it"</h3>
                    <p>"Browse your echoes by emotion, replay them in a real player, or ask for a random one that carries what you need."</p>
                </li>
            </ol>
        </section>
        <section aria-labelledby="emotions-title">
            <h2 id="emotions-title">"Eight emotions"</h2>
            <ul class="emotion-grid">
                {Emotion::ALL.into_iter().map(|emotion| view! {
                    <li>
                        <span class=format!("badge emotion-{}", emotion.as_str())>{emotion.label()}</span>
                        <span class="muted">{emotion_example(emotion)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The bundled sample (`public/sample/waves.ogg`, about 9 s of Opus).
const SAMPLE_URL: &str = "/sample/waves.ogg";
const SAMPLE_DURATION_MS: i64 = 9_006;
/// Its waveform, measured once from the file like an upload's.
const SAMPLE_PEAKS: [u8; 200] = [8,16,18,34,45,63,36,54,61,71,78,85,71,102,76,79,80,97,103,72,102,95,66,79,85,61,66,55,48,42,54,39,34,39,29,28,35,43,54,51,46,56,57,82,92,72,145,108,145,155,177,131,131,142,176,187,188,173,149,178,144,168,170,133,181,141,174,181,156,163,201,196,188,215,121,179,152,141,156,130,132,134,169,114,94,89,110,69,67,64,59,47,52,63,50,43,47,41,36,38,28,37,29,33,29,35,38,36,45,46,73,69,71,70,85,109,77,90,124,117,121,161,182,179,137,255,135,149,176,126,189,191,144,153,189,189,149,158,172,137,232,167,149,173,166,148,131,157,112,97,132,77,98,139,90,73,69,43,53,56,44,39,28,26,22,24,19,18,21,23,16,19,17,21,19,25,22,36,39,30,29,27,28,34,38,34,29,38,42,31,27,33,22,17,20,17,13,8,6,2];

fn sample_echo() -> Echo {
    Echo {
        id: uuid::Uuid::nil(),
        emotion: Emotion::Calm,
        title: Some("Waves at dusk".to_owned()),
        note: None,
        tags: Vec::new(),
        captured_at: 0,
        created_at: 0,
        content_type: "audio/ogg".to_owned(),
        size_bytes: 32_444,
        duration_ms: Some(SAMPLE_DURATION_MS),
        peaks: Some(SAMPLE_PEAKS.to_vec()),
        location: None,
    }
}

/// A moment each emotion might hold, for the landing page.
fn emotion_example(emotion: Emotion) -> &'static str {
    match emotion {
        Emotion::Joy => "a child's first laugh",
        Emotion::Calm => "rain on the window",
        Emotion::Sadness => "the last voicemail",
        Emotion::Anger => "a storm you had to shout over",
        Emotion::Fear => "the night the power went out",
        Emotion::Surprise => "the moment they said yes",
        Emotion::Love => "a lullaby, hummed",
        Emotion::Nostalgia => "your grandmother's kitchen",
    }
}

#[component]
fn TimeMachine(
    name: String,
    zone: TimeZone,
    emotion: Signal<Option<Emotion>>,
    draw: RwSignal<u32>,
    echo: RandomEchoResource,
) -> impl IntoView {
    view! {
        <section class="hero">
            <h1>{format!("How do you want to feel, {name}?")}</h1>
            <p>"Pick an emotion and Echoes plays one of your moments that carries it."</p>
            <EmotionChips selected=emotion href=|e| format!("/?emotion={}", e.as_str()) label="Play a random echo of"/>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Finding an echo…"</p> }>
            {move || {
            let zone = zone.clone();
            Suspend::new(async move {
                match echo.await {
                    Ok(None) => view! { <p class="muted">"Choose an emotion above."</p> }.into_any(),
                    Ok(Some((emotion, None))) => view! {
                        <p class="empty" data-testid="no-echo">
                            {format!("You have no {} echoes yet. ", emotion.label().to_lowercase())}
                            <A href="/upload">"Upload one"</A>
                        </p>
                    }.into_any(),
                    Ok(Some((emotion, Some(echo)))) => {
                        let (href, title, captured_at) = (echo.page_url(), echo.display_title(), echo.captured_at);
                        view! {
                        <article class="card now-playing" data-testid="random-echo">
                            <h2><A href=href>{title}</A></h2>
                            <p class="muted"><Moment millis=captured_at zone=zone.clone() relative=true/></p>
                            <Player echo autoplay=true/>
                            <form method="get" action="/" on:submit=move |ev| { ev.prevent_default(); draw.update(|n| *n += 1); }>
                                <input type="hidden" name="emotion" value=emotion.as_str()/>
                                <button type="submit" class="secondary">{format!("Another {} echo", emotion.label().to_lowercase())}</button>
                            </form>
                        </article>
                    }.into_any()
                    }
                    Err(err) => error_view(err),
                }
            })
            }}
        </Suspense>
    }
}
