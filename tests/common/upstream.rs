//! The upstream that --proxy tests put behind lanai: scripts/test-upstream.py, on the standard library alone.

use super::{connect_to, read_to_close};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// The test upstream, killed when dropped.
pub struct Upstream {
    child: Child,
    pub port: u16,
}

impl Upstream {
    pub fn start() -> Upstream {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-upstream.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start python3 scripts/test-upstream.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port from the upstream: {line:?}"));
        Upstream { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One request straight to the upstream, bypassing lanai.
    pub fn get(&self, target: &str) -> String {
        let mut stream = connect_to(([127, 0, 0, 1], self.port).into());
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: up\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let reply = String::from_utf8(read_to_close(&mut stream)).unwrap();
        reply.split_once("\r\n\r\n").unwrap().1.to_string()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
