//! The messages Echoes sends: plain text, plus a simple HTML version, each
//! naming the instance (`PUBLIC_URL`) so people know where it came from.
//! Every message is made by [`compose`] from the same parts, so the two
//! versions always say the same thing.

use super::Mail;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// What a message says: paragraphs, then maybe a link (its label and
/// address), then more paragraphs.
struct Parts<'a> {
    subject: &'a str,
    before: Vec<String>,
    link: Option<(&'a str, &'a str)>,
    after: Vec<String>,
}

fn compose(site: &str, to: &str, parts: Parts<'_>) -> Mail {
    let mut text = parts.before.join("\n\n");
    let mut html = String::from("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">");
    for p in &parts.before {
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = parts.link {
        text.push_str(&format!("\n\n{url}"));
        html.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(label)));
    }
    for p in &parts.after {
        text.push_str(&format!("\n\n{p}"));
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    text.push_str(&format!("\n\nEchoes at {site}\n"));
    html.push_str(&format!("<p style=\"color:#5f5a73\">Echoes at <a href=\"{0}\">{0}</a></p></body></html>", escape(site)));
    Mail { to: to.to_owned(), subject: parts.subject.to_owned(), text, html }
}

/// "Confirm your address" after sign-up (or when asked again).
pub fn verify_email(site: &str, to: &str, name: &str, link: &str) -> Mail {
    compose(site, to, Parts {
        subject: "Confirm your email address for Echoes",
        before: vec![format!("Hello {name},"), "Please confirm that this is your email address for Echoes:".into()],
        link: Some(("Confirm my email address", link)),
        after: vec!["The link works once, for 24 hours. If you did not sign up, ignore this message.".into()],
    })
}

/// "Reset your password", on request.
pub fn reset_password(site: &str, to: &str, link: &str) -> Mail {
    compose(site, to, Parts {
        subject: "Reset your Echoes password",
        before: vec![
            "Someone (we hope you) asked to reset the password of your Echoes account.".into(),
            "Choose a new one here:".into(),
        ],
        link: Some(("Choose a new password", link)),
        after: vec![
            "The link works once, for 1 hour. If you did not ask, ignore this message: your password stays as it is."
                .into(),
        ],
    })
}

/// "Your password was changed", after a reset.
pub fn password_was_reset(site: &str, to: &str) -> Mail {
    compose(site, to, Parts {
        subject: "Your Echoes password was changed",
        before: vec![
            "The password of your Echoes account was just changed with a reset link, and every session was signed out."
                .into(),
            "If this was not you, reset it again right away and check the account's email address.".into(),
        ],
        link: None,
        after: vec![],
    })
}

/// "Two-step sign-in was turned on / off": a change to how the account is
/// protected is always told.
pub fn two_factor_changed(site: &str, to: &str, on: bool) -> Mail {
    let (subject, what) = if on {
        ("Two-step sign-in is on for your Echoes account", "Two-step sign-in was turned on for your Echoes account: signing in now also asks for a code from your authenticator app.")
    } else {
        ("Two-step sign-in is off for your Echoes account", "Two-step sign-in was turned off for your Echoes account: signing in no longer asks for a code from your authenticator app.")
    };
    compose(site, to, Parts {
        subject,
        before: vec![
            what.into(),
            "If this was not you, reset your password right away and turn it back on from your account page.".into(),
        ],
        link: None,
        after: vec![],
    })
}

/// A six-digit sign-in code.
pub fn sign_in_code(site: &str, to: &str, code: &str) -> Mail {
    compose(site, to, Parts {
        subject: "Your Echoes sign-in code",
        before: vec![format!("Your code to sign in to Echoes is {code}.")],
        link: None,
        after: vec![
            "It works once, for 10 minutes. If you did not ask for it, ignore this message: nobody can sign in without it."
                .into(),
        ],
    })
}

/// "Confirm your new address", sent to the new address of an email change.
pub fn confirm_new_email(site: &str, to: &str, link: &str) -> Mail {
    compose(site, to, Parts {
        subject: "Confirm your new email address for Echoes",
        before: vec![
            "Someone (we hope you) asked to use this address for their Echoes account.".into(),
            "Confirm it here, and it replaces the old one:".into(),
        ],
        link: Some(("Use this email address", link)),
        after: vec!["The link works once, for 24 hours. If you did not ask, ignore this message.".into()],
    })
}

/// Told to the old address: a change was asked for, or made.
pub fn email_change_notice(site: &str, old: &str, new: &str, done: bool) -> Mail {
    let (subject, what) = if done {
        ("Your Echoes email address was changed", format!("The email address of your Echoes account was changed to {new}. Mail about the account now goes there."))
    } else {
        ("Your Echoes email address is about to change", format!("Someone asked to change the email address of your Echoes account to {new}. It changes once the new address is confirmed."))
    };
    compose(site, old, Parts {
        subject,
        before: vec![what, "If this was not you, reset your password right away.".into()],
        link: None,
        after: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_carry_the_link_the_expiry_and_the_instance() {
        let mail = verify_email("https://echoes.example", "ada@example.org", "Ada <3", "https://echoes.example/v?t=a&b");
        assert!(mail.text.contains("https://echoes.example/v?t=a&b"));
        assert!(mail.text.contains("for 24 hours") && mail.html.contains("for 24 hours"));
        assert!(mail.html.contains("href=\"https://echoes.example/v?t=a&amp;b\""));
        assert!(mail.html.contains("Hello Ada &lt;3,"), "names are escaped in HTML");
        assert!(mail.text.ends_with("Echoes at https://echoes.example\n"));
    }
}
