//! `echoes-test-oauth <port> <client_id> <client_secret> <redirect_uri>`:
//! the GitHub-shaped test OAuth 2 provider as a process, for the browser tests.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, client_id, client_secret, redirect_uri] = args.as_slice() else {
        anyhow::bail!("usage: echoes-test-oauth <port> <client_id> <client_secret> <redirect_uri>");
    };
    let client = testkit::oauth2::OAuth2Client {
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
        redirect_uri: redirect_uri.clone(),
    };
    let server = testkit::oauth2::OAuth2Server::start(client, port.parse()?).await?;
    println!("OAuth test provider on {}", server.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
