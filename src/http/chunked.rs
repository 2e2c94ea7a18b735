//! The chunked transfer coding (RFC 9112 §7.1): an incremental decoder that finds the data in whatever bytes
//! have arrived, and the framing lanai writes around each piece it sends on. Pure code.

use std::io::Write;
use std::ops::Range;

/// Longest chunk-size line (size and extensions) and trailer line accepted, so a peer cannot make us scan
/// without end.
const MOST_LINE: usize = 4096;
/// 15 hex digits: a chunk below 2^60 bytes, and no overflow.
const MOST_SIZE_DIGITS: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the chunk-size line: `digits` hex digits of the size so far, then `after` them.
    Size {
        size: u64,
        digits: usize,
        line: usize,
        after: AfterSize,
    },
    SizeLf {
        size: u64,
    },
    Data {
        left: u64,
    },
    DataCr,
    DataLf,
    /// At the start of a trailer line, or the blank line that ends the message.
    TrailerStart,
    Trailer {
        line: usize,
    },
    EndLf,
    Done,
}

/// Where the chunk-size line is past its digits: `size BWS [; extension] CR LF`, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterSize {
    /// Still in the digits.
    Nothing,
    /// Blanks after the digits: only more of them, `;` or the line's end may come.
    Blank,
    /// After `;`: an extension, dropped, of visible characters and blanks.
    Extension,
}

/// The chunked framing does not parse: the message cannot be read to its end.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// What one call to `decode` found at the start of its input.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// How many bytes of the input were used (framing and data).
    pub used: usize,
    /// The data among them, as a range of the input (empty when they were all framing).
    pub data: Range<usize>,
}

#[derive(Debug)]
pub struct Decoder {
    state: State,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder at the start of a chunked body.
    pub fn new() -> Decoder {
        Decoder {
            state: State::Size {
                size: 0,
                digits: 0,
                line: 0,
                after: AfterSize::Nothing,
            },
        }
    }

    /// True once the last chunk and the trailer section (which is dropped) have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads framing from the start of `input` up to the next run of data, and that data as far as it goes.
    pub fn decode(&mut self, input: &[u8]) -> Result<Step, Malformed> {
        let mut at = 0;
        while at < input.len() {
            if let State::Data { left } = self.state {
                let take = (input.len() - at).min(usize::try_from(left).unwrap_or(usize::MAX));
                self.state = if take as u64 == left {
                    State::DataCr
                } else {
                    State::Data {
                        left: left - take as u64,
                    }
                };
                return Ok(Step {
                    used: at + take,
                    data: at..at + take,
                });
            }
            self.state = self.next(input[at])?;
            at += 1;
            if self.state == State::Done {
                break;
            }
        }
        Ok(Step {
            used: at,
            data: at..at,
        })
    }

    fn next(&self, byte: u8) -> Result<State, Malformed> {
        Ok(match (self.state, byte) {
            (State::Size { line, .. }, _) if line >= MOST_LINE => return Err(Malformed),
            (State::Size { digits: 0, .. }, _) if !byte.is_ascii_hexdigit() => {
                return Err(Malformed)
            }
            (
                State::Size {
                    size,
                    digits,
                    line,
                    after,
                },
                _,
            ) => size_line(size, digits, line + 1, after, byte)?,
            (State::SizeLf { size: 0 }, b'\n') => State::TrailerStart,
            (State::SizeLf { size }, b'\n') => State::Data { left: size },
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => Decoder::new().state,
            (State::TrailerStart, b'\r') => State::EndLf,
            (State::TrailerStart, b'\n') => return Err(Malformed),
            (State::TrailerStart, _) => State::Trailer { line: 1 },
            (State::Trailer { line }, _) if line >= MOST_LINE => return Err(Malformed),
            (State::Trailer { .. }, b'\n') => State::TrailerStart,
            (State::Trailer { line }, _) => State::Trailer { line: line + 1 },
            (State::EndLf, b'\n') => State::Done,
            _ => return Err(Malformed),
        })
    }
}

