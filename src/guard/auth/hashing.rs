//! Password hashes off the executor. One or two threads of their own take checks from a bounded queue: a request
//! waiting for its hash holds no executor thread, guessing keeps at most those threads busy (never every core),
//! and a guess that finds the queue full is turned away at once instead of waiting behind the others.

use super::htpasswd::Users;
use super::{Credentials, Digest, Memory, Verdict};
use async_std::channel::{bounded, Receiver, Sender};
use std::sync::Arc;

/// How many checks may wait for a hashing thread: room for a few browsers' bursts of parallel requests with new
/// credentials (each after the first is answered from memory), about 4 s of work at bcrypt cost 12.
const QUEUE: usize = 16;

/// A check to make, with where its verdict goes.
struct Job {
    key: Digest,
    credentials: Credentials,
    verdict: Sender<bool>,
}

pub(super) struct Hashing {
    jobs: Sender<Job>,
}

impl Hashing {
    /// Starts the hashing threads; they end when this is dropped.
    pub(super) fn start(users: Users, memory: Arc<Memory>) -> Result<Hashing, String> {
        let (jobs, queue) = bounded(QUEUE);
        let users = Arc::new(users);
        for _ in 0..hashing_threads() {
            let (queue, users, memory) = (queue.clone(), users.clone(), memory.clone());
            std::thread::Builder::new()
                .name("lanai-hash".into())
                .spawn(move || hash_until_closed(&queue, &users, &memory))
                .map_err(|error| format!("cannot start a thread to check passwords: {error}"))?;
        }
        Ok(Hashing { jobs })
    }

    /// The verdict on credentials that are not remembered, waited for without holding the executor thread.
    pub(super) async fn check(&self, key: Digest, credentials: Credentials) -> Verdict {
        let (verdict, answer) = bounded(1);
        let job = Job {
            key,
            credentials,
            verdict,
        };
        if self.jobs.try_send(job).is_err() {
            return Verdict::Busy;
        }
        // No answer only if a hashing thread died with the job: a refusal, never a pass.
        answer.recv().await.unwrap_or(false).into()
    }
}

/// Half the cores, one or two: hashing never takes them all.
fn hashing_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    (cores / 2).clamp(1, 2)
}

/// One hashing thread: each job in turn until the queue closes. Credentials checked while their job waited (a
/// browser sends the same ones on several connections) are answered from memory, not hashed again.
fn hash_until_closed(queue: &Receiver<Job>, users: &Users, memory: &Memory) {
    while let Ok(job) = queue.recv_blocking() {
        let accepted = memory.recall(&job.key).unwrap_or_else(|| {
            let accepted = users.accepts(&job.credentials);
            memory.remember(job.key, accepted);
            accepted
        });
        // The request may be gone (its client closed); the verdict is remembered all the same.
        let _ = job.verdict.try_send(accepted);
    }
}
