//! The hpack-test-case corpus: JSON stories of header blocks written by several
//! encoders, each story one compression context.
//!
//! Every story of every encoder's folder is decoded case by case with one decoder (a
//! case's `header_table_size` is our advertised limit, acknowledged just before it), and
//! the fields must be the case's `headers`, in order. The stories of `raw-data` have no
//! wire: their cases are encoded with our encoder, then decoded by our decoder and by
//! `loona-hpack`, and both must give back the headers.
//!
//! The corpus (23 MB) is not part of the repository: point `WEIR_HPACK_VECTORS` at it
//! and run `cargo test --test hpack_vectors -- --include-ignored`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use weir::hpack::{Decoder, Encoder};
use weir::Fields;

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex wire"))
        .collect()
}

/// A case's `headers`: single-pair objects, in order.
fn headers(case: &Value) -> Pairs {
    case["headers"]
        .as_array()
        .expect("headers array")
        .iter()
        .flat_map(|h| h.as_object().expect("header object").iter())
        .map(|(n, v)| {
            (
                n.as_bytes().to_vec(),
                v.as_str().expect("string value").as_bytes().to_vec(),
            )
        })
        .collect()
}

fn pairs(fields: &Fields) -> Pairs {
    fields
        .iter()
        .map(|f| (f.name.to_vec(), f.value.to_vec()))
        .collect()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    out.sort();
    out
}

fn cases(story: &Path) -> Vec<Value> {
    let text = fs::read_to_string(story).expect("readable story");
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", story.display()));
    json["cases"].as_array().expect("cases array").clone()
}

#[derive(Default)]
struct Counts {
    stories: usize,
    cases: usize,
    headers: usize,
}

/// Decodes one story of an encoder's folder.
fn decode_story(story: &Path, counts: &mut Counts) {
    let mut decoder = Decoder::new(4096);
    for (i, case) in cases(story).iter().enumerate() {
        if let Some(size) = case.get("header_table_size").and_then(Value::as_u64) {
            decoder.set_max_table_size(size as usize);
        }
        let wire = hex(case["wire"].as_str().expect("wire"));
        let expect = headers(case);
        let fields = decoder
            .decode(&wire, usize::MAX)
            .unwrap_or_else(|e| panic!("{} case {i}: {e}", story.display()));
        assert_eq!(pairs(&fields), expect, "{} case {i}", story.display());
        counts.cases += 1;
        counts.headers += expect.len();
    }
    counts.stories += 1;
}

/// Encodes one raw story and decodes it back with our decoder and with loona-hpack.
fn encode_story(story: &Path, counts: &mut Counts) {
    let mut encoder = Encoder::new();
    let mut decoder = Decoder::new(4096);
    let mut oracle = loona_hpack::Decoder::new();
    for (i, case) in cases(story).iter().enumerate() {
        let expect = headers(case);
        let fields: Fields = expect.iter().map(|(n, v)| (n, v)).collect();
        let mut block = Vec::new();
        encoder.encode(&fields, &mut block);
        let ours = decoder
            .decode(&block, usize::MAX)
            .unwrap_or_else(|e| panic!("{} case {i}: {e}", story.display()));
        assert_eq!(pairs(&ours), expect, "{} case {i}", story.display());
        let theirs = oracle
            .decode(&block)
            .unwrap_or_else(|e| panic!("{} case {i}: loona-hpack: {e:?}", story.display()));
        assert_eq!(theirs, expect, "{} case {i}: loona-hpack", story.display());
        counts.cases += 1;
        counts.headers += expect.len();
    }
    counts.stories += 1;
}

#[test]
#[ignore = "needs WEIR_HPACK_VECTORS=<path to hpack-test-case>"]
fn hpack_test_case_corpus() {
    let dir = std::env::var_os("WEIR_HPACK_VECTORS")
        .map(PathBuf::from)
        .expect("WEIR_HPACK_VECTORS is not set: point it at a copy of hpack-test-case");
    assert!(
        dir.is_dir(),
        "WEIR_HPACK_VECTORS={} is not a folder",
        dir.display()
    );
    let (mut decoded, mut encoded) = (Counts::default(), Counts::default());
    let mut encoders = 0;
    for folder in sorted_entries(&dir).into_iter().filter(|p| p.is_dir()) {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let stories: Vec<PathBuf> = sorted_entries(&folder)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        assert!(!stories.is_empty(), "{}: no stories", folder.display());
        for story in &stories {
            if name == "raw-data" {
                encode_story(story, &mut encoded);
            } else {
                decode_story(story, &mut decoded);
            }
        }
        if name != "raw-data" {
            encoders += 1;
        }
    }
    assert!(encoders > 0, "{}: no encoder folders", dir.display());
    assert!(
        encoded.stories > 0,
        "{}: no raw-data stories",
        dir.display()
    );
    println!(
        "hpack-test-case: decoded {} stories from {encoders} encoders ({} cases, {} headers); \
         encoded and decoded back {} raw stories ({} cases, {} headers)",
        decoded.stories,
        decoded.cases,
        decoded.headers,
        encoded.stories,
        encoded.cases,
        encoded.headers
    );
}
