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
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;
use weir::{Config, Event, Head, Request, StreamId, Version};
use weir_blocking::args::{ClientArgs, Data, CLIENT_USAGE};
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
    let body = match &args.data {
        None => None,
        Some(Data::Inline(s)) => Some(Bytes::from(s.clone())),
        Some(Data::File(path)) => Some(Bytes::from(std::fs::read(path)?)),
        Some(Data::Stdin) => {
            let mut all = Vec::new();
            io::stdin().lock().read_to_end(&mut all)?;
            Some(Bytes::from(all))
        }
    };
    let url = &args.url;
    let connect = args.method == "CONNECT";
    let target = if connect { &url.authority } else { &url.target };
    let mut head = Request::new(args.method.clone(), target.clone());
    if !args
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        head = head.field("host", url.authority.clone());
    }
    for (name, value) in &args.headers {
        head = head.field(name.clone(), value.clone());
    }
    // A tunnel carries the data once it is open; a request carries it as its body.
    let tunnel_data = connect || head.fields.contains("upgrade");
    let request_body = body.clone().filter(|_| !tunnel_data);
    if let Some(body) = &request_body {
        if !head.fields.contains("content-length") && !head.fields.contains("transfer-encoding") {
            head = head.field("content-length", body.len().to_string());
        }
    }
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
