//! The command lines of `blocking-server` and `blocking-client` (see
//! `EXAMPLE-SERVERS.md`), parsed without dependencies.

use bytes::Bytes;
use std::io::{self, Read};
use std::path::PathBuf;
use weir::{Config, Request};

/// Which protocols a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Detected per connection.
    Auto,
    /// HTTP/1.1 only.
    H1,
    /// HTTP/2 only.
    H2,
}

/// `blocking-server [--listen ADDR] [--protocol auto|h1|h2] [--config KEY=VALUE ...]`.
#[derive(Debug, Clone)]
pub struct ServerArgs {
    /// Where to listen (`127.0.0.1:3000` unless given).
    pub listen: String,
    /// The protocols to speak.
    pub protocol: Protocol,
    /// The connection limits, defaults changed by `--config`.
    pub config: Config,
}

/// The usage line of `blocking-server`.
pub const SERVER_USAGE: &str =
    "usage: blocking-server [--listen ADDR] [--protocol auto|h1|h2] [--config KEY=VALUE ...]";

impl ServerArgs {
    /// Parses the arguments (without the program name). Errors say what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<ServerArgs, String> {
        let mut parsed = ServerArgs {
            listen: "127.0.0.1:3000".to_string(),
            protocol: Protocol::Auto,
            config: Config::default(),
        };
        let mut args = Options::new(args);
        while let Some((name, value)) = args.next_option()? {
            match name.as_str() {
                "--listen" => parsed.listen = value.need(&name)?,
                "--protocol" => {
                    parsed.protocol = match value.need(&name)?.as_str() {
                        "auto" => Protocol::Auto,
                        "h1" => Protocol::H1,
                        "h2" => Protocol::H2,
                        other => {
                            return Err(format!("--protocol takes auto, h1 or h2, not `{other}`"))
                        }
                    }
                }
                "--config" => {
                    let setting = value.need(&name)?;
                    let (key, value) = setting
                        .split_once('=')
                        .ok_or_else(|| format!("--config takes KEY=VALUE, not `{setting}`"))?;
                    parsed
                        .config
                        .set(key, value)
                        .map_err(|e| format!("--config {setting}: {e}"))?;
                }
                _ => return Err(format!("unknown option `{name}`")),
            }
        }
        Ok(parsed)
    }
}

/// Where a request body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// `-d DATA`.
    Inline(String),
    /// `--data-file PATH`.
    File(PathBuf),
    /// `--data-file -`.
    Stdin,
}

/// An `http://` URL, split for connecting and for the request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host to connect to (an IPv6 address without its brackets).
    pub host: String,
    /// The port (80 unless given).
    pub port: u16,
    /// The authority as written, for the Host field.
    pub authority: String,
    /// The path and query (`/` if empty), for the request line.
    pub target: String,
}

impl Url {
    /// Parses an `http://` URL; other schemes are an error that says why.
    pub fn parse(url: &str) -> Result<Url, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(format!("`{url}` is not a URL (http://HOST[:PORT]/PATH)"));
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err("https:// URLs need TLS, which blocking-client does not do".into());
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(format!("only http:// URLs are supported, not {scheme}://"));
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        let target = match target {
            "" => "/".to_string(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_string(),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(format!("`{url}`: give a host (and no user name)"));
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6
                    .split_once(']')
                    .ok_or_else(|| format!("`{url}`: unclosed `[`"))?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| format!("`{url}`: bad port `{p}`"))?,
        };
        Ok(Url {
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            target,
        })
    }
}

/// `blocking-client URL [--http2-prior-knowledge] [-X METHOD] [-d DATA | --data-file
/// PATH|-] [-H 'name: value' ...]`.
#[derive(Debug, Clone)]
pub struct ClientArgs {
    /// Where to send the request.
    pub url: Url,
    /// The method: `-X`, else POST with a body and GET without.
    pub method: String,
    /// The request body, if any.
    pub data: Option<Data>,
    /// Extra header fields, in order.
    pub headers: Vec<(String, String)>,
    /// Speak HTTP/2 from the first byte (`--http2-prior-knowledge`).
    pub http2: bool,
}

/// The usage line of `blocking-client`.
pub const CLIENT_USAGE: &str = "usage: blocking-client URL [--http2-prior-knowledge] \
[-X METHOD] [-d DATA | --data-file PATH|-] [-H 'name: value' ...]";

impl ClientArgs {
    /// Parses the arguments (without the program name). Errors say what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<ClientArgs, String> {
        let (mut url, mut method, mut data, mut headers) = (None, None, None, Vec::new());
        let mut http2 = false;
        let mut args = Options::new(args);
        while let Some((name, value)) = args.next_option()? {
            match name.as_str() {
                "" => {
                    if url.is_some() {
                        return Err("more than one URL".into());
                    }
                    url = Some(Url::parse(&value.need("URL")?)?);
                }
                "--http2-prior-knowledge" => http2 = true,
                "-X" | "--request" => method = Some(value.need(&name)?),
                "-d" | "--data" | "--data-file" => {
                    if data.is_some() {
                        return Err("give one of -d and --data-file, once".into());
                    }
                    let v = value.need(&name)?;
                    data = Some(match (name.as_str(), v.as_str()) {
                        ("--data-file", "-") => Data::Stdin,
                        ("--data-file", path) => Data::File(path.into()),
                        _ => Data::Inline(v),
                    });
                }
                "-H" | "--header" => {
                    let h = value.need(&name)?;
                    let (n, v) = h
                        .split_once(':')
                        .ok_or_else(|| format!("-H takes 'name: value', not `{h}`"))?;
                    headers.push((n.trim().to_string(), v.trim().to_string()));
                }
                _ => return Err(format!("unknown option `{name}`")),
            }
        }
        let url = url.ok_or("no URL given")?;
        let method =
            method.unwrap_or_else(|| if data.is_some() { "POST" } else { "GET" }.to_string());
        Ok(ClientArgs {
            url,
            method,
            data,
            headers,
            http2,
        })
    }
}

