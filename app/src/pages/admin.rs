//! The admin page: every account, newest first, searchable, each with
//! disable/enable, make admin/user and delete. Server-rendered and working
//! without JavaScript; anyone but an admin gets a 404, as if it did not
//! exist.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::NotFoundPage;
use crate::accounts::Role;
use crate::admin::{list_users, DeleteUser, UpdateUser, UserSummary};
use crate::components::field_error::FormError;
use crate::display::format_moment;
use crate::error::ErrorCode;

#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q"));
    let before = move || query.with(|q| q.get("before"));
    let update = ServerAction::<UpdateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let changed = move || (update.version().get(), delete.version().get());
    let page = Resource::new(move || (q(), before(), changed()), |(q, before, _)| list_users(q, before));
    let error = Signal::derive(move || {
        update.value().get().and_then(Result::err).or_else(|| delete.value().get().and_then(Result::err))
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(err) if matches!(err.code, ErrorCode::Forbidden | ErrorCode::Unauthenticated) => {
                        view! { <NotFoundPage/> }.into_any()
                    }
                    Err(err) => super::error_view(err),
                    Ok(page) => {
                        let older = page.next_cursor.map(|cursor| match q() {
                            Some(q) => format!("/admin?q={}&before={cursor}", super::query_escape(&q)),
                            None => format!("/admin?before={cursor}"),
                        });
                        view! {
                            <Title text="Accounts"/>
                            <div class="page-head"><h1>"Accounts"</h1></div>
                            <form method="get" action="/admin" class="search" role="search">
                                <label for="q">"Find by email or name"</label>
                                <input id="q" type="search" name="q" value=q() maxlength="100"/>
                                <button type="submit">"Search"</button>
                            </form>
                            <FormError error/>
                            {if page.users.is_empty() {
                                view! { <p class="empty">"No accounts match."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="user-list" data-testid="user-list">
                                        {page.users.into_iter().map(|user| view! { <UserRow user update delete/> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <nav class="pager" aria-label="Pages">
                                {before().map(|_| view! { <a href="/admin">"← Newest"</a> })}
                                {older.map(|href| view! { <a href=href>"Older accounts →"</a> })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserRow(user: UserSummary, update: ServerAction<UpdateUser>, delete: ServerAction<DeleteUser>) -> impl IntoView {
    let id = user.id.to_string();
    let (toggle, toggle_label) = if user.disabled { ("enable", "Enable") } else { ("disable", "Disable") };
    let (role_action, role_label) =
        if user.role == Role::Admin { ("make_user", "Remove admin") } else { ("make_admin", "Make admin") };
    let button = move |action: &'static str, label: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm attr:novalidate=true action=update attr:class="inline-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="action" value=action/>
                <button type="submit" class="secondary">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="user-item" data-testid="user-item" data-email=user.email.clone()>
            <div>
                <strong>{user.display_name.clone()}</strong> " " <span class="muted">{user.email.clone()}</span>
                {(user.role == Role::Admin).then(|| view! { " " <span class="badge">"Admin"</span> })}
                {user.disabled.then(|| view! { " " <span class="badge badge-off" data-testid="disabled">"Disabled"</span> })}
                <p class="muted hint">
                    {format!("{} echoes · joined {}", user.echo_count, format_moment(user.created_at))}
                </p>
            </div>
            <div class="actions">
                {button(toggle, toggle_label)}
                {button(role_action, role_label)}
                <details class="danger-zone inline">
                    <summary>"Delete…"</summary>
                    <p>{format!("{} and all {} of their echoes will be gone for good.", user.email, user.echo_count)}</p>
                    <ActionForm attr:novalidate=true action=delete>
                        <input type="hidden" name="id" value=user.id.to_string()/>
                        <button type="submit" class="danger">"Delete account"</button>
                    </ActionForm>
                </details>
            </div>
        </li>
    }
}
