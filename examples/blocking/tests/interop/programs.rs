//! The programs from outside cargo that the interoperability suites drive (this
//! crate's, and weir-tokio's through a `#[path]` module): finding them, or failing with
//! the Debian package to install, and running one to completion within a bounded time.

// Each suite uses a different part of this module.
#![allow(dead_code)]

use crate::support::PATIENCE;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `curl`, or a clear failure.
pub fn curl() -> &'static str {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("curl")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        found,
        "curl is needed by the interop suite and was not found on PATH \
         (Debian: apt install curl)"
    );
    "curl"
}

/// A python interpreter that has h11 and h2, or a clear failure.
pub fn python() -> &'static str {
    static FOUND: OnceLock<Option<&str>> = OnceLock::new();
    const CANDIDATES: [&str; 2] = ["python3", "/usr/bin/python3"];
    let found = *FOUND.get_or_init(|| {
        CANDIDATES.into_iter().find(|python| {
            Command::new(python)
                .args(["-c", "import h11, h2"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    });
    found.unwrap_or_else(|| {
        panic!(
            "the interop suite needs python 3 with the h11 module; none of {CANDIDATES:?} \
             can `import h11, h2` (Debian: apt install python3-h11 python3-h2)"
        )
    })
}

/// A program of nghttp2's tools (`nghttp`, `h2load`, `nghttpd`), or a clear failure.
pub fn nghttp2_tool(name: &'static str) -> &'static str {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let package = match name {
        "nghttpd" => "nghttp2-server",
        _ => "nghttp2-client",
    };
    assert!(
        found,
        "{name} is needed by the interop suite and was not found on PATH \
         (Debian: apt install {package})"
    );
    name
}

/// The path of the python script `name`, kept beside weir-blocking's suite.
pub fn script(name: &str) -> String {
    // From either crate's directory: both are under `examples/`.
    format!(
        "{}/../blocking/tests/interop/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// What a finished program did.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Whether a line of its stderr contains `needle`, ignoring ASCII case.
    pub fn said(&self, needle: &str) -> bool {
        self.stderr.lines().any(|l| {
            l.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        })
    }

    pub fn count(&self, needle: &str) -> usize {
        self.stderr.matches(needle).count()
    }
}

/// Runs `program` to completion with `stdin`, killing it after [`PATIENCE`].
pub fn run(program: &str, args: &[&str], stdin: &[u8]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut input = child.stdin.take().expect("piped");
    let stdin = stdin.to_vec();
    // Separate threads, so that no pipe fills up while another is waited on.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().expect("piped");
    let stdout = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let mut err = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} {args:?} did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    writer.join().unwrap();
    Run {
        status,
        stdout: stdout.join().unwrap(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// A body that is not text and not repetitive on a short period.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 256) as u8).collect()
}
