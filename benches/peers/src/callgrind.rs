//! Counting instructions: this same binary run again under `valgrind --tool=callgrind`,
//! counting only inside the functions that match a pattern.

use std::process::Command;

/// Instructions executed inside functions matching `toggle` (callgrind's
/// `--toggle-collect`) when this binary runs with `args`.
///
/// # Panics
///
/// If valgrind is missing or the run fails: there is no count to report then.
pub fn count(toggle: &str, args: &[&str]) -> u64 {
    let exe = std::env::current_exe().expect("the path of this binary");
    let out = std::env::temp_dir().join(format!(
        "weir-bench-{}-{}.callgrind",
        std::process::id(),
        args.join("-")
    ));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--toggle-collect={toggle}"))
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args(args)
        .output()
        .expect("valgrind is installed (it counts the instructions)");
    assert!(
        status.status.success(),
        "callgrind run failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("callgrind's output");
    let _ = std::fs::remove_file(&out);
    text.lines()
        .find_map(|l| l.strip_prefix("summary: ").or(l.strip_prefix("totals: ")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("a summary line in callgrind's output")
}
