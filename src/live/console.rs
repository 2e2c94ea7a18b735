//! The page's console in lanai's terminal (--live, unless --no-console): the injected script sends a page's
//! `console.error` and `console.warn` (and `console.log` with -v), uncaught errors with their file:line, unhandled
//! promise rejections and failed resource loads to `POST /.lanai/console`, in its query (lanai reads no request
//! bodies). lanai prints each under the device's short name (agent.rs) with the page's path. It comes after the
//! guard like every answer; each field is cut to a bound, the lines a device may print are limited per second,
//! and every byte from the page is escaped as the access log escapes it, so a page cannot write escape
//! sequences into the terminal.

use super::agent::device_name;
use crate::http::access::Escaped;
use crate::http::percent::percent_decoded;
use crate::http::request::Request;
use crate::http::response::{Body, Response};
use crate::http::vocabulary::headers::ALLOW;
use crate::http::vocabulary::{Method, StatusCode};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const CONSOLE_PATH: &str = "/.lanai/console";
/// The most of a message that is shown, in bytes; the script cuts first, at 500 characters.
pub const TEXT_LIMIT: usize = 2048;
/// The most of the page's path and of the source location shown, in bytes.
const FIELD_LIMIT: usize = 512;
/// Lines one device (by its short name) may print a second, and all devices together.
pub const PER_DEVICE: u32 = 20;
const IN_ALL: u32 = 100;
const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warn,
    Log,
}

#[derive(Debug, PartialEq, Eq)]
struct Message {
    level: Level,
    text: Vec<u8>,
    page: Vec<u8>,
    source: Vec<u8>,
}

pub struct Console {
    verbose: bool,
    window: Mutex<Window>,
}

impl Console {
    /// `verbose`: console.log is shown too.
    pub fn new(verbose: bool) -> Console {
        Console {
            verbose,
            window: Mutex::new(Window::new(Instant::now())),
        }
    }

    /// What the injected script adds to forward the console: the levels it forwards, then the code.
    pub fn script(&self) -> String {
        let levels = if self.verbose {
            r#"["error", "warn", "log"]"#
        } else {
            r#"["error", "warn"]"#
        };
        SCRIPT.replace("LEVELS", levels)
    }

    pub fn respond(&self, request: &Request<'_>) -> Response {
        if request.method != Some(Method::Post) {
            return Response::status_page(StatusCode::MethodNotAllowed).with_header(ALLOW, "POST");
        }
        let query = request.query().strip_prefix('?').unwrap_or_default();
        let Some(message) = parse(query) else {
            return Response::status_page(StatusCode::BadRequest);
        };
        if message.level == Level::Log && !self.verbose {
            return Response::new(StatusCode::NoContent, Body::Empty);
        }
        let agent = request
            .header("user-agent")
            .and_then(|agent| std::str::from_utf8(agent).ok())
            .unwrap_or_default();
        let device = device_name(agent);
        let admitted = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .admit(&device, Instant::now());
        match admitted {
            Admitted::Yes => print(&device, &message),
            Admitted::NoFirstTime => log::warn!(
                target: "lanai::console",
                "{device}: more than {PER_DEVICE} console messages a second; the rest of this second's are not shown"
            ),
            Admitted::No => {}
        }
        if admitted == Admitted::Yes {
            Response::new(StatusCode::NoContent, Body::Empty)
        } else {
            Response::status_page(StatusCode::TooManyRequests)
        }
    }
}

fn print(device: &str, message: &Message) {
    let (level, name) = match message.level {
        Level::Error => (log::Level::Warn, "error"),
        Level::Warn => (log::Level::Warn, "warn"),
        Level::Log => (log::Level::Info, "log"),
    };
    let source = if message.source.is_empty() {
        String::new()
    } else {
        format!(" ({})", Escaped(&message.source))
    };
    log::log!(
        target: "lanai::console",
        level,
        "{device} {}: console.{name}: {}{source}",
        Escaped(&message.page),
        Escaped(&message.text)
    );
}

/// A message from its query (`level`, `text`, `page`, `source`, form-encoded); `None` without a known level.
fn parse(query: &str) -> Option<Message> {
    let mut message = Message {
        level: Level::Log,
        text: Vec::new(),
        page: Vec::new(),
        source: Vec::new(),
    };
    let mut level = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // Form encoding writes a space as `+`, and a real `+` as %2B.
        let value = percent_decoded(value.replace('+', " ").as_bytes())?;
        match name {
            "level" => {
                level = Some(match value.as_slice() {
                    b"error" => Level::Error,
                    b"warn" => Level::Warn,
                    b"log" => Level::Log,
                    _ => return None,
                })
            }
            "text" => message.text = cut(value, TEXT_LIMIT),
            "page" => message.page = cut(value, FIELD_LIMIT),
            "source" => message.source = cut(value, FIELD_LIMIT),
            _ => {}
        }
    }
    message.level = level?;
    Some(message)
}

/// `bytes` cut to `limit`, with `...` saying so.
fn cut(mut bytes: Vec<u8>, limit: usize) -> Vec<u8> {
    if bytes.len() > limit {
        bytes.truncate(limit);
        bytes.extend_from_slice(b"...");
    }
    bytes
}

