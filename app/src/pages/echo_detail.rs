//! One echo: the player, what it carries, and delete (with confirmation).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::error_view;
use crate::components::field_error::FormError;
use crate::components::player::Player;
use crate::local_time::{zone_of, Moment, TimeZone};
use crate::CurrentUserResource;
use crate::echoes::{get_echo, DeleteEcho, Echo};

#[component]
pub fn EchoDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let echo = Resource::new(id, get_echo);
    let user = expect_context::<CurrentUserResource>();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let zone = zone_of(user).await;
                match echo.await {
                    Ok(echo) => view! { <EchoDetail echo zone/> }.into_any(),
                    Err(err) => view! { <Title text="Echo not found"/> <h1>"Echo not found"</h1> {error_view(err)} <p><A href="/echoes">"Back to my echoes"</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EchoDetail(echo: Echo, zone: TimeZone) -> impl IntoView {
    let delete = ServerAction::<DeleteEcho>::new();
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let title = echo.display_title();
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <A href="/echoes">"My echoes"</A>
            <span aria-hidden="true">" › "</span>
            <a href=echo.page_url() aria-current="page">{title.clone()}</a>
        </nav>
        <article class="card echo-detail">
            <p><span class=format!("badge emotion-{}", echo.emotion.as_str())>{echo.emotion.label()}</span></p>
            <h1>{title}</h1>
            <p class="muted"><Moment millis=echo.captured_at zone/></p>
            <Player echo=echo.clone()/>
            {(!echo.tags.is_empty()).then(|| view! {
                <p class="tags">{echo.tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")}</p>
            })}
            {echo.note.clone().map(|note| view! { <p class="note">{note}</p> })}
            {echo.location.map(|place| {
                let map = format!(
                    "https://www.openstreetmap.org/?mlat={0}&mlon={1}#map=14/{0}/{1}",
                    place.latitude(), place.longitude()
                );
                view! {
                    <p class="muted" data-testid="echo-place">
                        "Recorded near " <a href=map rel="noopener noreferrer">{format!("{:.4}, {:.4}", place.latitude(), place.longitude())}</a>
                    </p>
                }
            })}
            <details class="danger-zone">
                <summary>"Delete this echo…"</summary>
                <p>"The recording and everything about it will be gone for good."</p>
                <ActionForm attr:novalidate=true action=delete>
                    <input type="hidden" name="id" value=echo.id.to_string()/>
                    <FormError error/>
                    <button type="submit" class="danger" disabled=move || delete.pending().get()>"Delete permanently"</button>
                </ActionForm>
            </details>
        </article>
    }
}
