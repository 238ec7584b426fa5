//! My echoes, newest first, filtered by emotion, a page at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::error_view;
use crate::components::emotion_chips::EmotionChips;
use crate::display::format_duration;
use crate::local_time::{zone_of, Moment, TimeZone};
use crate::echoes::{list_echoes, Echo};
use crate::emotion::Emotion;
use crate::CurrentUserResource;

#[component]
pub fn MyEchoesPage() -> impl IntoView {
    let query = use_query_map();
    let user = expect_context::<CurrentUserResource>();
    let emotion = move || query.with(|q| q.get("emotion"));
    let before = move || query.with(|q| q.get("before"));
    let tag = move || query.with(|q| q.get("tag"));
    let page =
        Resource::new(move || (emotion(), before(), tag()), |(emotion, before, tag)| list_echoes(emotion, before, tag));
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
                let zone = zone_of(user).await;
                match page.await {
                    Ok(page) if page.echoes.is_empty() => view! {
                        <p class="empty" data-testid="no-echoes">
                            {if before().is_some() { "No older echoes." } else { "No echoes here yet. " }}
                            <A href="/upload">"Upload one"</A>
                        </p>
                    }.into_any(),
                    Ok(page) => {
                        let older = page.next_cursor.map(|cursor| list_href(emotion(), tag(), Some(&cursor)));
                        view! {
                            <ul class="echo-list" data-testid="echo-list">
                                {page.echoes.into_iter().map(|echo| view! { <EchoItem echo zone=zone.clone()/> }).collect_view()}
                            </ul>
                            <nav class="pager" aria-label="Pages">
                                {before().map(|_| view! { <A href=list_href(emotion(), tag(), None)>"← Newest"</A> })}
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

/// The list with these filters, from `before` on.
fn list_href(emotion: Option<String>, tag: Option<String>, before: Option<&str>) -> String {
    let mut query: Vec<String> = Vec::new();
    if let Some(e) = emotion {
        query.push(format!("emotion={e}"));
    }
    if let Some(t) = tag {
        query.push(format!("tag={}", super::query_escape(&t)));
    }
    if let Some(b) = before {
        query.push(format!("before={b}"));
    }
    if query.is_empty() {
        "/echoes".to_owned()
    } else {
        format!("/echoes?{}", query.join("&"))
    }
}

#[component]
fn EchoItem(echo: Echo, zone: TimeZone) -> impl IntoView {
    let tags = echo
        .tags
        .iter()
        .map(|t| view! { <A href=list_href(None, Some(t.clone()), None)>{format!("#{t}")}</A> " " })
        .collect_view();
    let (href, title) = (echo.page_url(), echo.display_title());
    view! {
        <li class="echo-item">
            <span class=format!("badge emotion-{}", echo.emotion.as_str())>{echo.emotion.label()}</span>
            <A href=href>{title}</A>
            <span class="muted"><Moment millis=echo.captured_at zone relative=true/></span>
            <span class="duration muted" data-testid="echo-duration">{echo.duration_ms.map(format_duration)}</span>
            <span class="tags">{tags}</span>
        </li>
    }
}
