//! Logging a storm of the same event once: the first of a burst is logged, the rest are counted, and the count
//! rides with the next line once the burst window has passed.

use std::time::{Duration, Instant};

/// Events closer together than this belong to one burst.
const WINDOW: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Burst {
    logged_at: Option<Instant>,
    unlogged: u64,
}

impl Burst {
    /// Records an event at `now`. `Some(n)` means: log this one, saying `n` more happened since the last line.
    pub fn record(&mut self, now: Instant) -> Option<u64> {
        match self.logged_at {
            Some(logged) if now.duration_since(logged) < WINDOW => {
                self.unlogged += 1;
                None
            }
            _ => {
                self.logged_at = Some(now);
                Some(std::mem::take(&mut self.unlogged))
            }
        }
    }
}

/// The tail of a burst's log line: how many went unlogged since the previous line, if any.
pub fn unlogged(count: u64) -> String {
    match count {
        0 => String::new(),
        count => format!(" ({count} more since the last such line)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_window_with_the_count_of_the_rest() {
        let start = Instant::now();
        let mut burst = Burst::default();
        assert_eq!(burst.record(start), Some(0));
        for millis in 1..=100 {
            assert_eq!(burst.record(start + Duration::from_millis(millis)), None);
        }
        assert_eq!(burst.record(start + WINDOW), Some(100));
        assert_eq!(burst.record(start + WINDOW + Duration::from_secs(1)), None);
        assert_eq!(burst.record(start + WINDOW * 3), Some(1));
    }
}
