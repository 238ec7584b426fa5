//! Where the "use this new address" link lands: opening it switches the
//! account to the new address.

use leptos::prelude::*;

use crate::accounts::confirm_email_change;
use crate::components::mailed_link::MailedLink;

#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    view! {
        <MailedLink
            title="Your new email address"
            use_token=confirm_email_change
            done="Done: your account now uses this address."
            done_test_id="email-changed"
            next=("Your account", "/account")
        />
    }
}
