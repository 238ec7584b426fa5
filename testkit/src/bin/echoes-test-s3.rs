//! `echoes-test-s3 <root> <port>`: the test S3 server as a process, for the
//! browser tests. Credentials are testkit's fixed test keys.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = args.next().ok_or_else(|| anyhow::anyhow!("usage: echoes-test-s3 <root> <port>"))?;
    let port: u16 = args.next().as_deref().unwrap_or("0").parse()?;
    std::fs::create_dir_all(&root)?;
    let server = testkit::S3Server::start(std::path::Path::new(&root), port).await?;
    println!("S3 test server on {}", server.endpoint());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
