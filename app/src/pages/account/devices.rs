//! Where the account is signed in, with "end" for each other session and
//! for all of them at once.

use leptos::prelude::*;

use super::super::error_view;
use crate::accounts::{Device, EndSessions};
use crate::components::field_error::FormError;
use crate::display::format_moment;

pub type DevicesResource = Resource<Result<Vec<Device>, crate::error::AppError>>;

#[component]
pub fn Devices(devices: DevicesResource, end: ServerAction<EndSessions>) -> impl IntoView {
    let error = Signal::derive(move || end.value().get().and_then(Result::err));
    view! {
        <section class="card" id="devices">
            <h2>"Where you're signed in"</h2>
            <FormError error/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(list) => {
                            let others = list.iter().filter(|d| !d.this_device).count();
                            view! {
                                <ul class="token-list" data-testid="devices">
                                    {list.into_iter().map(|d| view! { <DeviceRow device=d end/> }).collect_view()}
                                </ul>
                                {(others > 0).then(|| view! {
                                    <ActionForm attr:novalidate=true action=end attr:class="inline-form">
                                        <input type="hidden" name="handle" value=""/>
                                        <button type="submit">"Sign out everywhere else"</button>
                                    </ActionForm>
                                })}
                            }.into_any()
                        }
                        Err(err) => error_view(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn DeviceRow(device: Device, end: ServerAction<EndSessions>) -> impl IntoView {
    let seen = device.last_seen_at.map(|at| format!("last seen {}", format_moment(at))).unwrap_or_default();
    let began = device.signed_in_at.map(|at| format!("signed in {}", format_moment(at))).unwrap_or_default();
    view! {
        <li class="token-item" data-testid="device">
            <strong>{device.description.clone()}</strong> " "
            {device.this_device.then(|| view! { <span class="badge">"this device"</span> })}
            <span class="muted">{format!(" {began} · {seen}")}</span>
            {(!device.this_device).then(|| view! {
                <ActionForm attr:novalidate=true action=end attr:class="inline-form">
                    <input type="hidden" name="handle" value=device.handle.clone()/>
                    <button type="submit" class="link-button">"Sign out"</button>
                </ActionForm>
            })}
        </li>
    }
}