/// The next state of a chunk-size line (`line` bytes long with `byte`) that has `digits` of `size` so far.
fn size_line(
    size: u64,
    digits: usize,
    line: usize,
    after: AfterSize,
    byte: u8,
) -> Result<State, Malformed> {
    let next = |after| State::Size {
        size,
        digits,
        line,
        after,
    };
    Ok(match (after, byte) {
        (AfterSize::Nothing, _) if byte.is_ascii_hexdigit() => {
            if digits == MOST_SIZE_DIGITS {
                return Err(Malformed);
            }
            let digit = u64::from((byte as char).to_digit(16).unwrap_or(0));
            State::Size {
                size: size * 16 + digit,
                digits: digits + 1,
                line,
                after,
            }
        }
        (_, b'\r') => State::SizeLf { size },
        (AfterSize::Nothing | AfterSize::Blank, b' ' | b'\t') => next(AfterSize::Blank),
        (AfterSize::Nothing | AfterSize::Blank, b';') => next(AfterSize::Extension),
        (AfterSize::Extension, b'\t' | b' '..=b'~' | 0x80..) => next(AfterSize::Extension),
        _ => return Err(Malformed),
    })
}

/// Appends `data` as one chunk.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    let _ = write!(out, "{:x}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The last chunk and an empty trailer section.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `wire` fed `piece` bytes at a time; returns the data and the bytes left after the message.
    fn decode_in_pieces(wire: &[u8], piece: usize) -> Result<(Vec<u8>, usize), Malformed> {
        let mut decoder = Decoder::new();
        let mut data = Vec::new();
        let mut at = 0;
        while !decoder.is_done() && at < wire.len() {
            let end = (at + piece).min(wire.len());
            let step = decoder.decode(&wire[at..end])?;
            data.extend_from_slice(&wire[at..end][step.data]);
            at += step.used;
        }
        assert!(decoder.is_done(), "incomplete");
        Ok((data, wire.len() - at))
    }

    #[test]
    fn decodes_whatever_the_pieces_and_stops_at_the_end() {
        let wire =
            b"5\r\nhello\r\nA ; name=\"v a\"\r\n, world!!!\r\n0\t;x\r\nX-Sum: 1\r\n\r\nGET /next";
        for piece in [1, 2, 3, 7, wire.len()] {
            let (data, left) = decode_in_pieces(wire, piece).unwrap();
            assert_eq!(data, b"hello, world!!!", "piece {piece}");
            assert_eq!(left, b"GET /next".len(), "piece {piece}");
        }
    }

    #[test]
    fn refuses_malformed_framing() {
        for wire in [
            &b"x\r\n"[..],
            b"\r\n",
            b"5\r\nhelloXY",
            b"5\nhello\r\n0\r\n\r\n",
            b"1000000000000000\r\n",
            b"0\r\n\n",
            b"5 x\r\nhello\r\n",
            b"5x\r\nhello\r\n",
            b"+5\r\nhello\r\n",
            b"-1\r\n",
            b"0x5\r\nhello\r\n",
            b" 5\r\nhello\r\n",
            b"5;a\nb\r\nhello\r\n",
            b"5;a\0\r\nhello\r\n",
            b"5\r\nhello\n0\r\n\r\n",
        ] {
            let mut decoder = Decoder::new();
            let mut at = 0;
            let mut failed = false;
            while at < wire.len() {
                match decoder.decode(&wire[at..]) {
                    Ok(step) if step.used > 0 => at += step.used,
                    Ok(_) => break,
                    Err(Malformed) => {
                        failed = true;
                        break;
                    }
                }
            }
            assert!(failed, "{:?}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn long_lines_are_refused() {
        let mut wire = b"5;".to_vec();
        wire.extend(std::iter::repeat_n(b'x', MOST_LINE));
        assert_eq!(Decoder::new().decode(&wire), Err(Malformed));
    }

    #[test]
    fn encodes_chunks_the_decoder_reads_back() {
        let mut wire = Vec::new();
        encode_chunk(b"event: a\n\n", &mut wire);
        encode_chunk(&[7; 300], &mut wire);
        wire.extend_from_slice(LAST_CHUNK);
        assert!(wire.starts_with(b"a\r\nevent: a\n\n\r\n12c\r\n"));
        let (data, left) = decode_in_pieces(&wire, 5).unwrap();
        assert_eq!(data.len(), 310);
        assert_eq!(left, 0);
    }
}
