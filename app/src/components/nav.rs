//! The header: brand, main links (a bottom bar on phones), and who is
//! signed in (with log out). The links mark the page you are on with
//! `aria-current="page"` (leptos_router's `<A>` does it), styled in CSS.

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
            <div class="bar">
                <a class="skip-link" href="#main">"Skip to content"</a>
                <A href="/" exact=true attr:class="brand">"Echoes"</A>
                // A Transition, not a Suspense: after signing in or out the
                // header keeps what it showed until the new answer is here,
                // instead of blinking down to the logo alone.
                <Transition fallback=|| view! { <div hidden></div> }>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(user)) => view! {
                                <nav aria-label="Main" class="main-nav">
                                    <A href="/echoes">"My echoes"</A>
                                    <A href="/record">"Record"</A>
                                    <A href="/upload">"Upload"</A>
                                    {(user.role == crate::accounts::Role::Admin).then(|| view! { <A href="/admin">"Admin"</A> })}
                                </nav>
                                <div class="account-links">
                                    <A href="/account" attr:class="who" attr:data-testid="signed-in-as">{user.display_name}</A>
                                    <ActionForm attr:novalidate=true action=log_out attr:class="inline-form">
                                        <button type="submit" class="link-button">"Log out"</button>
                                    </ActionForm>
                                </div>
                            }.into_any(),
                            _ => view! {
                                <nav aria-label="Main" class="account-links">
                                    <A href="/login">"Log in"</A>
                                    <A href="/signup" attr:class="button">"Sign up"</A>
                                </nav>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}
