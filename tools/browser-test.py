#!/usr/bin/env python3
"""The browser as a ZeroMQ peer: examples/sensor_pub.c publishes over ws:// and
examples/sensor_page.html, in a real headless Chromium, subscribes over the
browser's own WebSocket (bare ZWS2.0) and shows the samples.

    tools/browser-test.py [--libdir DIR] [--rounds N] [--interval-ms MS]

The C publisher binds ws://127.0.0.1:*/sensors on DIR's libzmq.so.5 (default
build/lib, ours) and prints the port it got; the page is opened with that
endpoint and the number of samples to expect in its query string. The
publisher (an XPUB) sends nothing until the page's subscription has reached
it, so no sample is lost to a late join and none is waited for with a sleep.
Chromium is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe), from the standard library only: the test waits for
the page's data-done attribute (a MutationObserver), then checks its DOM
text: every sample of every sensor, in order, "received N of N", and the
publisher's own count, and each sample's values against what sensor_pub's
deterministic generator computes. Kept in build/browser/: the screenshot
sensor_page.png and Chromium's own log chromium.log.
Every step is bounded in time. Without chromium on PATH it prints SKIPPED and
exits 0, except under CI=true, where that is a failure.
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# As in sensor_pub.c: name, base temperature (m°C), base humidity (m%).
SENSORS = [("kitchen", 21500, 45000), ("cellar", 12800, 71000), ("greenhouse", 26300, 63000)]
DEADLINE_S = 60


def fail(msg):
    print(f"browser-test: FAILED: {msg}", flush=True)
    sys.exit(1)


class DevTools:
    """The DevTools protocol over Chromium's pipe: JSON messages, each ended
    by a NUL byte, requests on fd 3 of the browser, answers and events on its
    fd 4. Events that arrive while we wait for something else are kept."""

    def __init__(self, to_browser, from_browser):
        self.out = to_browser
        self.inp = from_browser
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self, until, what):
        """Reads messages until until(msg) is true for one; returns it."""
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                msg = json.loads(raw)
                if until(msg):
                    return msg
                if "method" in msg:
                    self.events.append(msg)
            left = self.end - time.monotonic()
            if left <= 0 or not select.select([self.inp], [], [], left)[0]:
                fail(f"no {what} within the time given")
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                fail(f"chromium closed its DevTools pipe while waiting for {what}")
            self.buf += chunk

    def call(self, method, timeout, session=None, **params):
        self.next_id += 1
        want = self.next_id
        req = {"id": want, "method": method, "params": params}
        if session:
            req["sessionId"] = session
        os.write(self.out, json.dumps(req).encode() + b"\0")
        self.end = time.monotonic() + timeout
        msg = self._read(lambda m: m.get("id") == want, f"answer to {method}")
        if "error" in msg:
            fail(f"{method}: {msg['error']}")
        return msg["result"]

    def wait_event(self, method, timeout, session=None):
        for n, ev in enumerate(self.events):
            if ev["method"] == method and ev.get("sessionId") == session:
                return self.events.pop(n)
        self.end = time.monotonic() + timeout
        return self._read(lambda m: m.get("method") == method and m.get("sessionId") == session,
                          f"event {method}")

    def page_log(self):
        """What the page printed or threw, from the Runtime events seen."""
        lines = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.consoleAPICalled":
                lines.append("console." + p.get("type", "?") + ": " +
                             " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif ev["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                lines.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
        return lines


def start_chromium(chromium, profile, log_path):
    """Chromium, headless, on about:blank, with its DevTools pipe on fds 3
    (requests) and 4 (answers). Our other fds are not inheritable (Python's
    default), so close_fds=False passes just these two."""
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()

    def wire_pipe():
        # Through fds above 4 first, in case a pipe end already is 3 or 4.
        a, b = os.dup2(req_r, 100), os.dup2(resp_w, 101)
        os.dup2(a, 3)
        os.dup2(b, 4)
        os.close(a)
        os.close(b)

    args = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        "--window-size=900,1100", f"--user-data-dir={profile}",
        "--remote-debugging-pipe", "about:blank",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                preexec_fn=wire_pipe, close_fds=False)
    os.close(req_r)
    os.close(resp_w)
    return proc, DevTools(req_w, resp_r)


# Resolves once the page set data-done (at once if it already has), or after
# the given time with "timeout".
WAIT_DONE = """
new Promise((resolve) => {
  const done = () => document.body && document.body.getAttribute("data-done");
  if (done()) return resolve(done());
  new MutationObserver(() => { if (done()) resolve(done()); })
    .observe(document, {attributes: true, subtree: true, childList: true});
  setTimeout(() => resolve("timeout"), %d);
})
"""

READ_PAGE = """
JSON.stringify({
  status: document.getElementById("status").textContent,
  count: document.getElementById("count").textContent,
  text: document.body.innerText,
  rows: Array.from(document.querySelectorAll("#samples tr"),
                   (tr) => Array.from(tr.cells, (td) => td.textContent)),
})
"""


def published_samples(rounds):
    """The samples sensor_pub sends, as it computes them (its generator is
    deterministic): (name, id, seq, milli-degrees, thousandths of a percent),
    in publishing order."""
    state = 2024

    def next_random():
        nonlocal state
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        return state >> 8

    out = []
    for seq in range(rounds):
        for ident, (name, base_t, base_h) in enumerate(SENSORS, 1):
            drift = (seq % 20) * 50 - 500
            noise = next_random() % 201 - 100
            out.append((name, ident, seq, base_t + drift + noise, base_h + next_random() % 2000))
    return out


def check_page(page, rounds, published):
    """Every sample the run published is in the page's table, in order, with
    the values the publisher computed, and the page's text says so."""
    expected = published_samples(rounds)
    total = len(expected)
    if published != total:
        fail(f"publisher says it sent {published} samples, expected {total}")
    if page["status"] != f"received {total} of {total} samples from {len(SENSORS)} sensors":
        fail(f"page status: {page['status']!r}")
    if page["count"] != str(total) or len(page["rows"]) != total:
        fail(f"page shows count {page['count']} and {len(page['rows'])} rows, expected {total}")
    for n, (row, want) in enumerate(zip(page["rows"], expected), 1):
        num, _when, name, ident, seq, temp, hum = row
        w_name, w_id, w_seq, w_temp, w_hum = want
        # Two decimals on the page; allow its rounding either way.
        if (num, name, ident, seq) != (str(n), w_name, str(w_id), str(w_seq)) \
                or abs(float(temp) * 1000 - w_temp) > 5.001 or abs(float(hum) * 1000 - w_hum) > 5.001:
            fail(f"row {n} is {row}, expected {want}")
    # What a person sees: the text of the page, not just the table's cells.
    for name, _, _ in SENSORS:
        if page["text"].count(name) != rounds:
            fail(f"page text shows {name} {page['text'].count(name)} times, expected {rounds}")


