//! A real SMTP server on 127.0.0.1 for the tests (testkit/smtp, nodemailer's
//! smtp-server run with Node), and its received messages, read back.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[derive(Clone, Debug, serde::Deserialize)]
pub struct Received {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub headers: std::collections::HashMap<String, String>,
}

pub struct SmtpSink {
    pub smtp_port: u16,
    http_port: u16,
    child: Child,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts the server on `smtp_port` (0: any free one).
    pub fn start(smtp_port: u16) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/smtp/sink.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("SMTP_PORT", smtp_port.to_string())
            .env("HTTP_PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP test server (node testkit/smtp/sink.mjs; run scripts/setup.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the server's first line");
        // "smtp on PORT, http on PORT"
        let ports: Vec<u16> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok()).collect();
        assert_eq!(ports.len(), 2, "unexpected first line {line:?}");
        SmtpSink { smtp_port: ports[0], http_port: ports[1], child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    pub async fn messages(&self) -> Vec<Received> {
        reqwest::get(format!("http://127.0.0.1:{}/messages", self.http_port))
            .await
            .expect("the SMTP test server answers")
            .json()
            .await
            .expect("messages")
    }

    /// Waits (up to 20 s) for the `n`-th message to `to`, and returns it.
    pub async fn wait_for(&self, to: &str, n: usize) -> Received {
        for _ in 0..200 {
            let mine: Vec<Received> = self.messages().await.into_iter().filter(|m| m.to.contains(to)).collect();
            if mine.len() >= n {
                return mine[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no message #{n} to {to} arrived");
    }
}

/// The first link in `text` that starts with `prefix`.
pub fn link(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text:?}"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}
