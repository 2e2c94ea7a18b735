//! The three encoders behind one call, at the levels README's table chose (the knee of each coding's curve on
//! the exercise's 954 KB page: most of the best size for a small part of the best level's time).

use crate::files::negotiate::Coding;
use std::io::{self, Read, Write};

const BROTLI_QUALITY: i32 = 5;
/// brotli's default window (4 MiB), which every decoder accepts.
const BROTLI_WINDOW_BITS: i32 = 22;
const ZSTD_LEVEL: i32 = 8;
const GZIP_LEVEL: u32 = 6;

/// Compresses all of `input` into `output` with `coding`, the stream ended so a decoder sees its end.
pub fn encode(coding: Coding, input: &mut dyn Read, output: &mut dyn Write) -> io::Result<()> {
    match coding {
        Coding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: BROTLI_WINDOW_BITS,
                ..Default::default()
            };
            // BrotliCompress takes sized readers and writers, which the references are.
            let (mut input, mut output) = (input, output);
            brotli::BrotliCompress(&mut input, &mut output, &params).map(drop)
        }
        Coding::Zstd => zstd::stream::copy_encode(input, output, ZSTD_LEVEL),
        Coding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(output, flate2::Compression::new(GZIP_LEVEL));
            io::copy(input, &mut encoder)?;
            encoder.finish().map(drop)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(coding: Coding, mut compressed: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        match coding {
            Coding::Brotli => brotli::BrotliDecompress(&mut compressed, &mut plain).unwrap(),
            Coding::Zstd => plain = zstd::stream::decode_all(compressed).unwrap(),
            Coding::Gzip => {
                flate2::read::GzDecoder::new(compressed)
                    .read_to_end(&mut plain)
                    .unwrap();
            }
        }
        plain
    }

    #[test]
    fn each_coding_round_trips_and_shrinks_text() {
        let text: Vec<u8> = (0..2000)
            .flat_map(|line| format!("<p>line {line}: some text</p>\n").into_bytes())
            .collect();
        for coding in Coding::ALL {
            let mut compressed = Vec::new();
            encode(coding, &mut text.as_slice(), &mut compressed).unwrap();
            assert!(compressed.len() < text.len() / 4, "{coding:?}");
            assert_eq!(decode(coding, &compressed), text, "{coding:?}");
        }
    }

    #[test]
    fn empty_input_is_a_valid_stream() {
        for coding in Coding::ALL {
            let mut compressed = Vec::new();
            encode(coding, &mut io::empty(), &mut compressed).unwrap();
            assert!(decode(coding, &compressed).is_empty(), "{coding:?}");
        }
    }
}
