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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn server_takes_threads_tls_and_the_common_options() {
        let parsed = TokioServerArgs::parse(args(
            "--threads 1 --listen 127.0.0.1:0 --tls-cert c.pem --tls-key k.pem --protocol h2 \
             --config max_concurrent_streams=7",
        ))
        .unwrap();
        assert_eq!(parsed.threads, Some(1));
        let files = TlsSource::Files {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        assert_eq!(parsed.tls, Some(files));
        assert_eq!(parsed.common.listen, "127.0.0.1:0");
        assert_eq!(parsed.common.protocol, weir_blocking::args::Protocol::H2);
        assert_eq!(parsed.common.config.h2_max_concurrent_streams, 7);
        let parsed = TokioServerArgs::parse(args("--tls-self-signed --threads=4")).unwrap();
        assert_eq!(parsed.tls, Some(TlsSource::SelfSigned));
        assert_eq!(parsed.threads, Some(4));
        assert_eq!(TokioServerArgs::parse(args("")).unwrap().tls, None);
    }

    #[test]
    fn server_refusals_say_why() {
        for (line, why) in [
            ("--threads 0", "positive"),
            ("--threads", "needs a value"),
            ("--tls-cert c.pem", "go together"),
            ("--tls-self-signed --tls-key k.pem", "not both"),
            ("--config nonsense=1", "nonsense"),
            ("--frobnicate", "unknown option"),
        ] {
            let e = TokioServerArgs::parse(args(line)).unwrap_err();
            assert!(e.contains(why), "{line}: {e}");
        }
    }

    #[test]
    fn client_takes_https_and_insecure() {
        let parsed = TokioClientArgs::parse(args(
            "-H x-a:1 https://localhost/path?q --insecure -X PUT -d data",
        ))
        .unwrap();
        assert!(parsed.tls && parsed.insecure);
        assert_eq!(parsed.url, "https://localhost/path?q");
        assert_eq!(parsed.common.url.port, 443);
        assert_eq!(parsed.common.url.target, "/path?q");
        assert_eq!(parsed.common.method, "PUT");
        assert_eq!(parsed.common.headers, [("x-a".into(), "1".into())]);
        let parsed =
            TokioClientArgs::parse(args("http://[::1]:8080/ --http2-prior-knowledge")).unwrap();
        assert!(!parsed.tls && parsed.common.http2);
        assert_eq!(parsed.common.url.port, 8080);
        let parsed = TokioClientArgs::parse(args("https://example.com:8443")).unwrap();
        assert_eq!(parsed.common.url.port, 8443);
        assert!(TokioClientArgs::parse(args("--insecure")).is_err());
        assert!(TokioClientArgs::parse(args("ftp://example.com/")).is_err());
    }
}
