//! The time machine: pick an emotion, hear a random echo of it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::components::emotion_chips::EmotionChips;
use crate::components::player::Player;
use crate::display::format_moment;
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
                    Ok(Some(user)) => view! { <TimeMachine name=user.display_name emotion draw echo/> }.into_any(),
                    _ => view! { <Welcome/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Keep the sound of a moment."</h1>
            <p>"Echoes is an audio time machine: record or upload a moment, tag it with the emotion it carries, and come back to it when you need it — a random calm echo on a loud day."</p>
            <p class="actions">
                <A href="/signup" attr:class="button">"Create an account"</A>
                <A href="/login">"Log in"</A>
            </p>
        </section>
    }
}

#[component]
fn TimeMachine(
    name: String,
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
            {move || Suspend::new(async move {
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
                            <p class="muted">{format_moment(captured_at)}</p>
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
            })}
        </Suspense>
    }
}
