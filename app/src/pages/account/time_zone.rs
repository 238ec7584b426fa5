//! The time zone times are shown in: the browser's, kept on the first
//! visit, or one chosen here.

use leptos::prelude::*;

use crate::accounts::ChangeTimeZone;
use crate::components::field_error::{FieldError, FormError};
use crate::error::AppError;

#[component]
pub fn TimeZoneForm(
    current: Option<String>,
    zones: Resource<Result<Vec<String>, AppError>>,
    action: ServerAction<ChangeTimeZone>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let current = current.unwrap_or_else(|| "UTC".to_owned());
    view! {
        <ActionForm attr:novalidate=true action attr:class="stack" attr:id="time-zone">
            <FormError error/>
            <label for="time_zone">"Time zone"</label>
            <Suspense fallback=|| view! { <div hidden></div> }>
                {move || {
                    let current = current.clone();
                    Suspend::new(async move {
                        let mut zones = zones.await.unwrap_or_default();
                        // An old name the browser gave (a link, like Asia/Calcutta) stays choosable.
                        if !zones.contains(&current) {
                            zones.insert(0, current.clone());
                        }
                        view! {
                            <select id="time_zone" name="time_zone" aria-describedby="time-zone-hint">
                                {zones.into_iter().map(|zone| {
                                    let selected = zone == current;
                                    let label = zone.replace('_', " ");
                                    view! { <option value=zone selected=selected>{label}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Suspense>
            <p class="hint" id="time-zone-hint">"Times in Echoes are shown in this zone. It was taken from your browser."</p>
            <FieldError error field="time_zone"/>
            {move || action.value().get().and_then(Result::ok).map(|_| view! { <p class="notice" role="status">"Time zone saved."</p> })}
            <button type="submit" class="secondary" disabled=move || action.pending().get()>"Save time zone"</button>
        </ActionForm>
    }
}
