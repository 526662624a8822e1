//! Replays the conversation fuzz corpora (and any crash artifacts) through the
//! conversation drivers, so that a regression fails `cargo test` without a fuzzer.
//!
//! The named seeds are defined here, as step lists: `seeds_are_their_step_lists`
//! checks that each seed file still reads back as its list (`arbitrary`'s byte format
//! is not promised to stay the same across versions), and rewrites the files when
//! `WEIR_WRITE_SEEDS=1` is set. The `…-found-…` files are inputs the fuzzer found, kept
//! as it wrote them; the bugs they found are pinned by regression tests of their own
//! (in `h1_*.rs` and `h2_pair.rs`), which do not depend on that format.

#[path = "../fuzz/src/conversation.rs"]
mod conversation;
#[path = "../fuzz/src/conversation_diff.rs"]
mod conversation_diff;

use conversation::*;
use conversation_diff::{check as check_diff, compare_transcripts, Exchange, Transcript};
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};
use weir::Version;

/// Every file under `dir` (none if it does not exist), sorted for a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

// ---- building blocks of the seeds ------------------------------------------------------

fn req(method: Method, target: Target, framing: Framing) -> ReqSpec {
    ReqSpec {
        method,
        target,
        host: Host::Plain,
        fields: [
            Some(FieldSpec {
                name: Name::Accept,
                value: Value::Word(0),
            }),
            None,
            None,
        ],
        framing,
        version: 1,
    }
}

fn get() -> ReqSpec {
    req(Method::Get, Target::Root, Framing::Auto)
}

fn res(status: Status) -> ResSpec {
    ResSpec {
        status,
        fields: [
            Some(FieldSpec {
                name: Name::ContentType,
                value: Value::Word(1),
            }),
            None,
            None,
        ],
        framing: Framing::Auto,
        reason: 0,
    }
}

fn data(who: Who, text: &[u8], end: bool) -> Step {
    let mut b = [0u8; 6];
    b[..text.len()].copy_from_slice(text);
    Step::Data {
        who,
        stream: Pick::Known(0),
        body: Body::Bytes(b, text.len() as u8),
        end,
    }
}

fn respond(status: Status, end: bool) -> Step {
    Step::Response {
        stream: Pick::Known(0),
        head: res(status),
        end,
    }
}

fn deliver(from: Who) -> Step {
    Step::Deliver {
        from,
        split: 255,
        force: false,
    }
}

fn input(steps: Vec<Step>) -> Input {
    Input {
        client: Knobs(0),
        server: Knobs(0),
        steps,
    }
}

use Who::{Client, Server};

