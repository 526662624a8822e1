//! `blocking-server`: the example routes over HTTP/1.1, a thread per connection.
//!
//! ```text
//! blocking-server [--listen ADDR] [--protocol auto|h1|h2] [--config KEY=VALUE ...]
//! ```

use std::io::Write;
use std::process::ExitCode;
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
    if args.protocol == Protocol::H2 {
        eprintln!("blocking-server: --protocol h2: HTTP/2 is not available yet; use h1 or auto");
        return ExitCode::from(2);
    }
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blocking-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServerArgs) -> std::io::Result<()> {
    let server = Server::bind(args.listen.as_str(), args.config)?;
    let shutdown = server.shutdown_handle();
    let on_signal = shutdown.clone();
    ctrlc::set_handler(move || on_signal.trigger()).map_err(std::io::Error::other)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", server.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    server.run(move || Routes::with_shutdown(shutdown.clone()))
}
