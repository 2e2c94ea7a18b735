//! The chunked decoder (the proxy's and uploads'). Input: one byte that picks how the rest is cut, then the bytes on the wire.
//! Properties: no panic; every call that is given bytes uses some (a caller looping on it cannot spin); fed in
//! arbitrary pieces it finds the same data, the same end and the same error as fed whole; and data it decoded,
//! chunked again by `encode_chunk`, decodes back to itself.
#![no_main]

use lanai::http::chunked::{encode_chunk, Decoder, LAST_CHUNK};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, wire)) = data.split_first() else {
        return;
    };
    let whole = decode(wire, &[wire.len().max(1)]);
    let pieces = piece_sizes(cut);
    let in_pieces = decode(wire, &pieces);
    assert_eq!(whole, in_pieces, "fed in pieces of {pieces:?}");
    if whole.ended_after.is_some() {
        check_round_trip(&whole.data, &pieces);
    }
});

/// What decoding found: the data, where the message ended (the next message starts there), or that it was
/// malformed.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    data: Vec<u8>,
    ended_after: Option<usize>,
    malformed: bool,
}

/// A few piece sizes from 1 to 16, cycled through, so pieces fall across every part of the framing.
fn piece_sizes(cut: u8) -> [usize; 3] {
    [
        usize::from(cut & 0x0f) + 1,
        usize::from(cut >> 4) + 1,
        usize::from(cut % 7) + 1,
    ]
}

/// Feeds `wire` to a decoder as a connection would: what arrived so far, from where the last call stopped.
fn decode(wire: &[u8], pieces: &[usize]) -> Decoded {
    let mut decoder = Decoder::new();
    let mut decoded = Decoded {
        data: Vec::new(),
        ended_after: None,
        malformed: false,
    };
    let (mut used, mut arrived) = (0, 0);
    for &piece in pieces.iter().cycle() {
        if decoder.is_done() || used == wire.len() {
            break;
        }
        arrived = (arrived + piece).clamp(used + 1, wire.len());
        let input = &wire[used..arrived];
        let step = match decoder.decode(input) {
            Ok(step) => step,
            Err(_) => {
                decoded.malformed = true;
                break;
            }
        };
        assert!(step.used > 0, "no progress on {} bytes", input.len());
        assert!(step.used <= input.len() && step.data.end <= step.used);
        decoded.data.extend_from_slice(&input[step.data]);
        used += step.used;
    }
    decoded.ended_after = decoder.is_done().then_some(used);
    decoded
}

fn check_round_trip(data: &[u8], pieces: &[usize]) {
    let mut wire = Vec::new();
    for chunk in data.chunks(pieces[0]) {
        encode_chunk(chunk, &mut wire);
    }
    wire.extend_from_slice(LAST_CHUNK);
    let again = decode(&wire, &[wire.len()]);
    assert_eq!(again.ended_after, Some(wire.len()), "{again:?}");
    assert_eq!(again.data, data);
}
