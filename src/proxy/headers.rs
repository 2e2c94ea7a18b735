//! The header fields on both legs of a proxied exchange: hop-by-hop fields stay on their own hop (RFC 9110
//! §7.6.1), end-to-end fields pass as sent, and lanai says who asked (Host, X-Forwarded-*). Pure code.

use crate::http::request::Body;
use std::io::Write;
use std::net::IpAddr;

/// Fields that describe one connection, not the message, and so never cross the proxy. `Upgrade` is one too,
/// except on the request and the 101 of a WebSocket tunnel, where lanai writes it itself.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-connection",
];

/// Fields that say where a message ends or which site it is for. lanai writes them itself on each hop, from
/// what it parsed, and never copies them: what it sends is framed by lanai alone.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "host"];

/// The members of every `wanted` field in `fields`, as comma-separated lists (RFC 9110 §5.3), trimmed.
pub fn lists<'f, N: AsRef<str>, V: AsRef<[u8]>>(
    fields: &'f [(N, V)],
    wanted: &'static str,
) -> impl Iterator<Item = &'f [u8]> {
    fields
        .iter()
        .filter(move |(name, _)| name.as_ref().eq_ignore_ascii_case(wanted))
        .flat_map(|(_, value)| value.as_ref().split(|&byte| byte == b','))
        .map(<[u8]>::trim_ascii)
}

/// The first framing field (Content-Length, Transfer-Encoding, Host) that a Connection field names as hop-by-hop.
/// Honouring it would drop the field that frames the body while the body still follows (request smuggling): such
/// a message is refused whole, whichever side sends it.
pub fn framing_named_by_connection<N: AsRef<str>, V: AsRef<[u8]>>(
    fields: &[(N, V)],
) -> Option<&'static str> {
    lists(fields, "connection").find_map(|token| {
        FRAMING
            .into_iter()
            .find(|framing| token.eq_ignore_ascii_case(framing.as_bytes()))
    })
}

/// The fields of `fields` that go on to the next hop: not hop-by-hop, not `Proxy-*`, not named by a Connection
/// field, and not framing (which lanai writes itself).
pub fn end_to_end<N: AsRef<str>, V: AsRef<[u8]>>(
    fields: &[(N, V)],
) -> impl Iterator<Item = &(N, V)> {
    let named_by_connection: Vec<String> = lists(fields, "connection")
        .map(|token| String::from_utf8_lossy(token).to_ascii_lowercase())
        .collect();
    fields.iter().filter(move |(name, _)| {
        let name = name.as_ref().to_ascii_lowercase();
        !HOP_BY_HOP.contains(&name.as_str())
            && !FRAMING.contains(&name.as_str())
            && !name.starts_with("proxy-")
            && !named_by_connection.contains(&name)
    })
}

/// Whether a request asks for a WebSocket tunnel: `Upgrade: websocket` with `Connection: upgrade`.
pub fn wants_websocket(fields: &[(&str, &[u8])]) -> bool {
    let has_token = |field: &'static str, token: &[u8]| {
        lists(fields, field).any(|member| member.eq_ignore_ascii_case(token))
    };
    has_token("upgrade", b"websocket") && has_token("connection", b"upgrade")
}

/// What the upstream is told beyond the client's own end-to-end fields.
pub struct Forwarding<'a> {
    /// The Host it is asked for: the upstream's own, or the client's under --proxy-keep-host.
    pub host: &'a [u8],
    /// The Host the client asked lanai for.
    pub client_host: Option<&'a [u8]>,
    /// How the request body is framed on the wire to the upstream.
    pub body: Body,
    /// The client declared its body's length (so `Content-Length: 0` for no body is said again).
    pub declared_length: bool,
    pub websocket: bool,
}

