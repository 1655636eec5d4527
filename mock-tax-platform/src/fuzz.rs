//! Fuzz tests (proptest, so they run in `cargo test` on a stable toolchain) of the two
//! parsers that read what others send: the upload body and the fault plan.
//!
//! Property: never a panic; either a value or a typed error; a valid input survives a
//! round trip. `PROPTEST_CASES` sets the number of cases (default 256);
//! `bench/fuzz.sh` runs them for minutes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{json, Value};
use tax_api::Invoice;

use crate::chaos::plan::Plan;
use crate::store::packed::PackedInvoice;
use crate::wire::body::parse_json;

/// Small and extreme numbers: the arithmetic of `validate` must not overflow on any.
fn number() -> impl Strategy<Value = i64> {
    prop_oneof![
        -5i64..100_000,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX / 2),
        any::<i64>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,24}",
        "[A-Za-z0-9 .-]{0,12}",
        any::<String>(),
        Just(String::new()),
    ]
}

fn line() -> impl Strategy<Value = Value> {
    (text(), number(), number(), number(), number(), number()).prop_map(
        |(description, quantity, unit_price, tax_rate, amount, tax)| {
            json!({"description": description, "quantity": quantity, "unit_price": unit_price,
                   "tax_rate": tax_rate, "amount": amount, "tax": tax})
        },
    )
}

/// An upload body with every field present; values range from valid to absurd.
fn upload() -> impl Strategy<Value = Value> {
    (
        (text(), text(), text(), text(), text()),
        prop_oneof![Just("blue"), Just("red"), Just("green")],
        (text(), text()),
        proptest::collection::vec(line(), 0..4),
        (number(), number(), number()),
    )
        .prop_map(
            |((number, serial, seller, buyer, name), kind, (issued_at, currency), lines, t)| {
                json!({"number": number, "request_serial": serial, "seller_tax_id": seller,
                       "buyer_tax_id": buyer, "buyer_name": name, "kind": kind,
                       "issued_at": issued_at, "currency": currency, "lines": lines,
                       "totals": {"amount_excl_tax": t.0, "tax": t.1, "total_incl_tax": t.2}})
            },
        )
}

/// One edit of a byte string: delete, insert or overwrite a byte at a position.
fn mutate(mut bytes: Vec<u8>, edit: (u8, usize, u8)) -> Vec<u8> {
    let (op, at, byte) = edit;
    let at = at % (bytes.len() + 1);
    match op % 3 {
        0 if at < bytes.len() => {
            bytes.remove(at);
        }
        1 => bytes.insert(at, byte),
        _ if at < bytes.len() => bytes[at] = byte,
        _ => bytes.push(byte),
    }
    bytes
}

/// What the upload path does with a body, up to the store: parse, validate, hash, pack.
fn decode_like_an_upload(body: &[u8]) {
    let Ok(invoice) = parse_json::<Invoice>(body) else {
        return;
    };
    let valid = tax_api::validate(&invoice).is_ok();
    let hash = tax_api::content_hash(&invoice);
    assert_eq!(hash, tax_api::content_hash(&invoice.clone()));
    let packed = PackedInvoice::pack(&invoice);
    assert_eq!(packed.unpack().as_ref(), Some(&invoice), "valid: {valid}");
    let again: Invoice = serde_json::from_slice(&serde_json::to_vec(&invoice).unwrap()).unwrap();
    assert_eq!(again, invoice);
}