def find_chromium():
    """Chromium's path, or None: a skip outside CI, a failure in CI (where
    .ci/run installs it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        return chromium
    if os.environ.get("CI") == "true":
        fail("no chromium on PATH, and CI=true (.ci/run installs Debian's chromium)")
    print("browser-test: SKIPPED (no chromium on PATH; apt-get install chromium)", flush=True)
    return None


def build_publisher(libdir, out_dir):
    pub_bin = os.path.join(out_dir, "sensor_pub")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "examples", "sensor_pub.c"), "-L" + libdir, "-lzmq",
                    "-o", pub_bin], check=True, timeout=60)
    return pub_bin


def open_page(devtools, page_url):
    """Attaches to Chromium's first tab (about:blank), loads the page there and
    waits for its load event, so that what we evaluate next runs in the page's
    own document. Returns the session id."""
    targets = devtools.call("Target.getTargets", 10)["targetInfos"]
    pages = [t for t in targets if t["type"] == "page"]
    if not pages:
        fail(f"no page target among {targets}")
    session = devtools.call("Target.attachToTarget", 10, targetId=pages[0]["targetId"],
                            flatten=True)["sessionId"]
    devtools.call("Page.enable", 10, session=session)
    devtools.call("Runtime.enable", 10, session=session)
    nav = devtools.call("Page.navigate", 20, session=session, url=page_url)
    if nav.get("errorText"):
        fail(f"navigating to {page_url}: {nav['errorText']}")
    devtools.wait_event("Page.loadEventFired", 20, session=session)
    return session


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libdir", default=os.path.join(ROOT, "build", "lib"),
                    help="where the publisher's libzmq.so.5 is (default build/lib, ours)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--interval-ms", type=int, default=50)
    args = ap.parse_args()
    started = time.monotonic()

    chromium = find_chromium()
    if not chromium:
        return 0
    libdir = os.path.abspath(args.libdir)
    if not os.path.exists(os.path.join(libdir, "libzmq.so.5")):
        fail(f"no {libdir}/libzmq.so.5 (run make lib)")

    out_dir = os.path.join(ROOT, "build", "browser")
    os.makedirs(out_dir, exist_ok=True)
    shot_path = os.path.join(out_dir, "sensor_page.png")
    if os.path.exists(shot_path):
        os.unlink(shot_path)  # a stale screenshot must not pass for this run's
    pub_bin = build_publisher(libdir, out_dir)

    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    pub = subprocess.Popen(["timeout", str(DEADLINE_S), pub_bin, "ws://127.0.0.1:*/sensors",
                            str(args.rounds), str(args.interval_ms)],
                           stdout=subprocess.PIPE, env=env, text=True)
    profile = tempfile.mkdtemp(prefix="browser-test-")
    browser = None
    try:
        if not select.select([pub.stdout], [], [], 10)[0]:
            fail("publisher did not report its endpoint within 10 s")
        line = pub.stdout.readline().strip()
        m = re.fullmatch(r"endpoint (ws://127\.0\.0\.1:\d+/sensors)", line)
        if not m:
            fail(f"publisher's first line: {line!r}")
        endpoint = m.group(1)
        print(f"[pub] bound {endpoint} on {os.path.realpath(os.path.join(libdir, 'libzmq.so.5'))}",
              flush=True)

        total = args.rounds * len(SENSORS)
        page_url = ("file://" + os.path.join(ROOT, "examples", "sensor_page.html") + "?" +
                    urllib.parse.urlencode({"endpoint": endpoint, "expect": total}))
        browser, devtools = start_chromium(chromium, profile,
                                           os.path.join(out_dir, "chromium.log"))
        version = devtools.call("Browser.getVersion", 30)["product"]
        session = open_page(devtools, page_url)
        print(f"[browser] {version} loaded {page_url}", flush=True)

        # The page sets data-done when END arrives (or on an error); the
        # publisher ends after END, so the whole run is bounded by DEADLINE_S.
        left_ms = int(max(1, DEADLINE_S - 10 - (time.monotonic() - started)) * 1000)
        done = devtools.call("Runtime.evaluate", left_ms / 1000 + 5, session=session,
                             expression=WAIT_DONE % left_ms, awaitPromise=True,
                             returnByValue=True)["result"]["value"]
        shot = devtools.call("Page.captureScreenshot", 20, session=session, format="png",
                             captureBeyondViewport=True)
        with open(shot_path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"[browser] screenshot {shot_path}", flush=True)
        state = json.loads(devtools.call("Runtime.evaluate", 10, session=session,
                                         expression=READ_PAGE, returnByValue=True)
                           ["result"]["value"])
        print(f"[browser] data-done={done!r}, status {state['status']!r}", flush=True)
        for l in devtools.page_log():
            print(f"[page] {l}", flush=True)
        if done != "ok":
            fail(f"page ended with data-done={done!r}: {state['status']}")

        rest, _ = pub.communicate(timeout=20)
        for l in rest.splitlines():
            print(f"[pub] {l}", flush=True)
        if pub.returncode != 0:
            fail(f"publisher exited with {pub.returncode}")
        m = re.search(r"published (\d+) samples", rest)
        check_page(state, args.rounds, int(m.group(1)) if m else -1)
        print(f"browser-test: OK: {len(state['rows'])} of {total} samples from the C publisher "
              f"over ws:// shown by headless Chromium", flush=True)
        return 0
    finally:
        if browser:
            try:
                devtools.call("Browser.close", 5)
            except SystemExit:
                pass
            try:
                browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()
            os.close(devtools.out)
            os.close(devtools.inp)
        if pub.poll() is None:
            pub.kill()
            pub.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
