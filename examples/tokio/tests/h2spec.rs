//! The server test cases of the h2spec conformance tool (strict mode: its `generic`,
//! `http2` and `hpack` groups) against `tokio-server`, as the tool runs them without and
//! with `-t`: over cleartext TCP (`--protocol h2`, HTTP/2 with prior knowledge) and over
//! TLS (`--tls-self-signed`, the protocol chosen by ALPN, which must be `h2`).
//!
//! The cases, the checks and the frame-level client are weir-blocking's
//! (`examples/blocking/tests/h2spec/`), included here so that both adapters answer the
//! same cases. The tests are `tcp::GROUP` and `tls::GROUP` (`tls::http2_6_9_1`), and
//! `tcp::all_groups_on_one_server`, `tls::all_groups_on_one_server`.
//!
//! `cargo test -p weir-tokio --test h2spec -- --nocapture` prints one summary line per
//! group and transport (`h2spec tls http2/6.9.1: 3/3 passed`); a failing group lists
//! every failing case with the frames exchanged.
//! `H2SPEC_VERBOSE=1` prints every exchange; `H2SPEC_TARGET=HOST:PORT` runs the cases
//! against a server already listening there, so pick the transport it speaks
//! (`-- tcp::` or `-- tls::`).

#[path = "../../blocking/tests/h2spec/cases.rs"]
mod cases;
#[path = "../../blocking/tests/h2spec/harness.rs"]
mod harness;
#[path = "../../blocking/tests/h2spec/hpack.rs"]
mod hpack;

const SERVER: &str = env!("CARGO_BIN_EXE_tokio-server");

mod tcp {
    use crate::harness::Target;

    /// `tokio-server --protocol h2`.
    fn target() -> Target {
        Target {
            label: "tcp",
            ..Target::tcp(super::SERVER, &["--protocol", "h2"])
        }
    }

    crate::cases::h2spec_tests!(target());
}

mod tls {
    use crate::harness::{Target, Transport};
    use rustls::pki_types::ServerName;
    use rustls::{ClientConfig, ClientConnection, StreamOwned};
    use std::net::TcpStream;
    use std::sync::Arc;
    use weir::Version;
    use weir_tokio::tls::{client_config, ALPN_H2};

    /// `tokio-server --tls-self-signed`, which offers `h2` and `http/1.1` by ALPN.
    fn target() -> Target {
        // Offers `h2` as the tool does (it adds the draft's `h2-16`, which tokio-server
        // does not know), and takes the self-signed certificate.
        let config = client_config(&[Version::Http2], None, true).expect("TLS client config");
        Target {
            program: super::SERVER,
            args: &["--tls-self-signed"],
            tls: Some(Arc::new(move |host: &str, socket: TcpStream| {
                connect(&config, host, socket)
            })),
            label: "tls",
        }
    }

    /// The TLS handshake on `socket` (its read timeout bounds it); a connection whose
    /// ALPN did not choose `h2` fails, as the tool refuses it.
    fn connect(
        config: &Arc<ClientConfig>,
        host: &str,
        mut socket: TcpStream,
    ) -> Result<Box<dyn Transport>, String> {
        // The tool dials an IP address, and so sends no SNI; neither does rustls for one.
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| format!("server name {host:?}: {e}"))?;
        let mut tls =
            ClientConnection::new(config.clone(), name).map_err(|e| format!("TLS client: {e}"))?;
        while tls.is_handshaking() {
            tls.complete_io(&mut socket)
                .map_err(|e| format!("TLS handshake: {e}"))?;
        }
        match tls.alpn_protocol() {
            Some(ALPN_H2) => Ok(Box::new(StreamOwned::new(tls, socket))),
            other => Err(format!(
                "ALPN chose {:?}, not h2",
                other.map(String::from_utf8_lossy)
            )),
        }
    }

    crate::cases::h2spec_tests!(target());
}
