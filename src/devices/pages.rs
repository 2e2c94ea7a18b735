//! The pages a device opens before it trusts lanai: the start page, which checks whether this device trusts the
//! CA already and goes on to the https site if it does, and the CA page. Both show the steps for every system,
//! the ones for this device's system open.

use crate::markup::escape;

/// What both pages show: the downloads and the steps, by system. `{name}` is the CA's name as devices list it.
const STEPS: &str = r#"<section id="steps">
<p>lanai serves HTTPS with certificates from a certificate authority (CA) made on the computer it runs on.
Install that CA once on this device, and every page lanai serves here is trusted, with no warning. Only do this
for a computer you own: a device that trusts the CA trusts every certificate it signs. It is listed as
<b>{name}</b>.</p>
<p class="get"><a id="profile" href="/.lanai/lanai-ca.mobileconfig">iPhone and iPad profile (.mobileconfig)</a>
<a id="pem" href="/.lanai/lanai-ca.crt">Certificate (.crt, PEM)</a>
<a id="der" href="/.lanai/lanai-ca.cer">Certificate (.cer, DER)</a></p>
<details id="ios"><summary>iPhone and iPad</summary><ol>
<li>In Safari, tap <a href="/.lanai/lanai-ca.mobileconfig">the profile</a> and allow the download.</li>
<li>Settings › General › VPN &amp; Device Management › {name} › Install (recent iOS also shows
“Profile Downloaded” at the top of Settings).</li>
<li>Settings › General › About › Certificate Trust Settings: turn on full trust for {name}.</li>
</ol></details>
<details id="android"><summary>Android</summary><ol>
<li>Download <a href="/.lanai/lanai-ca.crt">the certificate</a>.</li>
<li>Settings › Security (or Security &amp; privacy) › More security settings › Encryption &amp; credentials ›
Install a certificate › CA certificate › Install anyway, and pick the file.</li>
<li>Firefox for Android: Settings › About Firefox, tap the logo five times, then Settings › Secret Settings ›
Use third party CA certificates.</li>
</ol></details>
<details id="macos"><summary>macOS</summary><ol>
<li>Download <a href="/.lanai/lanai-ca.crt">the certificate</a> and open it: Keychain Access adds it.</li>
<li>Double-click {name} there, open Trust, and set “When using this certificate” to Always Trust.</li>
<li>Or in Terminal: <code>sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain
lanai-ca.crt</code></li>
</ol></details>
<details id="windows"><summary>Windows</summary><ol>
<li>Download <a href="/.lanai/lanai-ca.cer">the certificate</a> and open it › Install Certificate › Current User.</li>
<li>Place all certificates in the following store › Browse › Trusted Root Certification Authorities › Finish,
and confirm.</li>
<li>Or in a terminal: <code>certutil -user -addstore Root lanai-ca.cer</code></li>
</ol></details>
<details id="linux"><summary>Linux</summary><ol>
<li>Chromium and Chrome: Settings › Privacy and security › Security › Manage certificates › Authorities ›
Import <a href="/.lanai/lanai-ca.crt">the certificate</a>, and tick “Trust this certificate for identifying
websites”.</li>
<li>System-wide (curl, Python; Debian, Ubuntu): <code>sudo cp lanai-ca.crt /usr/local/share/ca-certificates/
&amp;&amp; sudo update-ca-certificates</code></li>
</ol></details>
<details id="firefox"><summary>Firefox (any system)</summary><ol>
<li>Firefox keeps its own list of CAs. Open <a href="/.lanai/lanai-ca.crt">the certificate</a> in Firefox, tick
“Trust this CA to identify websites”, and choose OK.</li>
<li>Or Settings › Privacy &amp; Security › Certificates › View Certificates › Authorities › Import.</li>
</ol></details>
</section>"#;

