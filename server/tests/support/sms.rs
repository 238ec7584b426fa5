//! A real HTTP server on 127.0.0.1 standing in for an SMS gateway: Echoes'
//! webhook sender POSTs each text message to it, and the tests read them
//! back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Text {
    pub to: String,
    pub text: String,
    pub authorization: Option<String>,
}

pub struct SmsSink {
    pub url: String,
    received: Arc<Mutex<Vec<Text>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SmsSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SmsSink {
    pub async fn start() -> SmsSink {
        use axum::http::HeaderMap;
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let router = axum::Router::new().route(
            "/sms",
            axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
                let store = store.clone();
                async move {
                    store.lock().unwrap().push(Text {
                        to: body["to"].as_str().unwrap_or_default().to_owned(),
                        text: body["text"].as_str().unwrap_or_default().to_owned(),
                        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
                    });
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the SMS sink");
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("SMS sink");
        });
        SmsSink { url, received, server }
    }

    /// Waits (up to 20 s) for the `n`-th text to `to`.
    pub async fn wait_for(&self, to: &str, n: usize) -> Text {
        for _ in 0..200 {
            let mine: Vec<Text> = self.received.lock().unwrap().iter().filter(|t| t.to == to).cloned().collect();
            if mine.len() >= n {
                return mine[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no text #{n} to {to} arrived");
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

/// The six-digit code in a message.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}
