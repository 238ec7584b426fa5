//! The header: brand, main links, and who is signed in (with log out).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::accounts::LogOut;
use crate::{AuthChanged, CurrentUserResource};

#[component]
pub fn Nav() -> impl IntoView {
    let user = expect_context::<CurrentUserResource>();
    let log_out = ServerAction::<LogOut>::new();
    expect_context::<AuthChanged>().follow(log_out);
    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <A href="/" attr:class="brand">"Echoes"</A>
            <nav aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => view! {
                                <A href="/echoes">"My echoes"</A>
                                <A href="/record">"Record"</A>
                                <A href="/upload">"Upload"</A>
                                {(user.role == crate::accounts::Role::Admin).then(|| view! { <A href="/admin">"Admin"</A> })}
                                <A href="/account" attr:class="who" attr:data-testid="signed-in-as">{user.display_name}</A>
                                <ActionForm action=log_out attr:class="inline-form">
                                    <button type="submit" class="link-button">"Log out"</button>
                                </ActionForm>
                            }.into_any(),
                            _ => view! {
                                <A href="/login">"Log in"</A>
                                <A href="/signup" attr:class="button">"Sign up"</A>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