/// The named seeds of both conversation targets; `h2` selects the HTTP/2 variants.
fn seeds(h2: bool) -> Vec<(&'static str, Input)> {
    let mut out = vec![
        (
            "ok-get",
            input(vec![
                Step::Request {
                    head: get(),
                    end: true,
                },
                deliver(Client),
                respond(Status::Ok, false),
                data(Server, b"hello", true),
                Step::DeliverAll,
            ]),
        ),
        (
            "ok-post-chunked-trailers",
            input(vec![
                Step::Request {
                    head: req(Method::Post, Target::Path(3), Framing::Chunked),
                    end: false,
                },
                data(Client, b"abc", false),
                Step::Trailers {
                    who: Client,
                    stream: Pick::Known(0),
                    fields: [
                        Some(FieldSpec {
                            name: Name::Custom(1),
                            value: Value::Number(7),
                        }),
                        None,
                    ],
                },
                Step::DeliverAll,
                respond(Status::Created, false),
                data(Server, b"done", false),
                Step::Trailers {
                    who: Server,
                    stream: Pick::Known(0),
                    fields: [
                        Some(FieldSpec {
                            name: Name::Custom(2),
                            value: Value::Text(*b"abcde"),
                        }),
                        None,
                    ],
                },
                Step::DeliverAll,
            ]),
        ),
        (
            "ok-split-bytewise",
            input(
                [
                    vec![
                        Step::Request {
                            head: req(Method::Put, Target::Query(9), Framing::Length(4)),
                            end: false,
                        },
                        data(Client, b"1234", true),
                    ],
                    vec![
                        Step::Deliver {
                            from: Client,
                            split: 0,
                            force: false,
                        };
                        120
                    ],
                    vec![respond(Status::NoContent, true), Step::DeliverAll],
                ]
                .concat(),
            ),
        ),
        (
            "ok-interim-103",
            input(vec![
                Step::Request {
                    head: get(),
                    end: true,
                },
                deliver(Client),
                respond(Status::EarlyHints, false),
                deliver(Server),
                respond(Status::Ok, true),
                deliver(Server),
            ]),
        ),
        (
            "ok-head-request",
            input(vec![
                Step::Request {
                    head: req(Method::Head, Target::Path(1), Framing::Auto),
                    end: true,
                },
                deliver(Client),
                respond(Status::Ok, false),
                data(Server, b"gone", true),
                deliver(Server),
            ]),
        ),
        (
            "ok-expect-continue",
            input(vec![
                Step::Request {
                    head: ReqSpec {
                        fields: [
                            Some(FieldSpec {
                                name: Name::Expect,
                                value: Value::Empty,
                            }),
                            None,
                            None,
                        ],
                        ..req(Method::Post, Target::Root, Framing::Length(3))
                    },
                    end: false,
                },
                deliver(Client),
                Step::AcceptBody {
                    stream: Pick::Known(0),
                },
                deliver(Server),
                data(Client, b"abc", true),
                deliver(Client),
                respond(Status::Ok, true),
                deliver(Server),
            ]),
        ),
        (
            "ok-two-requests",
            input(vec![
                Step::Request {
                    head: get(),
                    end: true,
                },
                Step::Request {
                    head: req(Method::Delete, Target::Path(2), Framing::Auto),
                    end: true,
                },
                Step::DeliverAll,
                Step::Response {
                    stream: Pick::Known(1),
                    head: res(Status::NotFound),
                    end: true,
                },
                Step::DeliverAll,
                respond(Status::Ok, true),
                Step::DeliverAll,
            ]),
        ),
        (
            "ok-misuses-change-nothing",
            input(vec![
                Step::Mistake {
                    who: Server,
                    what: Mistake::DataOnUnknownStream,
                    stream: Pick::Id(7),
                },
                Step::Request {
                    head: get(),
                    end: true,
                },
                Step::Mistake {
                    who: Client,
                    what: Mistake::BadFieldValue,
                    stream: Pick::Known(0),
                },
                Step::Mistake {
                    who: Client,
                    what: Mistake::BadMethod,
                    stream: Pick::Known(0),
                },
                deliver(Client),
                Step::Mistake {
                    who: Server,
                    what: Mistake::BadStatus(1),
                    stream: Pick::Known(0),
                },
                Step::Mistake {
                    who: Server,
                    what: Mistake::ResetUnknownStream,
                    stream: Pick::Known(0),
                },
                respond(Status::Ok, true),
                Step::Mistake {
                    who: Server,
                    what: Mistake::DataAfterEnd,
                    stream: Pick::Known(0),
                },
                Step::Mistake {
                    who: Server,
                    what: Mistake::SecondFinalResponse,
                    stream: Pick::Known(0),
                },
                deliver(Server),
            ]),
        ),
        (
            "ok-backpressure",
            Input {
                client: Knobs(0b10),
                server: Knobs(0b10),
                steps: vec![
                    Step::Request {
                        head: req(Method::Post, Target::Root, Framing::Auto),
                        end: false,
                    },
                    Step::Data {
                        who: Client,
                        stream: Pick::Known(0),
                        body: Body::Fill {
                            byte: b'z',
                            len: 5000,
                        },
                        end: false,
                    },
                    Step::Data {
                        who: Client,
                        stream: Pick::Known(0),
                        body: Body::Fill {
                            byte: b'y',
                            len: 10,
                        },
                        end: false,
                    },
                    Step::Deliver {
                        from: Client,
                        split: 130,
                        force: false,
                    },
                    data(Client, b"!", true),
                    Step::DeliverAll,
                    respond(Status::Ok, true),
                    Step::DeliverAll,
                ],
            },
        ),
        (
            "ok-time-passes",
            input(vec![
                Step::Request {
                    head: get(),
                    end: true,
                },
                Step::Advance {
                    by: Lapse::Ticks(50),
                },
                deliver(Client),
                Step::Advance {
                    by: Lapse::Seconds(2),
                },
                respond(Status::Ok, true),
                deliver(Server),
            ]),
        ),
        (
            "bad-forged-garbage",
            input(vec![
                Step::Inject {
                    to: Server,
                    msg: Forged::Raw(*b"\x00\x00\x04\x00\x01\x00\x00\x00"),
                    mutations: [None, None],
                    split: 255,
                },
                Step::Request {
                    head: get(),
                    end: true,
                },
                Step::DeliverAll,
            ]),
        ),
        (
            "bad-mutated-request",
            input(vec![
                Step::Inject {
                    to: Server,
                    msg: Forged::H1Request {
                        head: get(),
                        body: Body::Empty,
                        chunked: true,
                    },
                    mutations: [
                        Some(Mutation::Flip { at: 3, bit: 5 }),
                        Some(Mutation::Insert { at: 20, byte: 0 }),
                    ],
                    split: 3,
                },
                Step::DeliverAll,
            ]),
        ),
        (
            "bad-eof-mid-body",
            input(vec![
                Step::Request {
                    head: req(Method::Post, Target::Root, Framing::Length(10)),
                    end: false,
                },
                data(Client, b"abc", false),
                deliver(Client),
                Step::Eof { to: Server },
            ]),
        ),
        (
            "bad-app-reset",
            input(vec![
                Step::Request {
                    head: req(Method::Post, Target::Root, Framing::Auto),
                    end: false,
                },
                data(Client, b"abc", false),
                deliver(Client),
                Step::Reset {
                    who: Server,
                    stream: Pick::Known(0),
                    code: Code::Cancel,
                },
                Step::DeliverAll,
            ]),
        ),
        (
            "bad-header-timeout",
            Input {
                client: Knobs(0),
                server: Knobs(0b10_0000),
                steps: vec![
                    Step::Request {
                        head: req(Method::Post, Target::Root, Framing::Length(5)),
                        end: false,
                    },
                    Step::Deliver {
                        from: Client,
                        split: 4,
                        force: false,
                    },
                    Step::Advance {
                        by: Lapse::Minutes(2),
                    },
                    Step::DeliverAll,
                ],
            },
        ),
    ];
    if h2 {
        out.push((
            "ok-push",
            input(vec![
                Step::Request {
                    head: get(),
                    end: true,
                },
                deliver(Client),
                Step::Push {
                    stream: Pick::Known(0),
                    target: Target::Path(5),
                },
                respond(Status::Ok, true),
                Step::Response {
                    stream: Pick::Known(1),
                    head: res(Status::Ok),
                    end: false,
                },
                data(Server, b"pushed", true),
                Step::DeliverAll,
            ]),
        ));
        out.push((
            "ok-ping-priority-goaway",
            input(vec![
                Step::Ping {
                    who: Client,
                    payload: 9,
                },
                Step::Request {
                    head: get(),
                    end: true,
                },
                Step::Prioritize {
                    who: Client,
                    stream: Pick::Known(0),
                    urgency: 1,
                    incremental: true,
                },
                Step::DeliverAll,
                respond(Status::Ok, true),
                Step::GoAway {
                    who: Server,
                    code: Code::NoError,
                },
                Step::DeliverAll,
                Step::DeliverAll,
            ]),
        ));
        out.push((
            "bad-forged-frames",
            input(vec![
                Step::Request {
                    head: get(),
                    end: false,
                },
                deliver(Client),
                Step::Inject {
                    to: Server,
                    msg: Forged::WindowUpdate {
                        stream: Pick::Known(0),
                        increment: 0,
                    },
                    mutations: [None, None],
                    split: 255,
                },
                Step::Inject {
                    to: Client,
                    msg: Forged::Data {
                        stream: Pick::Id(2),
                        len: 5,
                        end: false,
                        pad: 3,
                    },
                    mutations: [Some(Mutation::Truncate { at: 12 }), None],
                    split: 2,
                },
                Step::DeliverAll,
            ]),
        ));
    } else {
        out.push((
            "ok-upgrade-101",
            input(vec![
                Step::Request {
                    head: ReqSpec {
                        fields: [
                            Some(FieldSpec {
                                name: Name::Upgrade,
                                value: Value::Word(0),
                            }),
                            Some(FieldSpec {
                                name: Name::Connection,
                                value: Value::Word(2),
                            }),
                            None,
                        ],
                        ..get()
                    },
                    end: true,
                },
                deliver(Client),
                respond(Status::Switching, false),
                deliver(Server),
                data(Client, b"ping", false),
                data(Server, b"pong", true),
                data(Client, b"", true),
                Step::DeliverAll,
            ]),
        ));
        out.push((
            "ok-connect-tunnel",
            input(vec![
                Step::Request {
                    head: ReqSpec {
                        host: Host::Port,
                        ..req(Method::Connect, Target::Authority, Framing::Auto)
                    },
                    end: false,
                },
                deliver(Client),
                respond(Status::Ok, false),
                deliver(Server),
                data(Client, b"raw", false),
                data(Server, b"bytes", false),
                Step::DeliverAll,
            ]),
        ));
    }
    out
}

