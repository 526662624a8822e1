//! `blocking-server`: the example routes over HTTP/1.1 and HTTP/2, a thread per
//! connection.
//!
//! ```text
//! blocking-server [--listen ADDR] [--protocol auto|h1|h2] [--config KEY=VALUE ...]
//! ```

use std::io::Write;
use std::process::ExitCode;
use weir::Version;
use weir_blocking::args::{Protocol, ServerArgs, SERVER_USAGE};
use weir_blocking::{Routes, Server};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{SERVER_USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match ServerArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("blocking-server: {e}\n{SERVER_USAGE}");
            return ExitCode::from(2);
        }
    };
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blocking-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServerArgs) -> std::io::Result<()> {
    let mut server = Server::bind(args.listen.as_str(), args.config)?;
    server = match args.protocol {
        Protocol::Auto => server,
        Protocol::H1 => server.only(Version::Http11),
        Protocol::H2 => server.only(Version::Http2),
    };
    let shutdown = server.shutdown_handle();
    let on_signal = shutdown.clone();
    ctrlc::set_handler(move || on_signal.trigger()).map_err(std::io::Error::other)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    server.run(move || Routes::with_shutdown(shutdown.clone()))
}
