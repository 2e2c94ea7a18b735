//! Proactive negotiation (RFC 9110 §12): the content coding an Accept-Encoding field asks for, and whether an
//! Accept field asks for JSON rather than HTML. Pure functions of the field's list items, so that every rule has
//! its own test.

/// The content codings lanai sends, in its order of preference when a client likes several equally: br packs
/// the smallest, then zstd, then gzip (RFC 9110 §8.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coding {
    Brotli,
    Zstd,
    Gzip,
}

impl Coding {
    pub const ALL: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];

    /// The name in Content-Encoding.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
            Coding::Gzip => "gzip",
        }
    }

    /// Whether an Accept-Encoding item names this coding; `x-gzip` is gzip (RFC 9110 §8.4.1.3).
    fn is_named(self, name: &str) -> bool {
        name.eq_ignore_ascii_case(self.name())
            || (self == Coding::Gzip && name.eq_ignore_ascii_case("x-gzip"))
    }
}

/// A q-value in thousandths, so that weights compare exactly.
type Weight = u16;
const FULL: Weight = 1000;

/// The coding out of `offered` (listed in preference order) that the Accept-Encoding `items` ask for, or `None`
/// for the identity. RFC 9110 §12.5.3: a coding is acceptable when it is listed, or `*` is, with a q above 0;
/// the highest q wins, ties go to the earlier in `offered`. The identity is always an answer (when nothing else
/// is acceptable, the server "SHOULD respond without any content coding", even after `identity;q=0`), and it
/// wins only when the client gives it, by name or through `*`, a higher q than the best coding. No field, or an
/// empty one, gets the identity: lanai then sends exactly the bytes of the file.
pub fn coding<'a>(items: impl Iterator<Item = &'a [u8]>, offered: &[Coding]) -> Option<Coding> {
    let items: Vec<(&str, Weight)> = items.filter_map(item).collect();
    let weight_of = |matches: &dyn Fn(&str) -> bool| {
        items
            .iter()
            .find(|(name, _)| matches(name))
            .or_else(|| items.iter().find(|(name, _)| *name == "*"))
            .map(|&(_, weight)| weight)
    };
    let mut best: Option<(Coding, Weight)> = None;
    for &coding in offered {
        let weight = weight_of(&|name| coding.is_named(name)).unwrap_or(0);
        if weight > 0 && best.is_none_or(|(_, best_weight)| weight > best_weight) {
            best = Some((coding, weight));
        }
    }
    let (coding, weight) = best?;
    let identity = weight_of(&|name| name.eq_ignore_ascii_case("identity")).unwrap_or(0);
    (weight >= identity).then_some(coding)
}

/// Whether the Accept `items` ask for JSON: `application/json` listed with a q above 0 and above `text/html`'s.
/// Wildcards (`*/*`, `text/*`, `application/*`) do not count, so browsers, curl and `fetch()` get the HTML page.
pub fn prefers_json<'a>(items: impl Iterator<Item = &'a [u8]>) -> bool {
    let (mut json, mut html) = (0, 0);
    for (name, weight) in items.filter_map(item) {
        if name.eq_ignore_ascii_case("application/json") {
            json = json.max(weight);
        } else if name.eq_ignore_ascii_case("text/html") {
            html = html.max(weight);
        }
    }
    json > html
}