fn target(h2: bool) -> &'static str {
    if h2 {
        "conversation_h2"
    } else {
        "conversation_h1"
    }
}

fn version(h2: bool) -> Version {
    if h2 {
        Version::Http2
    } else {
        Version::Http11
    }
}

// ---- the differential target's seeds -------------------------------------------------

fn exchange(method: Method, status: Status) -> Exchange {
    Exchange {
        request: req(method, Target::Path(4), Framing::Auto),
        request_body: [None, None],
        request_trailers: None,
        interim: None,
        response: res(status),
        response_body: [
            Some(Body::Bytes(*b"hello!", 5)),
            Some(Body::Fill {
                byte: b'w',
                len: 300,
            }),
        ],
        response_trailers: None,
    }
}

fn trailer(n: u8) -> Option<[Option<FieldSpec>; 2]> {
    Some([
        Some(FieldSpec {
            name: Name::Custom(n),
            value: Value::Number(u16::from(n) * 7),
        }),
        Some(FieldSpec {
            name: Name::Token(*b"Zz"),
            value: Value::Text(*b"t r l"),
        }),
    ])
}

/// The named seeds of `h1_vs_h2`: each an exchange list that must give the same events
/// on both versions.
fn diff_seeds() -> Vec<(&'static str, Vec<Exchange>)> {
    let get = exchange(Method::Get, Status::Ok);
    let post = Exchange {
        request: req(Method::Post, Target::Query(3), Framing::Length(0)),
        request_body: [
            Some(Body::Bytes(*b"abcdef", 6)),
            Some(Body::Fill {
                byte: 0,
                len: 65_535,
            }),
        ],
        ..exchange(Method::Post, Status::Created)
    };
    vec![
        ("ok-get", vec![get.clone()]),
        ("ok-post-content-length", vec![post.clone()]),
        (
            "ok-chunked-with-trailers",
            vec![Exchange {
                request: req(Method::Put, Target::Root, Framing::Chunked),
                request_body: [Some(Body::Bytes(*b"123456", 3)), None],
                request_trailers: trailer(1),
                response_trailers: trailer(2),
                ..get.clone()
            }],
        ),
        (
            "ok-empty-trailers",
            vec![Exchange {
                request_trailers: Some([None, None]),
                response_trailers: Some([None, None]),
                ..get.clone()
            }],
        ),
        ("ok-head", vec![exchange(Method::Head, Status::Ok)]),
        (
            "ok-no-content-and-not-modified",
            vec![
                exchange(Method::Delete, Status::NoContent),
                exchange(Method::Get, Status::NotModified),
            ],
        ),
        (
            "ok-interim",
            vec![Exchange {
                interim: Some(1),
                ..get.clone()
            }],
        ),
        (
            "ok-absolute-target-and-options-star",
            vec![
                Exchange {
                    request: req(Method::Get, Target::Absolute(2), Framing::Auto),
                    ..get.clone()
                },
                Exchange {
                    request: req(Method::Options, Target::Star, Framing::Auto),
                    ..get.clone()
                },
            ],
        ),
        (
            "ok-field-case-and-whitespace",
            vec![Exchange {
                request: ReqSpec {
                    fields: [
                        Some(FieldSpec {
                            name: Name::Mixed,
                            value: Value::Padded(3),
                        }),
                        Some(FieldSpec {
                            name: Name::Te,
                            value: Value::Empty,
                        }),
                        Some(FieldSpec {
                            name: Name::Token(*b"aB"),
                            value: Value::Empty,
                        }),
                    ],
                    ..get.request.clone()
                },
                ..get.clone()
            }],
        ),
        (
            "ok-pipelined-mix",
            vec![
                get.clone(),
                post,
                exchange(Method::Head, Status::NotFound),
                Exchange {
                    response_trailers: trailer(5),
                    ..exchange(Method::Patch, Status::ServerError)
                },
            ],
        ),
        (
            "ok-custom-method-and-status",
            vec![exchange(Method::Custom(1), Status::Other(150))],
        ),
    ]
}

