//! Outgoing text messages (sign-in codes), sent like mail: written to the
//! outbox and sent by its worker, so a provider that is down loses
//! nothing. `SMS_SENDER` picks how:
//!
//! - `log` (the default): each message is written to the log;
//! - `webhook`: a JSON `POST {"to": "+44…", "text": "…"}` to
//!   `SMS_WEBHOOK_URL` (with `Authorization: Bearer $SMS_WEBHOOK_TOKEN`
//!   when set), for any gateway — a 2xx answer means sent;
//! - `sns`: AWS SNS, with the standard AWS credentials chain and
//!   `SMS_SNS_REGION` (or `AWS_REGION`).

use std::time::Duration;

/// `SMS_SENDER` and its settings, checked at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsSettings {
    Log,
    Webhook { url: String, token: Option<String> },
    Sns { region: Option<String> },
}

#[derive(Clone)]
pub enum SmsSender {
    Log,
    Webhook { client: reqwest::Client, url: String, token: Option<String> },
    Sns(aws_sdk_sns::Client),
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmsSender::Log => f.write_str("the log"),
            SmsSender::Webhook { url, .. } => write!(f, "a webhook at {url}"),
            SmsSender::Sns(_) => f.write_str("AWS SNS"),
        }
    }
}

impl SmsSender {
    pub async fn new(settings: &SmsSettings) -> anyhow::Result<SmsSender> {
        Ok(match settings {
            SmsSettings::Log => SmsSender::Log,
            SmsSettings::Webhook { url, token } => SmsSender::Webhook {
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?,
                url: url.clone(),
                token: token.clone(),
            },
            SmsSettings::Sns { region } => {
                use aws_smithy_http_client::tls;
                let http = aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                    .build_https();
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
                if let Some(region) = region {
                    loader = loader.region(aws_config::Region::new(region.clone()));
                }
                SmsSender::Sns(aws_sdk_sns::Client::new(&loader.load().await))
            }
        })
    }

    /// Sends one message now (the outbox worker's job).
    pub async fn send(&self, to: &str, text: &str) -> anyhow::Result<()> {
        match self {
            SmsSender::Log => {
                tracing::info!(%to, body = %text, "text message (SMS_SENDER=log: logged, not sent)");
                Ok(())
            }
            SmsSender::Webhook { client, url, token } => {
                let mut request = client.post(url).json(&serde_json::json!({ "to": to, "text": text }));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let status = request.send().await?.status();
                anyhow::ensure!(status.is_success(), "the SMS webhook answered {status}");
                Ok(())
            }
            SmsSender::Sns(client) => {
                client.publish().phone_number(to).message(text).send().await?;
                Ok(())
            }
        }
    }
}
