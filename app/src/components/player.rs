//! The audio player for one echo, streaming from its stable audio URL
//! (HTTP Range, so seeking works).

use leptos::prelude::*;

use crate::echoes::Echo;

#[component]
pub fn Player(echo: Echo, #[prop(optional)] autoplay: bool) -> impl IntoView {
    let label = format!("Play {}", echo.display_title());
    view! {
        <audio
            class="player"
            controls
            preload="metadata"
            autoplay=autoplay
            src=echo.audio_url()
            aria-label=label
            data-testid="player"
        >
            <a href=echo.audio_url()>"Download the audio"</a>
        </audio>
    }
}