/// Each seed file reads back as the step list it was written from (or is written,
/// with `WEIR_WRITE_SEEDS=1`).
#[test]
fn seeds_are_their_step_lists() {
    let write = std::env::var_os("WEIR_WRITE_SEEDS").is_some();
    let dir = fuzz_dir("corpus").join("h1_vs_h2");
    for (name, exchanges) in diff_seeds() {
        let bytes = conversation_diff::exchanges_to_bytes(&exchanges);
        assert_eq!(
            conversation_diff::exchanges_from_bytes(&bytes),
            exchanges,
            "{name}: the encoder no longer matches arbitrary's format"
        );
        let path = dir.join(name);
        if write {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(
            fs::read(&path).ok().as_deref(),
            Some(&bytes[..]),
            "{}: stale or missing seed; run with WEIR_WRITE_SEEDS=1",
            path.display()
        );
    }
    for h2 in [false, true] {
        let dir = fuzz_dir("corpus").join(target(h2));
        for (name, input) in seeds(h2) {
            let bytes = input.to_bytes();
            assert_eq!(
                Input::from_bytes(&bytes),
                input,
                "{name}: the encoder no longer matches arbitrary's format"
            );
            let path = dir.join(name);
            if write {
                fs::create_dir_all(&dir).unwrap();
                fs::write(&path, &bytes).unwrap();
            }
            let on_disk = fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; run with WEIR_WRITE_SEEDS=1", path.display()));
            assert_eq!(
                on_disk,
                bytes,
                "{}: stale seed; run with WEIR_WRITE_SEEDS=1",
                path.display()
            );
        }
    }
}

/// The seeds, run from their step lists: each meets what its name says.
#[test]
fn seeds_meet_their_names() {
    let mut failures = Vec::new();
    for h2 in [false, true] {
        for (name, input) in seeds(h2) {
            let outcome = panic::catch_unwind(|| run_input(version(h2), &input).check_name(name));
            if outcome.is_err() {
                failures.push(format!("{}/{name}", target(h2)));
            }
        }
    }
    assert!(failures.is_empty(), "seeds failed: {failures:?}");
}

/// Runs every corpus file and artifact of a target; names the files that fail.
fn replay(h2: bool) {
    let mut failures = Vec::new();
    let corpus = files(&fuzz_dir("corpus").join(target(h2)));
    let named = corpus
        .iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("ok-") || n.starts_with("bad-")
        })
        .count();
    assert!(named >= 10, "{}: only {named} named seeds", target(h2));
    let artifacts = files(&fuzz_dir("artifacts").join(target(h2)));
    for path in corpus.iter().chain(&artifacts) {
        let data = fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = panic::catch_unwind(|| run(version(h2), &data).check_name(&name));
        if outcome.is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(failures.is_empty(), "{} failed on {failures:?}", target(h2));
}

