//! The page for URLs that lead nowhere (with a real 404 status).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status::set_page_status;
use crate::error::AppError;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_page_status(&AppError::not_found("page"));
    view! {
        <Title text="Not found"/>
        <section class="card narrow">
            <h1>"Nothing echoes here"</h1>
            <p>"This page does not exist. " <a href="/">"Back to the start"</a></p>
        </section>
    }
}
