//! `tokio-client`: one request, the response head on stderr and the body on stdout.
//!
//! ```text
//! tokio-client URL [--http2-prior-knowledge] [-X METHOD] [-d DATA | --data-file PATH|-]
//!              [-H 'name: value' ...] [--insecure]
//! ```
//!
//! `https://` URLs negotiate `h2` or `http/1.1` by ALPN; the server's certificate is
//! verified against the system's roots unless `--insecure`. Exits 0 on any complete
//! response.

use std::io;
use std::process::ExitCode;
use tokio::io::AsyncWriteExt;
use weir::Config;
use weir_blocking::print::{print_fields, print_head};
use weir_tokio::args::{TokioClientArgs, CLIENT_USAGE};
use weir_tokio::{Client, ClientOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{CLIENT_USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match TokioClientArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("tokio-client: {e}\n{CLIENT_USAGE}");
            return ExitCode::from(2);
        }
    };
    let fetched = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(fetch(&args)));
    match fetched {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokio-client: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn fetch(args: &TokioClientArgs) -> io::Result<()> {
    let common = &args.common;
    let body = common.body()?;
    let (mut head, tunnel) = common.request(body.as_ref());
    if args.tls {
        head.scheme = Some("https".into());
    }
    let options = ClientOptions {
        http2_prior_knowledge: common.http2,
        insecure: args.insecure,
        extra_roots: None,
        config: Config::default(),
    };
    let client = Client::connect(&args.url, options).await?;
    let no_body = body.is_none() || tunnel;
    let mut io = client.send_request(head, no_body)?;
    if let Some(body) = body.as_ref().filter(|_| !tunnel) {
        io.write_all(body).await?;
        io.shutdown().await?;
    }
    let response = io.response().await?;
    print_head(&response);
    if io.is_tunnel() {
        // The data goes through the tunnel; what comes back is printed.
        io.write_all(body.as_deref().unwrap_or_default()).await?;
        io.shutdown().await?;
    }
    let mut stdout = tokio::io::stdout();
    tokio::io::copy(&mut io, &mut stdout).await?;
    stdout.flush().await?;
    if let Some(trailers) = io.trailers() {
        print_fields(&trailers);
    }
    Ok(())
}