#[test]
fn conversation_h1_corpus() {
    replay(false);
}

#[test]
fn conversation_h2_corpus() {
    replay(true);
}

/// The differential seeds from their exchange lists, then every corpus file and
/// artifact of `h1_vs_h2`: the same events on both versions.
#[test]
fn h1_vs_h2_corpus() {
    for (name, exchanges) in diff_seeds() {
        let outcome = panic::catch_unwind(|| check_diff(&exchanges));
        assert_eq!(outcome.ok(), Some(exchanges.len()), "{name}");
    }
    let corpus = files(&fuzz_dir("corpus").join("h1_vs_h2"));
    assert!(corpus.len() >= 10, "h1_vs_h2: only {} seeds", corpus.len());
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&files(&fuzz_dir("artifacts/h1_vs_h2"))) {
        let data = fs::read(path).unwrap();
        if panic::catch_unwind(|| conversation_diff::run(&data)).is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(failures.is_empty(), "h1_vs_h2 failed on {failures:?}");
}

/// Replays one input file with its steps printed: `WEIR_CONVERSATION=path` (and
/// `WEIR_H2=1` for HTTP/2), `cargo test --test fuzz_conversations replay_one -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn replay_one() {
    let path = std::env::var("WEIR_CONVERSATION").expect("WEIR_CONVERSATION=path");
    let h2 = std::env::var_os("WEIR_H2").is_some();
    let input = Input::from_bytes(&fs::read(path).unwrap());
    println!("{:?}", run_traced(version(h2), &input, true));
}

