//! What the example clients print: the response head and trailers on stderr, as
//! `curl -v` would show them (the body goes to stdout).

use weir::{Fields, Response};

/// Prints the status line and the fields of `res`, then an empty line, to stderr.
pub fn print_head(res: &Response) {
    eprintln!(
        "{} {} {}",
        res.version.as_str(),
        res.status,
        String::from_utf8_lossy(&res.reason)
    );
    print_fields(&res.fields);
    eprintln!();
}

/// Prints `fields` (a head's or a trailer section's), one per line, to stderr.
pub fn print_fields(fields: &Fields) {
    for field in fields {
        eprintln!(
            "{}: {}",
            String::from_utf8_lossy(field.name),
            String::from_utf8_lossy(field.value)
        );
    }
}
