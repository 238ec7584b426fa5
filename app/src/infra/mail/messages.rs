//! The messages Echoes sends: plain text, plus a simple HTML version, each
//! naming the instance (`PUBLIC_URL`) so people know where it came from.

use super::Mail;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn html(paragraphs: &[String], link: Option<(&str, &str)>, site: &str) -> String {
    let mut body = String::from("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">");
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = link {
        body.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(label)));
    }
    body.push_str(&format!("<p style=\"color:#5f5a73\">Echoes at <a href=\"{0}\">{0}</a></p></body></html>", escape(site)));
    body
}

/// "Confirm your address" after sign-up (or when asked again).
pub fn verify_email(site: &str, to: &str, name: &str, link: &str) -> Mail {
    let lines = [
        format!("Hello {name},"),
        "Please confirm that this is your email address for Echoes:".to_owned(),
    ];
    Mail {
        to: to.to_owned(),
        subject: "Confirm your email address for Echoes".into(),
        text: format!(
            "{}\n\n{}\n\n{link}\n\nThe link works once, for 24 hours. If you did not sign up, ignore this message.\n\nEchoes at {site}\n",
            lines[0], lines[1]
        ),
        html: html(
            &[lines[0].clone(), lines[1].clone()],
            Some(("Confirm my email address", link)),
            site,
        )
        .replace("</body>", "<p>The link works once, for 24 hours. If you did not sign up, ignore this message.</p></body>"),
    }
}

/// "Reset your password", on request.
pub fn reset_password(site: &str, to: &str, link: &str) -> Mail {
    let lines = [
        "Someone (we hope you) asked to reset the password of your Echoes account.".to_owned(),
        "Choose a new one here:".to_owned(),
    ];
    Mail {
        to: to.to_owned(),
        subject: "Reset your Echoes password".into(),
        text: format!(
            "{}\n{}\n\n{link}\n\nThe link works once, for 1 hour. If you did not ask, ignore this message: your password stays as it is.\n\nEchoes at {site}\n",
            lines[0], lines[1]
        ),
        html: html(&[lines[0].clone(), lines[1].clone()], Some(("Choose a new password", link)), site).replace(
            "</body>",
            "<p>The link works once, for 1 hour. If you did not ask, ignore this message: your password stays as it is.</p></body>",
        ),
    }
}

/// "Your password was changed", after a reset.
pub fn password_was_reset(site: &str, to: &str) -> Mail {
    let lines = [
        "The password of your Echoes account was just changed with a reset link, and every session was signed out."
            .to_owned(),
        "If this was not you, reset it again right away and check the account's email address.".to_owned(),
    ];
    Mail {
        to: to.to_owned(),
        subject: "Your Echoes password was changed".into(),
        text: format!("{}\n\n{}\n\nEchoes at {site}\n", lines[0], lines[1]),
        html: html(&lines, None, site),
    }
}
