//! Every example of RFC 7541 Appendix C: the blocks decode to the listed fields and leave
//! the listed dynamic table; our encoder reproduces the blocks where the appendix's
//! choices are ours (C.4, C.6), and what it encodes always decodes back.

use weir::hpack::{Decoder, Encoder, HpackError};
use weir::Fields;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs.iter().copied().collect()
}

/// One block of an example: the wire, the fields, the table after it (index order) and
/// its size.
struct Step<'a> {
    section: &'a str,
    wire: &'a str,
    fields: &'a [(&'a str, &'a str)],
    table: &'a [(&'a str, &'a str)],
    size: usize,
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Decodes the steps in one context with a table of `table_size` octets.
fn decode_all(table_size: usize, steps: &[Step]) {
    let mut decoder = Decoder::new(table_size);
    for step in steps {
        let got = decoder.decode(&hex(step.wire), 64 * 1024);
        assert_eq!(got, Ok(fields(step.fields)), "{}", step.section);
        let table: Vec<(String, String)> = decoder
            .table_entries()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        assert_eq!(table, owned(step.table), "{}", step.section);
        assert_eq!(decoder.table_size(), step.size, "{}", step.section);
    }
}

/// Encodes the steps' fields in one context, each block decoded back by a decoder that
/// follows along. Our indexing choices are the appendix's, so the tables must match; the
/// blocks must too, after the size update that a table size other than 4096 takes
/// first, except in the sections of `huffman_differs`, where the appendix chose plain
/// or Huffman coding differently (we code only when strictly shorter).
fn encode_all(table_size: usize, steps: &[Step], huffman_differs: &[&str]) {
    let mut encoder = Encoder::new();
    let mut decoder = Decoder::new(4096);
    encoder.set_max_table_size(table_size);
    decoder.set_max_table_size(table_size);
    for (i, step) in steps.iter().enumerate() {
        let mut block = Vec::new();
        encoder.encode(&fields(step.fields), &mut block);
        assert_eq!(
            decoder.decode(&block, 64 * 1024),
            Ok(fields(step.fields)),
            "{}",
            step.section
        );
        let mut wire = block.as_slice();
        if i == 0 && table_size != 4096 {
            // RFC 7541 §4.2: the new size is signalled at the start of the first block.
            let mut probe = Decoder::new(4096);
            assert!(probe.decode(&block[..3], 0).unwrap().is_empty());
            assert_eq!(probe.table_capacity(), table_size);
            wire = &wire[3..];
        }
        if !huffman_differs.contains(&step.section) {
            assert_eq!(wire, hex(step.wire).as_slice(), "{}", step.section);
        }
        let table: Vec<(String, String)> = encoder
            .table_entries()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        assert_eq!(table, owned(step.table), "{}", step.section);
        assert_eq!(encoder.table_size(), step.size, "{}", step.section);
    }
}

#[test]
fn c1_integers() {
    // C.1.1 and C.1.2 use a 5-bit prefix, the prefix of a dynamic table size update.
    let mut d = Decoder::new(4096);
    assert!(d.decode(&hex("2a"), 0).unwrap().is_empty()); // 001 01010
    assert_eq!(d.table_capacity(), 10);
    assert!(d.decode(&hex("3f 9a 0a"), 0).unwrap().is_empty()); // 001 11111 10011010 00001010
    assert_eq!(d.table_capacity(), 1337);
    // C.1.3 (42 starting at an octet boundary, an 8-bit prefix) has no representation
    // of its own in a block; the integer module's unit tests cover it.
}

#[test]
fn c2_single_fields() {
    // C.2.1: literal with indexing.
    decode_all(
        4096,
        &[Step {
            section: "C.2.1",
            wire: "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
            fields: &[("custom-key", "custom-header")],
            table: &[("custom-key", "custom-header")],
            size: 55,
        }],
    );
    // C.2.2: literal without indexing.
    decode_all(
        4096,
        &[Step {
            section: "C.2.2",
            wire: "040c 2f73 616d 706c 652f 7061 7468",
            fields: &[(":path", "/sample/path")],
            table: &[],
            size: 0,
        }],
    );
    // C.2.3: literal never indexed, which the decoder marks sensitive.
    let mut d = Decoder::new(4096);
    let got = d
        .decode(&hex("1008 7061 7373 776f 7264 0673 6563 7265 74"), 1024)
        .unwrap();
    let mut expect = Fields::new();
    expect.append_sensitive("password", "secret");
    assert_eq!(got, expect);
    assert!(got.iter().next().unwrap().sensitive);
    assert_eq!(d.table_size(), 0);
    // Our encoder writes a sensitive field never indexed too (with Huffman-coded
    // strings, shorter here).
    let mut block = Vec::new();
    Encoder::new().encode(&expect, &mut block);
    assert_eq!(block[0], 0x10);
    assert_eq!(Decoder::new(4096).decode(&block, 1024), Ok(expect));
    // C.2.4: indexed.
    decode_all(
        4096,
        &[Step {
            section: "C.2.4",
            wire: "82",
            fields: &[(":method", "GET")],
            table: &[],
            size: 0,
        }],
    );
}