/// Opens the steps for this device's system (and Firefox's own, which any system may need).
const OPEN_STEPS: &str = r#"<script>
(() => {
  const agent = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1);
  const system = ios ? "ios" : /Android/.test(agent) ? "android" : /Windows/.test(agent) ? "windows"
    : /Macintosh/.test(agent) ? "macos" : /Linux|CrOS/.test(agent) ? "linux" : "";
  for (const id of [system, /Firefox\//.test(agent) && !ios ? "firefox" : ""]) {
    const steps = id && document.getElementById(id);
    if (steps) steps.open = true;
  }
})();
</script>"#;

/// The start page's check: a request to this same address and port over https, which succeeds only when the
/// device trusts the certificate (`no-cors`: any answer counts, so the Host check or --auth cannot make it fail).
const CHECK_STATUS: &str = r#"<p id="status" role="status"></p>
<noscript><p>With JavaScript off this page cannot check whether this device trusts lanai: install the CA as
below if it does not, then open this address with <code>https://</code>.</p></noscript>
<p><button id="again" type="button">Check again</button></p>"#;

/// The check itself, after the steps it shows or hides.
const CHECK: &str = r#"<script>
(() => {
  const site = "https://" + location.host + "/";
  const status = document.getElementById("status");
  const steps = document.getElementById("steps");
  const say = (state, text) => { document.body.dataset.trust = state; status.textContent = text; };
  async function check() {
    if (location.protocol === "https:") { location.replace("/"); return; }
    say("checking", "Checking whether this device trusts lanai…");
    const probe = fetch("https://" + location.host + "/.lanai/trusted?" + Date.now(), { mode: "no-cors", cache: "no-store" })
      .then(() => true, () => false);
    const late = new Promise((resolve) => setTimeout(() => resolve(false), 8000));
    if (await Promise.race([probe, late])) {
      say("trusted", "This device trusts lanai. Opening " + site + " …");
      location.replace(site);
    } else {
      say("untrusted", "This device does not trust lanai's certificate yet. Install it as below, then check again.");
      steps.hidden = false;
    }
  }
  steps.hidden = true;
  document.getElementById("again").addEventListener("click", check);
  check();
})();
</script>"#;

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:1em auto;padding:0 1em}
.get a{display:block;margin:.4em 0;font-size:1.1em}summary{font-weight:bold;cursor:pointer;padding:.3em 0}
button{font-size:1.1em;padding:.4em 1em}code{word-break:break-all}</style>
</head><body>
<h1>{title}</h1>
"#;

/// A page: `intro` above the steps, `script` after them.
fn page(title: &str, intro: &str, script: &str, name: &str) -> String {
    let name = escape(name);
    format!(
        "{}{intro}\n{}\n{OPEN_STEPS}\n{script}</body></html>\n",
        HEAD.replace("{title}", title),
        STEPS.replace("{name}", &name)
    )
}

/// The start page: checks the trust, then goes on to the https site or shows the steps.
pub fn start_page(ca_name: &str) -> String {
    page("Open this site with lanai", CHECK_STATUS, CHECK, ca_name)
}

/// The CA page: the downloads and the steps, with no check.
pub fn ca_page(ca_name: &str) -> String {
    page(
        "Trust lanai's local CA",
        "<p>Once the CA is installed, open the <code>https://</code> address lanai printed when it started.</p>",
        "",
        ca_name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_pages_cover_every_system_and_the_downloads() {
        for page in [start_page("lanai local CA 0a1b2c3d"), ca_page("x")] {
            for part in [
                "id=\"ios\"",
                "Certificate Trust Settings",
                "id=\"android\"",
                "id=\"macos\"",
                "id=\"windows\"",
                "id=\"linux\"",
                "Trust this CA to identify websites",
                "/.lanai/lanai-ca.mobileconfig",
                "/.lanai/lanai-ca.crt",
                "/.lanai/lanai-ca.cer",
                "name=\"viewport\"",
            ] {
                assert!(page.contains(part), "{part}");
            }
        }
        assert!(start_page("a").contains("/.lanai/trusted"));
        assert!(!ca_page("a").contains("/.lanai/trusted"));
        assert!(ca_page("<b>").contains("&lt;b&gt;"));
    }
}
