//! Where the "confirm your address" link lands: opening it confirms.

use leptos::prelude::*;

use crate::accounts::verify_email;
use crate::components::mailed_link::MailedLink;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    view! {
        <MailedLink
            title="Confirm your email"
            use_token=verify_email
            done="Thank you: your email address is confirmed."
            done_test_id="email-verified"
            next=("Go to your echoes", "/echoes")
        />
    }
}
