//! `tokio-server`: the example routes over HTTP/1.1 and HTTP/2, plain or over TLS, a
//! task per connection.
//!
//! ```text
//! tokio-server [--listen ADDR] [--protocol auto|h1|h2] [--threads N]
//!              [--tls-cert PEM --tls-key PEM | --tls-self-signed] [--config KEY=VALUE ...]
//! ```

use std::io::{self, Write};
use std::process::ExitCode;
use weir_tokio::args::{TlsSource, TokioServerArgs, SERVER_USAGE};
use weir_tokio::{Identity, Server, ShutdownHandle};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{SERVER_USAGE}");
        return ExitCode::SUCCESS;
    }
    // A stream's window goes back to the client as its body is read (the routes and
    // the stream handles release it), so that a client that sends and never reads an
    // echo cannot make the server buffer more than a window. `--config` may say
    // otherwise.
    let manual = !args.iter().any(|a| a.contains("h2_manual_flow_control"));
    let mut args = match TokioServerArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("tokio-server: {e}\n{SERVER_USAGE}");
            return ExitCode::from(2);
        }
    };
    if manual {
        args.common.config.h2_manual_flow_control = true;
    }
    let mut runtime = match args.threads {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(n);
            builder
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    let served = runtime
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(serve(args)));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokio-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: TokioServerArgs) -> io::Result<()> {
    let common = args.common;
    let mut server = Server::bind(common.listen.as_str(), common.config)
        .await?
        .protocol(common.protocol);
    server = match args.tls {
        None => server,
        Some(TlsSource::Files { cert, key }) => server.tls(Identity::from_pem_files(&cert, &key)?),
        Some(TlsSource::SelfSigned) => server.tls(Identity::self_signed()?.0),
    };
    tokio::spawn(on_signal(server.shutdown_handle()));
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    server.run().await
}

/// SIGTERM and Ctrl-C start a graceful shutdown.
async fn on_signal(shutdown: ShutdownHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    shutdown.trigger();
}
