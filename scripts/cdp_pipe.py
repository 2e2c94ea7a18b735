"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands in on file
descriptor 3, replies and events out on 4, each message JSON ended by a NUL byte), on Python's standard library
alone: no WebSocket client, no port for the DevTools endpoint.

    with Chromium(["--ignore-certificate-errors-spki-list=..."]) as browser:
        page = browser.new_page()          # a fresh browser context (no cache, no connections, no cookies)
        page.navigate("https://127.0.0.1:8443/")
        page.wait_for("document.documentElement.dataset.loaded", timeout=30)
        page.evaluate("performance.getEntriesByType('resource').length")
        page.close()                       # disposes of the context
"""
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--mute-audio", "--remote-debugging-pipe"]


def chromium_path():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    return found


def above_nine(fd):
    """The same file as a descriptor numbered 10 or more (the old one closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class ProtocolError(Exception):
    pass


class Chromium:
    def __init__(self, flags=(), timeout=30):
        self.profile = tempfile.mkdtemp(prefix="cdp-profile-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # Chromium's ends above 9 (so that neither is 3 or 4 already); bash (dash takes single digits only) puts
        # them at 3 and 4, then becomes Chromium.
        to_browser_read, from_browser_write = above_nine(to_browser_read), above_nine(from_browser_write)
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write}',
             chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", *flags, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_read, from_browser_write))
        os.close(to_browser_read)
        os.close(from_browser_write)
        os.set_blocking(self.from_browser, False)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.timeout = timeout
        self.call("Target.setDiscoverTargets", {"discover": False})

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline):
        """Returns the next message, waiting until the deadline (monotonic seconds)."""
        while b"\0" not in self.buffer:
            if self.process.poll() is not None:
                raise ProtocolError(f"chromium exited ({self.process.returncode})")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer in time")
            try:
                chunk = os.read(self.from_browser, 1 << 20)
            except BlockingIOError:
                time.sleep(0.002)
                continue
            if not chunk:
                raise ProtocolError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def poll_events(self, wait=0.0):
        """Reads what has arrived (for up to `wait` seconds) into self.events."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self.events.append(self._read(deadline))
            except TimeoutError:
                return

    def new_page(self, network=False):
        return Page(self, network)


class Page:
    """A tab in a browser context of its own."""

    def __init__(self, browser, network=False):
        self.browser = browser
        self.context = browser.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        self.target = browser.call("Target.createTarget",
                                   {"url": "about:blank", "browserContextId": self.context})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        if network:
            self.call("Network.enable")

    def call(self, method, params=None, timeout=None):
        return self.browser.call(method, params, self.session, timeout)

    def events(self, method):
        """The events of this page with that method, in order (those read so far)."""
        return [event["params"] for event in self.browser.events
                if event.get("sessionId") == self.session and event.get("method") == method]

    def navigate(self, url):
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise ProtocolError(f"navigating to {url}: {result['errorText']}")

    def evaluate(self, expression, timeout=None):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            raise ProtocolError(f"{expression}: {result['exceptionDetails'].get('text')} "
                                f"{result['exceptionDetails'].get('exception', {}).get('description', '')}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30, interval=0.02):
        """Evaluates until the value is truthy; returns it, or None when the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except ProtocolError:  # e.g. the context went away during a navigation
                value = None
            if value:
                return value
            time.sleep(interval)
        return None

    def close(self):
        try:
            self.browser.call("Target.disposeBrowserContext", {"browserContextId": self.context})
        except ProtocolError:
            pass
