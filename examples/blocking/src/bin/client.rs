//! `blocking-client`: one HTTP/1.1 request; the status line and header fields go to
//! stderr, the body to stdout. Exits 0 on a complete response.
//!
//! ```text
//! blocking-client URL [--http2-prior-knowledge] [-X METHOD] [-d DATA | --data-file PATH|-] [-H 'name: value' ...]
//! ```
//!
//! With `CONNECT`, or an `Upgrade` field, the data goes through the tunnel once it is
//! open, and what comes back is printed until the server closes its side.

use bytes::Bytes;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;
use weir::{Config, Event, Head, StreamId, Version};
use weir_blocking::args::{ClientArgs, CLIENT_USAGE};
use weir_blocking::print::{print_fields, print_head};
use weir_blocking::Client;

const TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{CLIENT_USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match ClientArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("blocking-client: {e}\n{CLIENT_USAGE}");
            return ExitCode::from(2);
        }
    };
    match fetch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blocking-client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fetch(args: &ClientArgs) -> io::Result<()> {
    let body = args.body()?;
    let (head, tunnel_data) = args.request(body.as_ref());
    // A tunnel carries the data once it is open; a request carries it as its body.
    let request_body = body.clone().filter(|_| !tunnel_data);
    let url = &args.url;
    let version = if args.http2 {
        Version::Http2
    } else {
        Version::Http11
    };
    let mut client = Client::connect_version(
        (url.host.as_str(), url.port),
        version,
        Config::default(),
        TIMEOUT,
    )?;
    let stream = client.send_request(head, request_body.is_none())?;
    if let Some(body) = request_body {
        client.send_body(stream, body, true)?;
    }
    read_response(&mut client, stream, body.filter(|_| tunnel_data))
}

/// Prints the response as it arrives; returns once it is complete.
fn read_response(
    client: &mut Client,
    stream: StreamId,
    tunnel_data: Option<Bytes>,
) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let mut tunnel_data = tunnel_data;
    while let Some(event) = client.next_event()? {
        match event {
            Event::Headers {
                head: Head::Response(res),
                end_stream,
                ..
            } => {
                print_head(&res);
                if end_stream {
                    return Ok(());
                }
            }
            Event::Tunnel { .. } => {
                // Our side of the tunnel: the data, then the end of our writing.
                let data = tunnel_data.take().unwrap_or_default();
                client.send_body(stream, data, true)?;
            }
            Event::Data {
                data, end_stream, ..
            } => {
                stdout.write_all(&data)?;
                if end_stream {
                    return stdout.flush();
                }
            }
            Event::Trailers { fields, .. } => {
                print_fields(&fields);
                return stdout.flush();
            }
            Event::StreamReset { code, .. } => {
                stdout.flush()?;
                return Err(io::Error::other(format!(
                    "the response was cut short ({code:?})"
                )));
            }
            Event::Closed { error } => {
                stdout.flush()?;
                let why = error.map_or("".to_string(), |e| format!(": {e}"));
                return Err(io::Error::other(format!(
                    "connection closed before the end of the response{why}"
                )));
            }
            _ => {}
        }
    }
    Err(io::Error::other(
        "connection closed before the end of the response",
    ))
}
