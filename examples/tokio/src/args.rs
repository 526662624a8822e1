//! The command lines of `tokio-server` and `tokio-client` (see `EXAMPLE-SERVERS.md`):
//! those of the blocking adapter, plus threads, TLS and `--insecure`.

use std::path::PathBuf;
use weir_blocking::args::{ClientArgs, ServerArgs};

/// Where a server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// `--tls-cert PEM --tls-key PEM`.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
    /// `--tls-self-signed`: made at start-up.
    SelfSigned,
}

/// `tokio-server [--listen ADDR] [--protocol auto|h1|h2] [--threads N] [--tls-cert PEM
/// --tls-key PEM | --tls-self-signed] [--config KEY=VALUE ...]`.
#[derive(Debug, Clone)]
pub struct TokioServerArgs {
    /// What the blocking server takes too.
    pub common: ServerArgs,
    /// Worker threads; `None`: as many as cores.
    pub threads: Option<usize>,
    /// TLS, if asked for.
    pub tls: Option<TlsSource>,
}

/// The usage line of `tokio-server`.
pub const SERVER_USAGE: &str = "usage: tokio-server [--listen ADDR] [--protocol auto|h1|h2] \
[--threads N] [--tls-cert PEM --tls-key PEM | --tls-self-signed] [--config KEY=VALUE ...]";

impl TokioServerArgs {
    /// Parses the arguments (without the program name). Errors say what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<TokioServerArgs, String> {
        let (mut threads, mut cert, mut key, mut self_signed) = (None, None, None, false);
        let mut rest = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match name.as_str() {
                "--threads" => {
                    let n = value()?;
                    threads =
                        Some(n.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
                            format!("--threads takes a positive number, not `{n}`")
                        })?);
                }
                "--tls-cert" => cert = Some(PathBuf::from(value()?)),
                "--tls-key" => key = Some(PathBuf::from(value()?)),
                "--tls-self-signed" => self_signed = true,
                _ => rest.push(arg),
            }
        }
        let tls = match (cert, key, self_signed) {
            (None, None, false) => None,
            (None, None, true) => Some(TlsSource::SelfSigned),
            (Some(cert), Some(key), false) => Some(TlsSource::Files { cert, key }),
            (_, _, true) => {
                return Err("give --tls-self-signed or --tls-cert/--tls-key, not both".into())
            }
            _ => return Err("--tls-cert and --tls-key go together".into()),
        };
        let common = ServerArgs::parse(rest)?;
        Ok(TokioServerArgs {
            common,
            threads,
            tls,
        })
    }
}

/// `tokio-client URL [--http2-prior-knowledge] [-X METHOD] [-d DATA | --data-file PATH|-]
/// [-H 'name: value' ...] [--insecure]`; the URL may be `https://`.
#[derive(Debug, Clone)]
pub struct TokioClientArgs {
    /// What the blocking client takes too (its URL as `http://`).
    pub common: ClientArgs,
    /// Whether the URL is `https://`.
    pub tls: bool,
    /// `--insecure`: accept any certificate.
    pub insecure: bool,
    /// The URL as given.
    pub url: String,
}

/// The usage line of `tokio-client`.
pub const CLIENT_USAGE: &str = "usage: tokio-client URL [--http2-prior-knowledge] \
[-X METHOD] [-d DATA | --data-file PATH|-] [-H 'name: value' ...] [--insecure]";

impl TokioClientArgs {
    /// Parses the arguments (without the program name). Errors say what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<TokioClientArgs, String> {
        let mut insecure = false;
        let mut rest = Vec::new();
        let mut url = None;
        let mut expects_value = false;
        for arg in args {
            if arg == "--insecure" || arg == "-k" {
                insecure = true;
                continue;
            }
            // The URL is the first argument that is no option nor an option's value.
            if !expects_value && !arg.starts_with('-') && url.is_none() {
                let target = crate::Target::parse(&arg)?;
                let plain = format!("http://{}{}", target.url.authority, target.url.target);
                url = Some((arg, target.tls));
                rest.push(plain);
                continue;
            }
            expects_value = matches!(
                arg.as_str(),
                "-X" | "--request" | "-d" | "--data" | "--data-file" | "-H" | "--header"
            );
            rest.push(arg);
        }
        let common = ClientArgs::parse(rest)?;
        let (url, tls) = url.ok_or("no URL given")?;
        let mut parsed = TokioClientArgs {
            common,
            tls,
            insecure,
            url,
        };
        if tls {
            let target = crate::Target::parse(&parsed.url)?;
            parsed.common.url = target.url;
        }
        Ok(parsed)
    }
}
