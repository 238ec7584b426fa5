//! Outgoing mail. Nothing a request does waits for a mail server: a
//! message is written to the `outbox` table ([`outbox::enqueue`]) and a
//! background worker ([`outbox::deliver_due`], run by the server every
//! couple of seconds on every replica) sends it, retrying with backoff, so
//! a mail server that is down loses nothing.
//!
//! `SMTP_URL` picks the server (lettre's URL form: `smtp://…` plain,
//! `smtp://…?tls=required` STARTTLS, `smtps://…` TLS, credentials as
//! `user:password@`); without it, each message is written to the log,
//! links and all — the development default.

pub mod messages;
pub mod outbox;

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// A message as it waits in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    /// No SMTP configured: messages go to the log.
    Log,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { from, .. } => write!(f, "SMTP (from {from})"),
            Mailer::Log => write!(f, "the log"),
        }
    }
}

/// `SMTP_URL` and `MAIL_FROM`, checked at start.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub smtp_url: Option<String>,
    pub from: String,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let Some(url) = &settings.smtp_url else { return Ok(Mailer::Log) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from: Mailbox =
            settings.from.parse().map_err(|e| anyhow::anyhow!("MAIL_FROM={:?} is not an address: {e}", settings.from))?;
        Ok(Mailer::Smtp { transport, from })
    }

    /// Sends one message now (the outbox worker's job).
    pub async fn send(&self, mail: &Mail) -> anyhow::Result<()> {
        match self {
            Mailer::Log => {
                tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.text, "mail (no SMTP_URL: logged, not sent)");
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let message = lettre::Message::builder()
                    .from(from.clone())
                    .to(mail.to.parse()?)
                    .subject(mail.subject.clone())
                    .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))?;
                transport.send(message).await?;
                Ok(())
            }
        }
    }
}