/// The checks must notice a broken invariant, or the corpus proves nothing.
#[test]
fn checkers_notice_broken_invariants() {
    use weir::{Fields, Head, Request, Response};
    let sent = Message {
        heads: vec![Head::Response(
            Response::new(200).field("Content-Type", "text/plain"),
        )],
        body: b"hello".to_vec(),
        ended: true,
        ..Message::default()
    };
    let got = |f: &dyn Fn(&mut Message)| {
        let mut m = sent.clone();
        f(&mut m);
        m
    };
    for version in [Version::Http11, Version::Http2] {
        // Faithful, and faithful so far.
        assert!(compare(&sent, &sent, version, false).is_ok());
        let partial = got(&|m| {
            m.body.truncate(2);
            m.ended = false;
        });
        assert!(compare(&sent, &partial, version, false).is_ok());
        // Doctored: a changed byte, a cut body that ends, a body where none may be, a
        // head never sent, a changed field, trailers never sent.
        let doctored = [
            got(&|m| m.body[4] = b'X'),
            got(&|m| m.body.truncate(4)),
            got(&|m| m.heads.push(m.heads[0].clone())),
            got(&|m| {
                m.heads = vec![Head::Response(
                    Response::new(200).field("Content-Type", "text/html"),
                )]
            }),
            got(&|m| m.trailers = Some(Fields::new())),
        ];
        for (i, m) in doctored.iter().enumerate() {
            assert!(
                compare(&sent, m, version, false).is_err(),
                "{version:?} #{i}"
            );
        }
        assert!(
            compare(&sent, &sent, version, true).is_err(),
            "a body on HEAD"
        );
    }
    // What a version may change, and no more.
    let req = Request::new("GET", "/x")
        .field("Host", "a")
        .field("X-A", " 1 ");
    let mut h2 = Request::new("GET", "/x").field("x-a", "1");
    h2.scheme = Some("http".into());
    h2.authority = Some("a".into());
    h2.version = Version::Http2;
    let (sent, got) = (Head::Request(req.clone()), Head::Request(h2.clone()));
    assert!(same_head(&sent, &got, Version::Http2).is_ok());
    h2.authority = Some("b".into());
    assert!(same_head(&sent, &Head::Request(h2), Version::Http2).is_err());
    let framed = Head::Request(req.clone().field("transfer-encoding", "chunked"));
    assert!(same_head(&sent, &framed, Version::Http11).is_ok());
    let reordered = Head::Request(
        Request::new("GET", "/x")
            .field("X-A", "1")
            .field("Host", "a"),
    );
    assert!(same_head(&sent, &reordered, Version::Http11).is_err());

    // A conversation whose twin is given one more command than the connection: the
    // lockstep must notice at the next drain.
    let noticed = panic::catch_unwind(|| {
        let mut c = Conversation::new(Version::Http11, Knobs(0), Knobs(0));
        c.settle();
        let get = Request::new("GET", "/").field("Host", "a");
        c.client.twin_mut().send_request(get, true).unwrap();
        c.settle();
    });
    assert!(noticed.is_err(), "a twin that diverged went unnoticed");

    // The differential comparison: the transcripts of a real exchange, then doctored.
    let get = exchange(Method::Get, Status::Ok);
    let (client, _) = conversation_diff::play(Version::Http11, std::slice::from_ref(&get));
    compare_transcripts("client", &client, &client.clone(), 1);
    let doctor = |f: &dyn Fn(&mut Transcript)| {
        let mut t = client.clone();
        f(&mut t);
        panic::catch_unwind(|| compare_transcripts("client", &client, &t, 1)).is_err()
    };
    let stream = |t: &mut Transcript| t.streams.get_mut(&1).unwrap().clone();
    assert!(doctor(&|t| t.streams.get_mut(&1).unwrap().body.push(b'!')));
    assert!(doctor(&|t| t.streams.get_mut(&1).unwrap().ended = false));
    assert!(doctor(&|t| t.streams.get_mut(&1).unwrap().heads.clear()));
    assert!(doctor(
        &|t| t.streams.get_mut(&1).unwrap().trailers = Some(Vec::new())
    ));
    assert!(doctor(&|t| t.errors.push("reset".into())));
    assert!(doctor(&|t| {
        let s = stream(t);
        t.streams.insert(3, s);
    }));
}
