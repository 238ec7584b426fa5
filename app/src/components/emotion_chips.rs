//! The row of emotion chips: links that pick an emotion.

use leptos::prelude::*;

use crate::emotion::Emotion;

/// One link per emotion; `href` says where each goes, `selected` is marked.
#[component]
pub fn EmotionChips(
    /// The chosen emotion; follows client-side navigation.
    #[prop(into)]
    selected: Signal<Option<Emotion>>,
    href: fn(Emotion) -> String,
    /// An extra first chip ("All") linking here, when given.
    #[prop(optional)]
    all_href: Option<&'static str>,
    label: &'static str,
) -> impl IntoView {
    view! {
        <nav class="chips" aria-label=label>
            {all_href.map(|all| view! {
                <a class="chip" href=all aria-current=move || selected.get().is_none().then_some("page")>"All"</a>
            })}
            {Emotion::ALL.into_iter().map(|emotion| view! {
                <a
                    class=format!("chip emotion-{}", emotion.as_str())
                    href=href(emotion)
                    aria-current=move || (selected.get() == Some(emotion)).then_some("page")
                >{emotion.label()}</a>
            }).collect_view()}
        </nav>
    }
}
