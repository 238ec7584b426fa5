//! Whether the page has finished hydrating, its lazily loaded page
//! included (`crate::pages::lazy`). Work that changes what a page shows,
//! such as fetching the signed-in user again, waits for it: started while a
//! page's chunk is still loading, it would change the data that page then
//! hydrates with, and the page would no longer match the server's HTML.

use leptos::prelude::*;

thread_local! {
    static FINISHED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Called once, by the frontend, when hydration has finished.
pub fn finish() {
    FINISHED.with(|finished| finished.set(true));
}

/// Whether hydration has finished. Tracked: an effect that reads it runs
/// again when it does.
pub fn finished() -> bool {
    FINISHED.with(|finished| finished.get())
}