/// The upstream request's head up to X-Forwarded-Proto and -For, which `finish_head` adds once the client's
/// connection is known: request line, Host, the client's end-to-end fields (its own Host, framing, Expect,
/// Origin and X-Forwarded-Host/-Proto left out: lanai sets those), X-Forwarded-Host, and the framing lanai writes
/// from what it parsed: Content-Length or chunked, whatever the client's fields said.
/// Returns the head and the X-Forwarded-For the client sent, if any.
pub fn start_head(
    method: &str,
    target: &str,
    fields: &[(&str, &[u8])],
    forwarding: &Forwarding<'_>,
) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut head = Vec::with_capacity(512);
    let _ = write!(head, "{method} {target} HTTP/1.1\r\n");
    append_field(&mut head, b"Host", forwarding.host);
    let mut forwarded_for: Option<Vec<u8>> = None;
    for (name, value) in end_to_end(fields) {
        if name.eq_ignore_ascii_case("x-forwarded-for") {
            let list = forwarded_for.get_or_insert_with(Vec::new);
            if !list.is_empty() {
                list.extend_from_slice(b", ");
            }
            list.extend_from_slice(value);
            continue;
        }
        let set_by_lanai = ["expect", "origin", "x-forwarded-host", "x-forwarded-proto"];
        if set_by_lanai
            .iter()
            .any(|set| name.eq_ignore_ascii_case(set))
        {
            continue;
        }
        append_field(&mut head, name.as_bytes(), value);
    }
    if let Some(host) = forwarding.client_host {
        append_field(&mut head, b"X-Forwarded-Host", host);
    }
    match forwarding.body {
        Body::Length(length) => {
            let _ = write!(head, "Content-Length: {length}\r\n");
        }
        Body::None if forwarding.declared_length => {
            head.extend_from_slice(b"Content-Length: 0\r\n")
        }
        Body::None => {}
        Body::Chunked => append_field(&mut head, b"Transfer-Encoding", b"chunked"),
    }
    if forwarding.websocket {
        head.extend_from_slice(b"Connection: Upgrade\r\nUpgrade: websocket\r\n");
    }
    (head, forwarded_for)
}

/// Completes a head from `start_head`: X-Forwarded-Proto (`http`, or `https` when the client came over TLS),
/// X-Forwarded-For with the client's address appended, and the blank line.
pub fn finish_head(
    mut head: Vec<u8>,
    forwarded_for: Option<&[u8]>,
    client: IpAddr,
    proto: &str,
) -> Vec<u8> {
    let _ = write!(head, "X-Forwarded-Proto: {proto}\r\n");
    head.extend_from_slice(b"X-Forwarded-For: ");
    if let Some(earlier) = forwarded_for {
        head.extend_from_slice(earlier);
        head.extend_from_slice(b", ");
    }
    let _ = write!(head, "{client}\r\n\r\n");
    head
}

/// How lanai frames a relayed body for its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFraming {
    /// No body, or one of the Content-Length the upstream gave (written by lanai, when there is one).
    Sized(Option<u64>),
    /// The upstream's body had no length, or was chunked: lanai sends it chunked to an HTTP/1.1 client.
    Chunked,
    /// The same to an HTTP/1.0 client, which knows no chunks: the end of the connection ends it.
    UntilClose,
    /// A 101: the tunnel follows.
    Tunnel,
}

/// The head lanai sends its client for the upstream's answer: status line (the reason as the upstream gave
/// it), the upstream's end-to-end fields in their own case, then Connection and framing as lanai's hop needs.
pub fn client_head(
    status: u16,
    reason: &str,
    fields: &[(String, Vec<u8>)],
    framing: ClientFraming,
    keep_alive: bool,
) -> Vec<u8> {
    let mut head = Vec::with_capacity(512);
    let _ = write!(head, "HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in end_to_end(fields) {
        append_field(&mut head, name.as_bytes(), value);
    }
    match framing {
        ClientFraming::Tunnel => {
            head.extend_from_slice(b"Connection: Upgrade\r\nUpgrade: websocket\r\n")
        }
        ClientFraming::Chunked => head.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        ClientFraming::Sized(Some(length)) => {
            let _ = write!(head, "Content-Length: {length}\r\n");
        }
        ClientFraming::Sized(None) | ClientFraming::UntilClose => {}
    }
    if framing != ClientFraming::Tunnel {
        head.extend_from_slice(if keep_alive {
            b"Connection: keep-alive\r\n"
        } else {
            b"Connection: close\r\n"
        });
    }
    head.extend_from_slice(b"\r\n");
    head
}

