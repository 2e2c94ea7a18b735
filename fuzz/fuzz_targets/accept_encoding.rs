//! Content-coding negotiation. Input: one byte that picks which codings the file offers (br, zstd, gzip: a
//! precompressed sidecar may offer only some), then Accept-Encoding values, one field a line. Properties: no
//! panic; the coding chosen is offered and accepted (q > 0), no offered coding has a higher q and none before it
//! an equal one, and the identity goes only when no offered coding is accepted or the identity's q is higher.
//! The q of a coding is read here independently: from the first item naming it, else the first `*`, else 0,
//! with the RFC 9110 §12.4.2 grammar (anything else weighs 0).
#![no_main]

use lanai::files::negotiate::{coding, Coding};
use lanai_fuzz::{parsed, request_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mask, values)) = data.split_first() else {
        return;
    };
    let offered: Vec<Coding> = Coding::ALL
        .into_iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, coding)| coding)
        .collect();
    let fields: Vec<(&str, &[u8])> = values
        .split(|&byte| byte == b'\n')
        .map(|value| ("Accept-Encoding", value))
        .collect();
    let head = request_head(b"/app.js", &fields);
    let Some(request) = parsed(&head) else {
        return;
    };
    let items: Vec<&[u8]> = request.list("accept-encoding").collect();
    let chosen = coding(items.iter().copied(), &offered);
    let weight_of = |coding: Coding| weight(&items, coding_names(coding));
    let best = offered
        .iter()
        .map(|&coding| weight_of(coding))
        .max()
        .unwrap_or(0);
    let identity = weight(&items, &["identity"]);
    match chosen {
        Some(chosen) => {
            let position = offered.iter().position(|&coding| coding == chosen);
            let Some(position) = position else {
                panic!("{chosen:?} is not among {offered:?}");
            };
            let chosen_weight = weight_of(chosen);
            assert!(chosen_weight > 0, "{chosen:?} is not accepted by {items:?}");
            assert_eq!(
                chosen_weight, best,
                "{chosen:?} is not the best of {offered:?} for {items:?}"
            );
            assert!(
                offered[..position]
                    .iter()
                    .all(|&coding| weight_of(coding) < best),
                "a tie for {items:?} goes to the first of {offered:?}"
            );
            assert!(
                chosen_weight >= identity,
                "identity is preferred in {items:?}"
            );
        }
        None => assert!(
            best == 0 || identity > best,
            "identity for {items:?} while {offered:?} are offered"
        ),
    }
});

/// The names an Accept-Encoding item may give a coding (RFC 9110 §8.4.1.3 keeps `x-gzip` for gzip).
fn coding_names(coding: Coding) -> &'static [&'static str] {
    match coding {
        Coding::Brotli => &["br"],
        Coding::Zstd => &["zstd"],
        Coding::Gzip => &["gzip", "x-gzip"],
    }
}

/// The weight in thousandths that `items` give a coding called any of `names`.
fn weight(items: &[&[u8]], names: &[&str]) -> u16 {
    let named = |wanted: &dyn Fn(&str) -> bool| {
        items.iter().find_map(|item| {
            let item = std::str::from_utf8(item).ok()?;
            let (name, parameters) = item.split_once(';').unwrap_or((item, ""));
            wanted(name.trim()).then(|| q_of(parameters))
        })
    };
    named(&|name| names.iter().any(|wanted| name.eq_ignore_ascii_case(wanted)))
        .or_else(|| named(&|name| name == "*"))
        .unwrap_or(0)
}

/// The q parameter among `;`-separated parameters: 1000 when absent, 0 when it breaks the grammar
/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn q_of(parameters: &str) -> u16 {
    let q = parameters.split(';').find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        key.trim().eq_ignore_ascii_case("q").then(|| value.trim())
    });
    let Some(q) = q else {
        return 1000;
    };
    let (units, decimals) = q.split_once('.').unwrap_or((q, ""));
    if decimals.len() > 3 || !decimals.bytes().all(|byte| byte.is_ascii_digit()) {
        return 0;
    }
    let thousandths = decimals
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |sum, digit| sum * 10 + u16::from(digit - b'0'));
    match units {
        "0" => thousandths,
        "1" if thousandths == 0 => 1000,
        _ => 0,
    }
}