const REQ1: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
];
const REQ2: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "http"),
    (":path", "/"),
    (":authority", "www.example.com"),
    ("cache-control", "no-cache"),
];
const REQ3: &[(&str, &str)] = &[
    (":method", "GET"),
    (":scheme", "https"),
    (":path", "/index.html"),
    (":authority", "www.example.com"),
    ("custom-key", "custom-value"),
];
const REQ_TABLE1: &[(&str, &str)] = &[(":authority", "www.example.com")];
const REQ_TABLE2: &[(&str, &str)] = &[
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];
const REQ_TABLE3: &[(&str, &str)] = &[
    ("custom-key", "custom-value"),
    ("cache-control", "no-cache"),
    (":authority", "www.example.com"),
];

fn c3() -> [Step<'static>; 3] {
    [
        Step {
            section: "C.3.1",
            wire: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            fields: REQ1,
            table: REQ_TABLE1,
            size: 57,
        },
        Step {
            section: "C.3.2",
            wire: "8286 84be 5808 6e6f 2d63 6163 6865",
            fields: REQ2,
            table: REQ_TABLE2,
            size: 110,
        },
        Step {
            section: "C.3.3",
            wire: "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
            fields: REQ3,
            table: REQ_TABLE3,
            size: 164,
        },
    ]
}

fn c4() -> [Step<'static>; 3] {
    [
        Step {
            section: "C.4.1",
            wire: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            fields: REQ1,
            table: REQ_TABLE1,
            size: 57,
        },
        Step {
            section: "C.4.2",
            wire: "8286 84be 5886 a8eb 1064 9cbf",
            fields: REQ2,
            table: REQ_TABLE2,
            size: 110,
        },
        Step {
            section: "C.4.3",
            wire: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
            fields: REQ3,
            table: REQ_TABLE3,
            size: 164,
        },
    ]
}

const RES1: &[(&str, &str)] = &[
    (":status", "302"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("location", "https://www.example.com"),
];
const RES2: &[(&str, &str)] = &[
    (":status", "307"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("location", "https://www.example.com"),
];
const RES3: &[(&str, &str)] = &[
    (":status", "200"),
    ("cache-control", "private"),
    ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
    ("location", "https://www.example.com"),
    ("content-encoding", "gzip"),
    (
        "set-cookie",
        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ),
];
const RES_TABLE1: &[(&str, &str)] = &[
    ("location", "https://www.example.com"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("cache-control", "private"),
    (":status", "302"),
];
const RES_TABLE2: &[(&str, &str)] = &[
    (":status", "307"),
    ("location", "https://www.example.com"),
    ("date", "Mon, 21 Oct 2013 20:13:21 GMT"),
    ("cache-control", "private"),
];
const RES_TABLE3: &[(&str, &str)] = &[
    (
        "set-cookie",
        "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
    ),
    ("content-encoding", "gzip"),
    ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
];

fn c5() -> [Step<'static>; 3] {
    [
        Step {
            section: "C.5.1",
            wire: "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 \
                   3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 \
                   7777 2e65 7861 6d70 6c65 2e63 6f6d",
            fields: RES1,
            table: RES_TABLE1,
            size: 222,
        },
        Step {
            section: "C.5.2",
            wire: "4803 3330 37c1 c0bf",
            fields: RES2,
            table: RES_TABLE2,
            size: 222,
        },
        Step {
            section: "C.5.3",
            wire: "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 \
                   3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a \
                   584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 \
                   3630 303b 2076 6572 7369 6f6e 3d31",
            fields: RES3,
            table: RES_TABLE3,
            size: 215,
        },
    ]
}

fn c6() -> [Step<'static>; 3] {
    [
        Step {
            section: "C.6.1",
            wire: "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 \
                   66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            fields: RES1,
            table: RES_TABLE1,
            size: 222,
        },
        Step {
            section: "C.6.2",
            wire: "4883 640e ffc1 c0bf",
            fields: RES2,
            table: RES_TABLE2,
            size: 222,
        },
        Step {
            section: "C.6.3",
            wire: "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a \
                   839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 \
                   72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            fields: RES3,
            table: RES_TABLE3,
            size: 215,
        },
    ]
}

#[test]
fn c3_requests_without_huffman() {
    decode_all(4096, &c3());
    // The appendix does not Huffman-code here; we do when it is shorter.
    encode_all(4096, &c3(), &["C.3.1", "C.3.2", "C.3.3"]);
}

#[test]
fn c4_requests_with_huffman() {
    decode_all(4096, &c4());
    encode_all(4096, &c4(), &[]);
}

#[test]
fn c5_responses_without_huffman_evicting_at_256() {
    decode_all(256, &c5());
    encode_all(256, &c5(), &["C.5.1", "C.5.2", "C.5.3"]);
}

#[test]
fn c6_responses_with_huffman_evicting_at_256() {
    decode_all(256, &c6());
    // C.6.2 Huffman-codes "307" in as many octets as plain (3); we write it plain.
    encode_all(256, &c6(), &["C.6.2"]);
}

#[test]
fn a_lowered_limit_needs_the_update_first() {
    // With our advertised limit lowered to 256 after the table had 4096, the first block
    // must carry the update (RFC 7541 §4.2): the appendix's C.5.1 alone is refused.
    let mut d = Decoder::new(4096);
    d.set_max_table_size(256);
    assert_eq!(
        d.decode(&hex(c5()[0].wire), 64 * 1024),
        Err(HpackError::MissingSizeUpdate { max: 256 })
    );
}
