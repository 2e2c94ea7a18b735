//! Compressed bodies kept in memory within a byte budget, one per identity validator (the ETag) and coding, so an
//! edited file, which has a new ETag, never gets an old entry. The first request for an entry claims it and
//! compresses; requests that come meanwhile wait for that one compression instead of starting their own. When
//! the budget is spent, the entries used longest ago go.

use crate::files::negotiate::Coding;
use async_std::channel::{self, Receiver, Sender};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The identity representation's ETag and the coding.
pub type Key = (String, Coding);

pub struct CompressedCache {
    budget: usize,
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    slots: HashMap<Key, Slot>,
    /// The bytes of every ready entry.
    bytes: usize,
    /// Counts lookups, to tell which entry was used longest ago.
    clock: u64,
}

enum Slot {
    /// Being compressed; the receiver ends (yields an error) when the claim is filled or given up.
    Compressing(Receiver<()>),
    Ready {
        bytes: Arc<[u8]>,
        last_used: u64,
    },
}

pub enum Lookup {
    Ready(Arc<[u8]>),
    /// Another request is compressing: wait for the receiver to end, then look again.
    Wait(Receiver<()>),
    /// Nobody has it: compress, then fill the claim (dropping it unfilled lets the next request try).
    Claimed(Claim),
}

impl CompressedCache {
    pub fn new(budget: usize) -> Self {
        CompressedCache {
            budget,
            inner: Mutex::default(),
        }
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    /// The ready entry for `key`, if there is one.
    pub fn ready(&self, key: &Key) -> Option<Arc<[u8]>> {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        match entries.slots.get_mut(key) {
            Some(Slot::Ready { bytes, last_used }) => {
                *last_used = now;
                Some(bytes.clone())
            }
            _ => None,
        }
    }

    pub fn lookup(self: &Arc<Self>, key: &Key) -> Lookup {
        if let Some(bytes) = self.ready(key) {
            return Lookup::Ready(bytes);
        }
        let mut entries = self.lock();
        if let Some(Slot::Compressing(done)) = entries.slots.get(key) {
            return Lookup::Wait(done.clone());
        }
        let (sender, receiver) = channel::bounded(1);
        entries
            .slots
            .insert(key.clone(), Slot::Compressing(receiver));
        Lookup::Claimed(Claim {
            cache: self.clone(),
            key: key.clone(),
            filled: false,
            _done: sender,
        })
    }

    /// The bytes of all ready entries and how many there are.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.lock();
        let ready = entries
            .slots
            .values()
            .filter(|slot| matches!(slot, Slot::Ready { .. }))
            .count();
        (entries.bytes, ready)
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Every update is a whole insert or remove, so a panic elsewhere leaves nothing half-done.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The right and duty to compress one entry. Its sender ends when the claim goes, waking the waiters.
pub struct Claim {
    cache: Arc<CompressedCache>,
    key: Key,
    filled: bool,
    _done: Sender<()>,
}

impl Claim {
    /// Keeps `bytes` as the entry, then drops the entries used longest ago until the budget holds again.
    pub fn fill(mut self, bytes: Arc<[u8]>) {
        let mut entries = self.cache.lock();
        entries.clock += 1;
        entries.bytes += bytes.len();
        let last_used = entries.clock;
        entries
            .slots
            .insert(self.key.clone(), Slot::Ready { bytes, last_used });
        while entries.bytes > self.cache.budget {
            let oldest = entries
                .slots
                .iter()
                .filter_map(|(key, slot)| match slot {
                    Slot::Ready { last_used, .. } => Some((*last_used, key)),
                    Slot::Compressing(_) => None,
                })
                .min_by_key(|&(last_used, _)| last_used)
                .map(|(_, key)| key.clone());
            let Some(Slot::Ready { bytes, .. }) = oldest.and_then(|key| entries.slots.remove(&key))
            else {
                break;
            };
            entries.bytes -= bytes.len();
        }
        self.filled = true;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.filled {
            self.cache.lock().slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tag: &str) -> Key {
        (tag.to_string(), Coding::Brotli)
    }

    fn bytes(len: usize) -> Arc<[u8]> {
        vec![7; len].into()
    }

    fn claim(cache: &Arc<CompressedCache>, tag: &str) -> Claim {
        match cache.lookup(&key(tag)) {
            Lookup::Claimed(claim) => claim,
            _ => panic!("{tag} should be free to claim"),
        }
    }

    #[test]
    fn the_first_claims_the_others_wait_then_hit() {
        let cache = Arc::new(CompressedCache::new(1000));
        let first = claim(&cache, "a");
        let Lookup::Wait(done) = cache.lookup(&key("a")) else {
            panic!("a second request waits");
        };
        assert!(done.try_recv().is_err() && !done.is_closed());
        first.fill(bytes(10));
        assert!(done.is_closed(), "filling wakes the waiter");
        assert!(matches!(cache.lookup(&key("a")), Lookup::Ready(found) if found.len() == 10));
        assert!(
            matches!(
                cache.lookup(&(String::from("a"), Coding::Gzip)),
                Lookup::Claimed(_)
            ),
            "each coding is an entry of its own"
        );
        assert_eq!(cache.usage(), (10, 1));
    }

    #[test]
    fn a_claim_given_up_lets_the_next_request_compress() {
        let cache = Arc::new(CompressedCache::new(1000));
        let first = claim(&cache, "a");
        let Lookup::Wait(done) = cache.lookup(&key("a")) else {
            panic!("a second request waits");
        };
        drop(first);
        assert!(done.is_closed());
        claim(&cache, "a");
    }

    #[test]
    fn the_budget_holds_and_the_least_recently_used_go_first() {
        let cache = Arc::new(CompressedCache::new(100));
        claim(&cache, "a").fill(bytes(40));
        claim(&cache, "b").fill(bytes(40));
        assert!(cache.ready(&key("a")).is_some(), "a is now the newer");
        claim(&cache, "c").fill(bytes(40));
        assert!(cache.ready(&key("b")).is_none(), "b was used longest ago");
        assert!(cache.ready(&key("a")).is_some() && cache.ready(&key("c")).is_some());
        assert_eq!(cache.usage(), (80, 2));
        let in_flight = claim(&cache, "d");
        claim(&cache, "e").fill(bytes(90));
        assert_eq!(cache.usage(), (90, 1), "only e fits");
        in_flight.fill(bytes(20));
        assert!(cache.usage().0 <= 100);
    }
}