pub fn append_field(head: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    head.extend_from_slice(name);
    head.extend_from_slice(b": ");
    head.extend_from_slice(value);
    head.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn hop_by_hop_fields_and_those_connection_names_stay_behind() {
        let fields: [(&str, &[u8]); 10] = [
            ("Connection", b"keep-alive, X-Secret"),
            ("X-Secret", b"1"),
            ("Keep-Alive", b"timeout=5"),
            ("TE", b"trailers"),
            ("Trailer", b"X-Sum"),
            ("Proxy-Authorization", b"Basic eA=="),
            ("Upgrade", b"h2c"),
            ("Transfer-Encoding", b"chunked"),
            ("Accept", b"*/*"),
            ("x-custom", b"Kept As Sent"),
        ];
        let kept: Vec<&str> = end_to_end(&fields).map(|(name, _)| *name).collect();
        assert_eq!(kept, ["Accept", "x-custom"]);
    }

    #[test]
    fn framing_fields_are_never_copied_and_naming_them_in_connection_is_found() {
        let fields: [(&str, &[u8]); 5] = [
            ("Connection", b"keep-alive, X-A"),
            ("Content-Length", b"5"),
            ("Transfer-Encoding", b"chunked"),
            ("Host", b"h"),
            ("X-B", b"1"),
        ];
        let kept: Vec<&str> = end_to_end(&fields).map(|(name, _)| *name).collect();
        assert_eq!(kept, ["X-B"]);
        assert_eq!(framing_named_by_connection(&fields), None);
        for (named, found) in [
            (&b"keep-alive, Content-Length"[..], "content-length"),
            (b"close,TRANSFER-ENCODING", "transfer-encoding"),
            (b" host ", "host"),
        ] {
            let fields: [(&str, &[u8]); 2] = [("X", b"1"), ("connection", named)];
            assert_eq!(framing_named_by_connection(&fields), Some(found));
        }
    }

    #[test]
    fn websocket_requests_need_both_fields() {
        let both: [(&str, &[u8]); 2] = [
            ("Upgrade", b"WebSocket"),
            ("Connection", b"keep-alive, Upgrade"),
        ];
        assert!(wants_websocket(&both));
        assert!(!wants_websocket(&both[..1]));
        assert!(!wants_websocket(&[
            ("Upgrade", b"h2c"),
            ("Connection", b"upgrade")
        ]));
    }

    #[test]
    fn the_upstream_head_names_the_upstream_and_who_asked() {
        let fields: [(&str, &[u8]); 9] = [
            ("Host", b"localhost:8080"),
            ("Origin", b"http://localhost:8080"),
            ("X-Forwarded-For", b"10.0.0.1"),
            ("x-forwarded-for", b"10.0.0.2"),
            ("X-Forwarded-Host", b"spoofed"),
            ("Expect", b"100-continue"),
            ("Content-Length", b"5"),
            ("Connection", b"close"),
            ("Cookie", b"a=1"),
        ];
        let forwarding = Forwarding {
            host: b"127.0.0.1:3000",
            client_host: Some(b"localhost:8080"),
            body: Body::Length(5),
            declared_length: true,
            websocket: false,
        };
        let (head, earlier) = start_head("POST", "/v1/x?q", &fields, &forwarding);
        let head = finish_head(
            head,
            earlier.as_deref(),
            "127.0.0.1".parse().unwrap(),
            "http",
        );
        assert_eq!(
            text(&head),
            "POST /v1/x?q HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nCookie: a=1\r\n\
             X-Forwarded-Host: localhost:8080\r\nContent-Length: 5\r\nX-Forwarded-Proto: http\r\n\
             X-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.1\r\n\r\n"
        );
    }

    #[test]
    fn the_length_sent_is_the_one_parsed_whatever_the_fields_say() {
        let head_for = |body, declared_length| {
            let fields: [(&str, &[u8]); 3] = [
                ("Content-Length", b"999"),
                ("Transfer-Encoding", b"chunked"),
                ("content-length", b"+1"),
            ];
            let forwarding = Forwarding {
                host: b"h:80",
                client_host: None,
                body,
                declared_length,
                websocket: false,
            };
            text(&start_head("PUT", "/", &fields, &forwarding).0)
        };
        assert_eq!(
            head_for(Body::Length(7), true),
            "PUT / HTTP/1.1\r\nHost: h:80\r\nContent-Length: 7\r\n"
        );
        assert_eq!(
            head_for(Body::None, true),
            "PUT / HTTP/1.1\r\nHost: h:80\r\nContent-Length: 0\r\n"
        );
        assert_eq!(
            head_for(Body::None, false),
            "PUT / HTTP/1.1\r\nHost: h:80\r\n"
        );
        assert_eq!(
            head_for(Body::Chunked, false),
            "PUT / HTTP/1.1\r\nHost: h:80\r\nTransfer-Encoding: chunked\r\n"
        );
    }

    #[test]
    fn chunked_and_websocket_requests_say_so_themselves() {
        let fields: [(&str, &[u8]); 3] = [
            ("Transfer-Encoding", b"chunked"),
            ("Upgrade", b"websocket"),
            ("Connection", b"Upgrade"),
        ];
        let forwarding = Forwarding {
            host: b"h:80",
            client_host: None,
            body: Body::Chunked,
            declared_length: false,
            websocket: true,
        };
        let (head, earlier) = start_head("GET", "/", &fields, &forwarding);
        let head = text(&finish_head(
            head,
            earlier.as_deref(),
            "::1".parse().unwrap(),
            "https",
        ));
        assert_eq!(
            head.matches("Transfer-Encoding: chunked\r\n").count(),
            1,
            "{head}"
        );
        assert_eq!(head.matches("Upgrade: websocket\r\n").count(), 1, "{head}");
        assert!(
            head.ends_with("X-Forwarded-Proto: https\r\nX-Forwarded-For: ::1\r\n\r\n"),
            "{head}"
        );
    }

    #[test]
    fn the_client_head_keeps_end_to_end_fields_and_sets_its_own_framing() {
        let fields: Vec<(String, Vec<u8>)> = [
            ("Content-Type", "text/event-stream"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "99"),
            ("Connection", "X-Up"),
            ("X-Up", "1"),
            ("Keep-Alive", "timeout=5"),
            ("Server", "upstream/1"),
        ]
        .iter()
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
        let head = text(&client_head(
            200,
            "Fine",
            &fields,
            ClientFraming::Chunked,
            true,
        ));
        assert_eq!(
            head,
            "HTTP/1.1 200 Fine\r\nContent-Type: text/event-stream\r\nServer: upstream/1\r\n\
             Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        );
        let head = text(&client_head(
            418,
            "Teapot",
            &fields[6..],
            ClientFraming::UntilClose,
            false,
        ));
        assert_eq!(
            head,
            "HTTP/1.1 418 Teapot\r\nServer: upstream/1\r\nConnection: close\r\n\r\n"
        );
        let head = text(&client_head(
            200,
            "OK",
            &fields[2..],
            ClientFraming::Sized(Some(12)),
            true,
        ));
        assert_eq!(
            head,
            "HTTP/1.1 200 OK\r\nServer: upstream/1\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n"
        );
        let tunnel = text(&client_head(
            101,
            "Switching Protocols",
            &fields[6..],
            ClientFraming::Tunnel,
            false,
        ));
        assert!(
            tunnel.ends_with("Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
            "{tunnel}"
        );
    }
}
