//! A device's short name from its User-Agent, for the console lines: `iPhone Safari`, `Android Chrome`,
//! `Firefox Linux`. Phones and tablets come first (the device is what tells two of them apart), computers by
//! their browser.

/// The browser, from the most specific token to the least: Edge, Opera and Samsung's browser also say Chrome,
/// and every WebKit and Blink browser says Safari.
const BROWSERS: &[(&str, &str)] = &[
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Devices named before the browser, and systems named after it, most specific first (Android says Linux).
const HANDHELDS: &[(&str, &str)] = &[
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("iPod", "iPod"),
    ("Android", "Android"),
];
const SYSTEMS: &[(&str, &str)] = &[
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

fn first_match(agent: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(token, _)| agent.contains(token))
        .map(|&(_, name)| name)
}

/// The short name of the device that sent `user_agent`; `unknown device` when nothing in it is known.
pub fn device_name(user_agent: &str) -> String {
    let browser = first_match(user_agent, BROWSERS);
    if let Some(device) = first_match(user_agent, HANDHELDS) {
        return match browser {
            Some(browser) => format!("{device} {browser}"),
            None => device.to_string(),
        };
    }
    match (browser, first_match(user_agent, SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_string(),
        (None, None) => "unknown device".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_user_agents() {
        for (agent, expected) in [
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "iPhone Safari"),
            ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "iPad Chrome"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15", "iPhone Firefox"),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "Android Chrome"),
            ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Android Samsung Internet"),
            ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "Android Firefox"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox Linux"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome Linux"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari macOS"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0", "Opera Windows"),
            ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome ChromeOS"),
        ] {
            assert_eq!(device_name(agent), expected, "{agent}");
        }
    }

    #[test]
    fn little_or_nothing_known() {
        assert_eq!(device_name(""), "unknown device");
        assert_eq!(device_name("curl/8.5.0"), "unknown device");
        assert_eq!(device_name("something Linux"), "Linux");
        assert_eq!(device_name("Android"), "Android");
    }
}