/// A fault rule's TOML, from valid to absurd settings.
fn rule_toml() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just(r#"kind = "reject""#.to_owned()),
        Just(r#"kind = "partial_write""#.to_owned()),
        Just(r#"kind = "latency""#.to_owned()),
        Just(r#"kind = "rate_limit""#.to_owned()),
        Just(r#"kind = "visibility_lag""#.to_owned()),
        Just(r#"kind = "slow_query""#.to_owned()),
        Just(r#"kind = "corrupt""#.to_owned()),
        Just(r#"kind = "duplicate""#.to_owned()),
        Just(r#"kind = "gremlins""#.to_owned()),
    ];
    let setting = prop_oneof![
        Just(r#"drop = "lines""#),
        Just(r#"drop = "fields""#),
        Just("keep = 1"),
        Just("keep = -inf"),
        Just("keep = -1"),
        Just(r#"delay = "5ms""#),
        Just(r#"delay = "300000000000y""#),
        Just(r#"low = "1ms""#),
        Just(r#"high = "2ms""#),
        Just(r#"median = "1ms""#),
        Just("sigma = nan"),
        Just("sigma = 0.5"),
        Just("hang = true"),
        Just(r#"lag = "10ms""#),
        Just(r#"retry_after = "1s""#),
        Just("status = 503"),
        Just("probability = 0.5"),
        Just("probability = nan"),
        Just("probability = -1.0"),
        Just(r#"on = "upload""#),
        Just(r#"on = "query""#),
        Just("first = 3"),
        Just("every = 2"),
        Just("max = 5"),
        Just(r#"after = "1s""#),
        Just(r#"until = "2s""#),
        Just(r#"until = "18446744073709551615s""#),
        Just("probabilty = 0.5"),
    ];
    (kind, proptest::collection::btree_set(setting, 0..4)).prop_map(|(kind, settings)| {
        let mut text = format!("[[faults]]\n{kind}\n");
        for s in settings {
            text.push_str(s);
            text.push('\n');
        }
        text
    })
}

fn window_toml() -> impl Strategy<Value = String> {
    let duration = prop_oneof![
        Just("\"1s\""),
        Just("\"0s\""),
        Just("\"7days\""),
        Just("\"8days\""),
    ];
    let lose = prop_oneof![
        Just("0.1"),
        Just("nan"),
        Just("-0.5"),
        Just("inf"),
        Just("1.5")
    ];
    (duration, lose, any::<bool>()).prop_map(|(duration, lose, reads)| {
        format!(
            "[[maintenance]]\nduration = {duration}\nreads = {reads}\nmigration = {{ lose = {lose} }}\n"
        )
    })
}

fn plan_toml() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(rule_toml(), 0..3),
        proptest::collection::vec(window_toml(), 0..2),
    )
        .prop_map(|(rules, windows)| rules.concat() + &windows.concat())
}

/// A plan that was accepted reads back the same from its JSON and TOML forms.
fn assert_round_trips(plan: &Plan) {
    let json = serde_json::to_string(plan).unwrap();
    assert_eq!(&Plan::from_json_str(&json).unwrap(), plan, "{json}");
    let toml = toml::to_string(plan).unwrap();
    assert_eq!(&Plan::from_toml_str(&toml).unwrap(), plan, "{toml}");
}

proptest! {
    #[test]
    fn the_upload_decoder_never_panics_on_arbitrary_bytes(
        body in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        decode_like_an_upload(&body);
    }

    #[test]
    fn a_generated_upload_decodes_and_round_trips_and_its_mutants_never_panic(
        body in upload(),
        edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..4),
    ) {
        let bytes = serde_json::to_vec(&body).unwrap();
        match parse_json::<Invoice>(&bytes) {
            Ok(invoice) => prop_assert_eq!(serde_json::to_value(&invoice).unwrap(), body),
            // Every field is present and of its type: only an unknown kind is refused.
            Err(err) => prop_assert_eq!(body["kind"].as_str(), Some("green"), "{:?}", err),
        }
        decode_like_an_upload(&bytes);
        let mutant = edits.into_iter().fold(bytes, mutate);
        decode_like_an_upload(&mutant);
    }

    #[test]
    fn the_plan_parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Ok(plan) = Plan::from_toml_str(&text) {
            assert_round_trips(&plan);
        }
        if let Ok(plan) = Plan::from_json_str(&text) {
            assert_round_trips(&plan);
        }
    }

    #[test]
    fn a_generated_plan_is_a_value_or_an_error_and_round_trips_when_accepted(
        text in plan_toml(),
        edits in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..2),
    ) {
        if let Ok(plan) = Plan::from_toml_str(&text) {
            assert_round_trips(&plan);
        }
        let mutant = edits.into_iter().fold(text.into_bytes(), mutate);
        if let Ok(plan) = Plan::from_toml_str(&String::from_utf8_lossy(&mutant)) {
            assert_round_trips(&plan);
        }
    }
}
