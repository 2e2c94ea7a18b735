//! Measures what each compression level of br, zstd and gzip makes of one file: the size and the median time of
//! five runs. It is how the levels in src/files/encode.rs were chosen (README, "Compression").
//! Usage: cargo run --release --example compression-levels [FILE]
//! (default: the exercise's 954 KB page at ../shared/fixtures/httptest/wikipedia_russia.html)

use std::io::Write;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

/// A coding's name, its levels and how to compress at one of them.
type Coding = (
    &'static str,
    std::ops::RangeInclusive<u32>,
    fn(&[u8], u32) -> Vec<u8>,
);

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/fixtures/httptest/wikipedia_russia.html".to_string());
    let input = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    println!("{path}: {} bytes, median of {RUNS} runs\n", input.len());
    println!("| coding | level | bytes | ratio | ms |");
    println!("| :-- | --: | --: | --: | --: |");
    let codings: [Coding; 3] = [
        ("br", 0..=11, brotli),
        ("zstd", 1..=19, zstd),
        ("gzip", 1..=9, gzip),
    ];
    for (name, levels, compress) in codings {
        for level in levels {
            let mut times = Vec::new();
            let mut size = 0;
            for _ in 0..RUNS {
                let started = Instant::now();
                size = compress(&input, level).len();
                times.push(started.elapsed());
            }
            times.sort();
            let median: Duration = times[RUNS / 2];
            println!(
                "| {name} | {level} | {size} | {:.1}% | {:.1} |",
                size as f64 * 100.0 / input.len() as f64,
                median.as_secs_f64() * 1000.0
            );
        }
    }
}

fn brotli(input: &[u8], level: u32) -> Vec<u8> {
    let mut output = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut output, 64 * 1024, level, 22);
        writer.write_all(input).unwrap();
    }
    output
}

fn zstd(input: &[u8], level: u32) -> Vec<u8> {
    zstd::bulk::compress(input, level as i32).unwrap()
}

fn gzip(input: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder.write_all(input).unwrap();
    encoder.finish().unwrap()
}