impl ClientArgs {
    /// The request body: `-d`, `--data-file PATH` or `--data-file -` (stdin), if given.
    pub fn body(&self) -> io::Result<Option<Bytes>> {
        Ok(match &self.data {
            None => None,
            Some(Data::Inline(s)) => Some(Bytes::from(s.clone())),
            Some(Data::File(path)) => Some(Bytes::from(std::fs::read(path)?)),
            Some(Data::Stdin) => {
                let mut all = Vec::new();
                io::stdin().lock().read_to_end(&mut all)?;
                Some(Bytes::from(all))
            }
        })
    }

    /// The request head: the method, the path (the authority for CONNECT), `host`
    /// unless a `-H` gives one, the `-H` fields in order, and the Content-Length of
    /// `body` unless framing was given. Returns it with whether it opens a tunnel
    /// (CONNECT, Upgrade): then `body` is the tunnel's data, not the request's.
    pub fn request(&self, body: Option<&Bytes>) -> (Request, bool) {
        let url = &self.url;
        let connect = self.method == "CONNECT";
        let target = if connect { &url.authority } else { &url.target };
        let mut head = Request::new(self.method.clone(), target.clone());
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            head = head.field("host", url.authority.clone());
        }
        for (name, value) in &self.headers {
            head = head.field(name.clone(), value.clone());
        }
        let tunnel = connect || head.fields.contains("upgrade");
        if let Some(body) = body.filter(|_| !tunnel) {
            if !head.fields.contains("content-length") && !head.fields.contains("transfer-encoding")
            {
                head = head.field("content-length", body.len().to_string());
            }
        }
        (head, tunnel)
    }
}

/// A value that an option may need.
struct Value(Option<String>);

impl Value {
    fn need(self, name: &str) -> Result<String, String> {
        self.0.ok_or_else(|| format!("{name} needs a value"))
    }
}

/// Options as `(name, value)`: `--name VALUE`, `--name=VALUE`, `-X VALUE`, and
/// positional arguments under the name `""`. Flags without a value are listed in
/// [`FLAGS`].
struct Options<I: Iterator<Item = String>> {
    args: I,
}

const FLAGS: &[&str] = &["--http2-prior-knowledge"];

impl<I: Iterator<Item = String>> Options<I> {
    fn new(args: impl IntoIterator<Item = String, IntoIter = I>) -> Options<I> {
        Options {
            args: args.into_iter(),
        }
    }

    fn next_option(&mut self) -> Result<Option<(String, Value)>, String> {
        let Some(arg) = self.args.next() else {
            return Ok(None);
        };
        if !arg.starts_with('-') || arg == "-" {
            return Ok(Some((String::new(), Value(Some(arg)))));
        }
        if let Some((name, value)) = arg.split_once('=').filter(|_| arg.starts_with("--")) {
            return Ok(Some((name.to_string(), Value(Some(value.to_string())))));
        }
        if FLAGS.contains(&arg.as_str()) {
            return Ok(Some((arg, Value(None))));
        }
        let value = self.args.next();
        Ok(Some((arg, Value(value))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn server_defaults_and_config() {
        let a = ServerArgs::parse(strings(&[])).unwrap();
        assert_eq!(
            (a.listen.as_str(), a.protocol),
            ("127.0.0.1:3000", Protocol::Auto)
        );
        let a = ServerArgs::parse(strings(&[
            "--listen",
            "127.0.0.1:0",
            "--protocol=h1",
            "--config",
            "max_fields=7",
        ]))
        .unwrap();
        assert_eq!(
            (a.listen.as_str(), a.protocol),
            ("127.0.0.1:0", Protocol::H1)
        );
        assert_eq!(a.config.max_fields, 7);
        let e = ServerArgs::parse(strings(&["--config", "nope=1"])).unwrap_err();
        assert!(e.contains("unknown config key `nope`"), "{e}");
        assert!(ServerArgs::parse(strings(&["--listen"])).is_err());
        assert!(ServerArgs::parse(strings(&["--protocol", "h3"])).is_err());
    }

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8080/a/b?c=d#frag").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 8080));
        assert_eq!(
            (u.authority.as_str(), u.target.as_str()),
            ("127.0.0.1:8080", "/a/b?c=d")
        );
        let u = Url::parse("http://[::1]?x").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("::1", 80, "/?x")
        );
        assert!(Url::parse("https://example.com/")
            .unwrap_err()
            .contains("TLS"));
        assert!(Url::parse("example.com").is_err());
        assert!(Url::parse("http://h:port/").is_err());
    }

    #[test]
    fn client_options() {
        let a = ClientArgs::parse(strings(&["http://h/x", "-d", "hi", "-H", "A: b c"])).unwrap();
        assert_eq!(a.method, "POST");
        assert_eq!(a.data, Some(Data::Inline("hi".into())));
        assert_eq!(a.headers, vec![("A".to_string(), "b c".to_string())]);
        let a = ClientArgs::parse(strings(&["--data-file", "-", "-X", "PUT", "http://h"])).unwrap();
        assert_eq!((a.method.as_str(), a.data), ("PUT", Some(Data::Stdin)));
        assert_eq!(
            ClientArgs::parse(strings(&["http://h"])).unwrap().method,
            "GET"
        );
        let a = ClientArgs::parse(strings(&["http://h", "--http2-prior-knowledge"])).unwrap();
        assert!(a.http2);
        assert!(!ClientArgs::parse(strings(&["http://h"])).unwrap().http2);
    }
}