#[derive(Debug, PartialEq, Eq)]
enum Admitted {
    Yes,
    /// Refused, and the first refusal of this second: said once.
    NoFirstTime,
    No,
}

/// The lines printed in the current second, by device and in all. The map holds only devices that printed this
/// second, so it never has more than IN_ALL entries.
struct Window {
    started: Instant,
    total: u32,
    by_device: HashMap<String, u32>,
    refused: bool,
}

impl Window {
    fn new(now: Instant) -> Window {
        Window {
            started: now,
            total: 0,
            by_device: HashMap::new(),
            refused: false,
        }
    }

    fn admit(&mut self, device: &str, now: Instant) -> Admitted {
        if now.saturating_duration_since(self.started) >= WINDOW {
            *self = Window::new(now);
        }
        let printed = self.by_device.get(device).copied().unwrap_or(0);
        if printed < PER_DEVICE && self.total < IN_ALL {
            self.by_device.insert(device.to_string(), printed + 1);
            self.total += 1;
            return Admitted::Yes;
        }
        if std::mem::replace(&mut self.refused, true) {
            Admitted::No
        } else {
            Admitted::NoFirstTime
        }
    }
}

/// Forwards the console: each of LEVELS, uncaught errors (file:line:column), unhandled rejections, and failed
/// loads of scripts, images and stylesheets (seen in the capture phase, as they do not bubble).
const SCRIPT: &str = r#"(() => {
  const cut = (text, most) => (text.length > most ? text.slice(0, most) + "…" : text);
  const shown = (value) => {
    if (value instanceof Error) return String(value);
    if (typeof value === "string") return value;
    try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
  };
  const at = (url, line, column) => {
    if (!url) return "";
    let path = url;
    try { const parsed = new URL(url, location.href); if (parsed.origin === location.origin) path = parsed.pathname; } catch {}
    return line ? `${path}:${line}:${column}` : path;
  };
  const send = (level, text, source) => {
    const query = new URLSearchParams({ level, page: cut(location.pathname, 200), text: cut(text, 500),
      source: cut(source || "", 200) });
    fetch("/.lanai/console?" + query, { method: "POST", keepalive: true }).catch(() => {});
  };
  for (const level of LEVELS) {
    const original = console[level];
    console[level] = (...values) => { original.apply(console, values); send(level, values.map(shown).join(" ")); };
  }
  addEventListener("error", (event) => {
    if (event instanceof ErrorEvent) {
      send("error", event.message || "Uncaught error", at(event.filename, event.lineno, event.colno));
    } else if (event.target instanceof Element) {
      const element = event.target;
      send("error", `failed to load <${element.localName}>`, at(element.currentSrc || element.src || element.href));
    }
  }, true);
  addEventListener("unhandledrejection", (event) => send("error", "Unhandled promise rejection: " + shown(event.reason)));
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_from_the_form_encoded_query() {
        let message =
            parse("level=error&page=%2Fa+b.html&text=Uncaught+TypeError%3A+x+%2B+1&source=%2Fapp.js%3A3%3A7")
                .unwrap();
        assert_eq!(
            message,
            Message {
                level: Level::Error,
                text: b"Uncaught TypeError: x + 1".to_vec(),
                page: b"/a b.html".to_vec(),
                source: b"/app.js:3:7".to_vec(),
            }
        );
        assert_eq!(parse("text=x"), None, "a level is needed");
        assert_eq!(parse("level=debug&text=x"), None);
        assert_eq!(parse("level=warn&text=%zz"), None);
        assert_eq!(parse("level=warn").unwrap().text, b"");
    }

    #[test]
    fn long_fields_are_cut() {
        let long = "a".repeat(TEXT_LIMIT + 100);
        let message = parse(&format!("level=warn&text={long}&page={long}")).unwrap();
        assert_eq!(message.text.len(), TEXT_LIMIT + 3);
        assert!(message.text.ends_with(b"a..."));
        assert_eq!(message.page.len(), FIELD_LIMIT + 3);
    }

    #[test]
    fn each_device_prints_a_bounded_number_of_lines_a_second() {
        let start = Instant::now();
        let mut window = Window::new(start);
        for _ in 0..PER_DEVICE {
            assert_eq!(window.admit("iPhone Safari", start), Admitted::Yes);
        }
        assert_eq!(window.admit("iPhone Safari", start), Admitted::NoFirstTime);
        assert_eq!(window.admit("iPhone Safari", start), Admitted::No);
        assert_eq!(window.admit("Android Chrome", start), Admitted::Yes);
        let later = start + WINDOW;
        assert_eq!(window.admit("iPhone Safari", later), Admitted::Yes);
    }

    #[test]
    fn all_devices_together_are_bounded_too() {
        let start = Instant::now();
        let mut window = Window::new(start);
        let admitted = (0..IN_ALL * 2)
            .filter(|n| window.admit(&format!("device {n}"), start) == Admitted::Yes)
            .count();
        assert_eq!(admitted, IN_ALL as usize);
        assert!(window.by_device.len() <= IN_ALL as usize);
    }

    #[test]
    fn the_script_forwards_log_only_when_verbose() {
        assert!(Console::new(false)
            .script()
            .contains(r#"for (const level of ["error", "warn"])"#));
        assert!(Console::new(true)
            .script()
            .contains(r#"["error", "warn", "log"]"#));
    }
}
