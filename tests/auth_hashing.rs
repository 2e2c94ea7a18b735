//! Password hashing under hostile load, against the real binary with a bcrypt cost-12 htpasswd file: guessing
//! connections keep the hash busy while a verified user is still answered at once; guesses past the queue get
//! `429` at once; and an unknown user takes as long to refuse as a known user with a wrong password, so timing
//! does not tell which names exist.

mod common;

use base64::Engine;
use common::Server;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cost htpasswd -B writes by default is 5; 12 is what a careful admin picks, and what makes hashing hurt.
const COST: u32 = 12;
/// A remembered verdict on a debug build takes about a millisecond (a median; on a machine loaded by parallel
/// builds, single requests were seen at 150 ms), one cost-12 hash 2 to 5 s (0.25 s in release).
const PROMPT: Duration = Duration::from_millis(50);
/// Less than half of one cost-12 hash on a debug build: no request that waited for a hash is this fast.
const NO_HASH: Duration = Duration::from_secs(1);

fn authorization(pair: &str) -> String {
    format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// lanai with an htpasswd file naming `ann` (password `pw`) at bcrypt `cost`, with `extra` arguments.
fn server_with_ann(cost: u32, extra: &[&str]) -> (Server, tempfile::TempDir) {
    let hash = bcrypt::hash_with_result("pw", cost)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("htpasswd");
    std::fs::write(&file, format!("ann:{hash}\n")).unwrap();
    let mut args = vec!["--auth-file", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    (Server::start(&args), work)
}

/// A new connection that has sent one GET with these credentials; its reads give up after `patience`.
fn ask(addr: SocketAddr, pair: &str, patience: Duration) -> std::net::TcpStream {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(patience)).unwrap();
    write!(
        stream,
        "GET /httptest/dir2/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{}\r\n\r\n",
        authorization(pair)
    )
    .unwrap();
    stream
}

/// The status and head of the answer to one GET with these credentials, on a new connection, waiting as long
/// as a queue of hashes may take (the harness's own reads give up after 10 s).
fn answer_to(addr: SocketAddr, pair: &str) -> (u16, String) {
    let mut stream = ask(addr, pair, Duration::from_secs(120));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => panic!(
                "no answer head for {pair}: {:?}",
                String::from_utf8_lossy(&head)
            ),
        }
    }
    let head = String::from_utf8(head).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head)
}

