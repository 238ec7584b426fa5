//! The browser half of Echoes: a WASM module that hydrates the server-rendered pages.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Most pages live in chunks fetched on demand (`app::pages::lazy`):
    // hydration waits for the current page's chunk before it starts.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::tachys::dom::body();
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        app::browser::hydration::finish();
        // Marks the page as interactive: styles and end-to-end tests can
        // tell the server-rendered page from the hydrated one.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
