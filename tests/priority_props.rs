//! Priority Field Value properties (RFC 9218 §4 on RFC 8941 dictionaries):
//! - no input makes the parser panic, and what it returns is in range;
//! - formatting a priority and parsing it back gives the same priority;
//! - in a well-formed dictionary, the last `u` and the last `i` decide, and only when
//!   they have the right type and range.

use proptest::prelude::*;
use weir::Priority;

/// A bare item of each type RFC 8941 §3.3 defines, as text, with what it means for the
/// priority parameters: `Some(Ok(n))` an integer, `Some(Err(b))` a boolean.
fn bare_item() -> impl Strategy<Value = (String, Option<Result<i64, bool>>)> {
    prop_oneof![
        (-999_999_999_999_999i64..=999_999_999_999_999).prop_map(|n| (n.to_string(), Some(Ok(n)))),
        (0i64..10).prop_map(|n| (n.to_string(), Some(Ok(n)))),
        any::<bool>().prop_map(|b| (format!("?{}", u8::from(b)), Some(Err(b)))),
        "-?[0-9]{1,12}\\.[0-9]{1,3}".prop_map(|d| (d, None)),
        "\"([ !#-\\[\\]-~]|\\\\\\\\|\\\\\")*\"".prop_map(|s| (s, None)),
        "[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]{0,8}".prop_map(|t| (t, None)),
        "(([A-Za-z0-9+/]{4}){0,3})".prop_map(|b| (format!(":{b}:"), None)),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("u".to_string()),
        Just("i".to_string()),
        "[a-z*][a-z0-9_.*-]{0,6}",
    ]
}

/// Parameters (`;k=v` or `;k`), which change nothing for the item they follow.
fn parameters() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), prop::option::of(bare_item())), 0..3).prop_map(|ps| {
        ps.into_iter()
            .map(|(k, v)| match v {
                Some((v, _)) => format!(";{k}={v}"),
                None => format!(";{k}"),
            })
            .collect()
    })
}

/// One dictionary member, as text, with its key and what its value means.
fn member() -> impl Strategy<Value = (String, String, Option<Result<i64, bool>>)> {
    let value = prop_oneof![
        // `key=item;params`
        (bare_item(), parameters()).prop_map(|((v, m), p)| (format!("={v}{p}"), m)),
        // `key;params`: the Boolean true.
        parameters().prop_map(|p| (p, Some(Err(true)))),
        // `key=(inner list)`
        prop::collection::vec(bare_item(), 0..3).prop_map(|items| {
            let items: Vec<String> = items.into_iter().map(|(v, _)| v).collect();
            (format!("=({})", items.join(" ")), None)
        }),
    ];
    (key(), value).prop_map(|(k, (v, m))| (k.clone(), format!("{k}{v}"), m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_and_stays_in_range(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Some(p) = Priority::parse(&bytes) {
            prop_assert!(p.urgency <= 7);
        }
    }

    #[test]
    fn never_panics_on_near_dictionaries(text in "[ \tuia-c0-9=,;:?()\"*.\\\\/+-]{0,40}") {
        if let Some(p) = Priority::parse(text.as_bytes()) {
            prop_assert!(p.urgency <= 7);
        }
    }

    #[test]
    fn format_then_parse_is_the_identity(urgency in 0u8..=7, incremental in any::<bool>()) {
        let p = Priority::new(urgency, incremental);
        prop_assert_eq!(Priority::parse(p.to_string().as_bytes()), Some(p));
    }

    #[test]
    fn the_last_valid_u_and_i_decide(
        members in prop::collection::vec(member(), 0..6),
        gaps in prop::collection::vec(("[ \t]{0,2}", "[ \t]{0,2}"), 6),
        lead in " {0,2}",
    ) {
        let mut text = lead;
        for (n, (_, m, _)) in members.iter().enumerate() {
            if n > 0 {
                let (before, after) = &gaps[n];
                text += &format!("{before},{after}");
            }
            text += m;
        }
        let last = |name: &str| members.iter().rev().find(|(k, _, _)| k == name).map(|(_, _, v)| *v);
        let urgency = match last("u") {
            Some(Some(Ok(n @ 0..=7))) => n as u8,
            _ => 3,
        };
        let incremental = matches!(last("i"), Some(Some(Err(true))));
        prop_assert_eq!(
            Priority::parse(text.as_bytes()),
            Some(Priority::new(urgency, incremental)),
            "{:?}", text
        );
    }
}