/// How long one GET with these credentials takes to be answered, and its status.
fn timed(addr: SocketAddr, pair: &str) -> (Duration, u16) {
    let started = Instant::now();
    let (status, _) = answer_to(addr, pair);
    (started.elapsed(), status)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Guessing connections, each sending a new wrong password as soon as the last one is answered.
struct Guessers {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    threads: Vec<std::thread::JoinHandle<Vec<u16>>>,
}

impl Guessers {
    fn start(addr: SocketAddr, count: usize) -> Guessers {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let threads = (0..count)
            .map(|guesser| {
                let (stop, answered) = (stop.clone(), answered.clone());
                std::thread::spawn(move || {
                    let mut statuses = Vec::new();
                    for attempt in 0.. {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let (status, _) =
                            answer_to(addr, &format!("ann:guess-{guesser}-{attempt}"));
                        statuses.push(status);
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    statuses
                })
            })
            .collect();
        Guessers {
            stop,
            answered,
            threads,
        }
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Every status the guessers got, once their last guesses are answered.
    fn finish(self) -> Vec<u16> {
        self.stop.store(true, Ordering::SeqCst);
        self.threads
            .into_iter()
            .flat_map(|thread| thread.join().unwrap())
            .collect()
    }
}

#[test]
fn a_verified_user_is_answered_at_once_while_guesses_are_hashed() {
    let (server, _work) = server_with_ann(COST, &["--workers", "2"]);
    assert_eq!(
        timed(server.addr, "ann:pw").1,
        200,
        "the first check hashes"
    );
    // More guessing connections than executor threads, each always waiting for a hash.
    let guessers = Guessers::start(server.addr, 3);
    std::thread::sleep(Duration::from_millis(300));
    let mut times = Vec::new();
    // Until two guesses have been hashed, so the hash was busy all along: at least ten requests, at most a minute.
    let until = Instant::now() + Duration::from_secs(60);
    while (times.len() < 10 || guessers.answered() < 2) && Instant::now() < until {
        let (took, status) = timed(server.addr, "ann:pw");
        assert_eq!(status, 200);
        times.push(took);
        std::thread::sleep(Duration::from_millis(100));
    }
    let hashed_meanwhile = guessers.answered();
    let slowest = *times.iter().max().unwrap();
    eprintln!(
        "verified user: {} requests while {hashed_meanwhile} guesses were hashed; median {:?}, slowest {slowest:?}",
        times.len(),
        median(times.clone())
    );
    assert!(
        hashed_meanwhile >= 2,
        "the guesses were not hashed meanwhile"
    );
    assert!(
        median(times.clone()) < PROMPT && slowest < NO_HASH,
        "a verified user waited: {times:?}"
    );
    let statuses = guessers.finish();
    assert!(
        statuses
            .iter()
            .all(|&status| status == 401 || status == 429),
        "{statuses:?}"
    );
}

#[test]
fn guesses_past_the_queue_get_429_at_once_and_others_go_on() {
    // One executor thread: a request waiting for its hash must not hold it.
    let (server, _work) = server_with_ann(COST, &["--workers", "1"]);
    assert_eq!(timed(server.addr, "ann:pw").1, 200);
    let addr = server.addr;
    // More guesses at once than the queue holds (16) and the hashing threads (at most 2) take.
    let guesses: Vec<_> = (0..24)
        .map(|guess| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let pair = format!("ann:guess-{guess}");
                let mut stream = ask(addr, &pair, NO_HASH);
                let mut head = [0u8; 512];
                let read = stream.read(&mut head).unwrap_or(0);
                let head = String::from_utf8_lossy(&head[..read]).to_string();
                (head, started.elapsed(), stream)
            })
        })
        .collect();
    let answers: Vec<_> = guesses
        .into_iter()
        .map(|guess| guess.join().unwrap())
        .collect();
    let turned_away: Vec<_> = answers
        .iter()
        .filter(|(head, _, _)| head.starts_with("HTTP/1.1 429 "))
        .collect();
    eprintln!(
        "{} of {} guesses turned away at once",
        turned_away.len(),
        answers.len()
    );
    assert!(turned_away.len() >= 24 - 16 - 2, "{answers:?}");
    for (head, took, _) in &turned_away {
        assert!(head.contains("\r\nRetry-After: "), "{head}");
        assert!(*took < NO_HASH, "{took:?}");
    }
    // The queue is full and the hash busy for many seconds yet; the verified user does not wait for either.
    let (took, status) = timed(server.addr, "ann:pw");
    assert_eq!(status, 200);
    assert!(took < NO_HASH, "{took:?}");
}

#[test]
fn an_unknown_user_takes_as_long_as_a_known_user_with_a_wrong_password() {
    // Cost 10, a quarter of 12's time: still hundreds of times what refusing without a hash takes.
    let (server, _work) = server_with_ann(10, &["--workers", "2"]);
    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    // Interleaved, each with a new password (a refusal is remembered), so load on the machine hits both alike.
    for attempt in 0..3 {
        let (took, status) = timed(server.addr, &format!("nobody:wrong-{attempt}"));
        assert_eq!(status, 401);
        unknown.push(took);
        let (took, status) = timed(server.addr, &format!("ann:wrong-{attempt}"));
        assert_eq!(status, 401);
        known.push(took);
    }
    let (unknown, known) = (median(unknown), median(known));
    eprintln!(
        "median refusal: unknown user {unknown:?}, known user with a wrong password {known:?}"
    );
    assert!(unknown >= known / 2, "unknown {unknown:?}, known {known:?}");
    assert!(known >= unknown / 2, "unknown {unknown:?}, known {known:?}");
}

#[test]
fn an_unknown_user_with_a_known_users_password_is_refused() {
    let (server, _work) = server_with_ann(4, &[]);
    assert_eq!(timed(server.addr, "bob:pw").1, 401);
    assert_eq!(timed(server.addr, ":pw").1, 401);
    assert_eq!(timed(server.addr, "ann:pw").1, 200);
    assert_eq!(timed(server.addr, "bob:pw").1, 401, "after ann's success");
}