/// One list item: its name and its q-value (`;q=` among its parameters, 1 when absent, 0 when invalid, so that a
/// malformed weight never makes something acceptable).
fn item(item: &[u8]) -> Option<(&str, Weight)> {
    let item = std::str::from_utf8(item).ok()?;
    let mut parts = item.split(';');
    let name = parts.next()?.trim();
    let weight = parts
        .filter_map(|parameter| parameter.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
        .map_or(Some(FULL), |(_, value)| quality(value.trim()))
        .unwrap_or(0);
    (!name.is_empty()).then_some((name, weight))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` (RFC 9110 §12.4.2), in thousandths.
fn quality(text: &str) -> Option<Weight> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let thousandths: Weight = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(FULL),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    fn chosen(accept_encoding: &str) -> Option<Coding> {
        let items: Vec<&[u8]> = accept_encoding
            .split(',')
            .map(|item| item.trim().as_bytes())
            .filter(|item| !item.is_empty())
            .collect();
        coding(items.into_iter(), &Coding::ALL)
    }

    #[test]
    fn q_values() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("0.5"), Some(500));
        assert_eq!(quality("0.05"), Some(50));
        assert_eq!(quality("0.001"), Some(1));
        assert_eq!(quality("0"), Some(0));
        assert_eq!(quality("1.5"), None);
        assert_eq!(quality("2"), None);
        assert_eq!(quality("0.1234"), None);
        assert_eq!(quality("-1"), None);
        assert_eq!(quality(".5"), None);
        assert_eq!(chosen("gzip;q=0.5, br;q=0.8"), Some(Brotli));
        assert_eq!(chosen("gzip;q=0.9, br;q=0.8"), Some(Gzip));
        assert_eq!(chosen("GZIP; Q=0.5"), Some(Gzip));
        assert_eq!(chosen("zstd;q=0.002, gzip;q=0.001"), Some(Zstd));
        assert_eq!(
            chosen("br;q=2, gzip"),
            Some(Gzip),
            "an invalid weight refuses"
        );
    }

    #[test]
    fn ties_prefer_br_then_zstd_then_gzip() {
        assert_eq!(chosen("gzip, deflate, br, zstd"), Some(Brotli)); // Chromium
        assert_eq!(chosen("gzip, zstd"), Some(Zstd));
        assert_eq!(chosen("gzip"), Some(Gzip));
        assert_eq!(chosen("x-gzip"), Some(Gzip));
        assert_eq!(chosen("*"), Some(Brotli));
        assert_eq!(chosen("br;q=0.5, zstd;q=0.5, gzip;q=0.5"), Some(Brotli));
    }

    #[test]
    fn refusals() {
        assert_eq!(chosen(""), None, "an empty field asks for no coding");
        assert_eq!(chosen("br;q=0"), None);
        assert_eq!(chosen("br;q=0, gzip"), Some(Gzip));
        assert_eq!(chosen("deflate, compress"), None);
        assert_eq!(chosen("*;q=0"), None);
        assert_eq!(chosen("*, br;q=0"), Some(Zstd), "a named q=0 beats *");
        assert_eq!(chosen("gzip;q=0, *;q=0.3"), Some(Brotli));
        assert_eq!(chosen("identity"), None);
    }

    #[test]
    fn identity_only_wins_when_the_client_ranks_it_higher() {
        assert_eq!(chosen("gzip;q=0.5, identity"), None);
        assert_eq!(chosen("gzip;q=0.5, identity;q=0.5"), Some(Gzip));
        assert_eq!(chosen("gzip;q=0.5"), Some(Gzip), "an unlisted identity");
        assert_eq!(
            chosen("br;q=0.5, *"),
            Some(Zstd),
            "* ranks the unnamed codings too"
        );
        assert_eq!(
            chosen("br;q=0.5, zstd;q=0.5, gzip;q=0.5, *"),
            None,
            "* ranks the identity"
        );
        assert_eq!(chosen("identity;q=0, gzip"), Some(Gzip));
        // Nothing acceptable, not even the identity: the identity all the same (RFC 9110 §12.5.3).
        assert_eq!(chosen("identity;q=0"), None);
        assert_eq!(chosen("*;q=0, identity;q=0"), None);
    }

    #[test]
    fn offered_codings_limit_the_choice() {
        let items = || ["br", "gzip;q=0.5"].into_iter().map(str::as_bytes);
        assert_eq!(coding(items(), &[Gzip]), Some(Gzip));
        assert_eq!(coding(items(), &[Zstd]), None);
        assert_eq!(coding(items(), &[]), None);
    }

    fn json(accept: &str) -> bool {
        prefers_json(accept.split(',').map(|item| item.trim().as_bytes()))
    }

    #[test]
    fn json_only_when_named() {
        assert!(json("application/json"));
        assert!(json("application/json, text/plain, */*"));
        assert!(json("text/html;q=0.5, application/json"));
        assert!(json("Application/JSON;charset=utf-8"));
        assert!(!json("*/*"));
        assert!(!json(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!json("application/*"));
        assert!(!json("application/json;q=0"));
        assert!(!json("text/html, application/json"), "a tie is the page");
        assert!(!json(""));
    }
}
