//! My echoes, newest first, filtered by emotion, a page at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::components::emotion_chips::EmotionChips;
use crate::display::{format_duration, format_moment};
use crate::echoes::{list_echoes, Echo};
use crate::emotion::Emotion;

#[component]
pub fn MyEchoesPage() -> impl IntoView {
    let query = use_query_map();
    let emotion = move || query.with(|q| q.get("emotion"));
    let before = move || query.with(|q| q.get("before"));
    let page = Resource::new(move || (emotion(), before()), |(emotion, before)| list_echoes(emotion, before));
    view! {
        <Title text="My echoes"/>
        <div class="page-head">
            <h1>"My echoes"</h1>
            <A href="/upload" attr:class="button">"Upload an echo"</A>
        </div>
        <EmotionChips
            selected=Signal::derive(move || emotion().and_then(|e| Emotion::parse(&e).ok()))
            href=|e| format!("/echoes?emotion={}", e.as_str())
            all_href="/echoes"
            label="Filter by emotion"
        />
        <Suspense fallback=|| view! { <p class="muted">"Loading your echoes…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.echoes.is_empty() => view! {
                        <p class="empty" data-testid="no-echoes">
                            {if before().is_some() { "No older echoes." } else { "No echoes here yet. " }}
                            <A href="/upload">"Upload one"</A>
                        </p>
                    }.into_any(),
                    Ok(page) => {
                        let older = page.next_cursor.map(|cursor| match emotion() {
                            Some(e) => format!("/echoes?emotion={e}&before={cursor}"),
                            None => format!("/echoes?before={cursor}"),
                        });
                        view! {
                            <ul class="echo-list" data-testid="echo-list">
                                {page.echoes.into_iter().map(|echo| view! { <EchoItem echo/> }).collect_view()}
                            </ul>
                            <nav class="pager" aria-label="Pages">
                                {before().map(|_| view! { <A href=match emotion() { Some(e) => format!("/echoes?emotion={e}"), None => "/echoes".to_owned() }>"← Newest"</A> })}
                                {older.map(|href| view! { <A href=href>"Older echoes →"</A> })}
                            </nav>
                        }.into_any()
                    }
                    Err(err) => error_view(err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EchoItem(echo: Echo) -> impl IntoView {
    let tags = echo.tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ");
    let (href, title) = (echo.page_url(), echo.display_title());
    view! {
        <li class="echo-item">
            <span class=format!("badge emotion-{}", echo.emotion.as_str())>{echo.emotion.label()}</span>
            <A href=href>{title}</A>
            <time class="muted">{format_moment(echo.captured_at)}</time>
            <span class="duration muted" data-testid="echo-duration">{echo.duration_ms.map(format_duration)}</span>
            <span class="tags">{tags}</span>
        </li>
    }
}
