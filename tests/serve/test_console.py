"""The web console at `/console`, in a real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
Selenium): every page loads with no error in the browser's console, the plots show the counts of a known
sequence of invokes, errors and throttles, the invoke form answers with the function's response and log tail,
the log tail shows what the function printed, the async queue, dead letters, versions and aliases are there.
Screenshots are kept under tests/artifacts/console/ (git-ignored; each path is printed). Beyond loopback the
console asks for an access key (HTTP Basic auth)."""

from __future__ import annotations

import base64
import json
import shutil
import urllib.error
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import ROOT, wait_for

from .conftest import ROOT_ONLY, Serve, create, queue_while_throttled

pytestmark = ROOT_ONLY

# Async retries (1 and 2 minutes on Lambda) scaled down, for the dead letter.
SERVE_ARGS = ("--async-delay-scale", "0.01")

ARTIFACTS = ROOT / "tests" / "artifacts" / "console"

# The pages poll every 2–5 s; a loaded CI machine gets a minute.
PATIENCE = 60


@pytest.fixture(scope="module")
def browser():
    opts = Options()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    # CI runs as root: Chromium's own sandbox needs a user namespace it cannot have there.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--force-color-profile=srgb", "--lang=en-US"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=opts,
        service=ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    yield driver
    driver.quit()


def until(driver, predicate, what: str, timeout: float = PATIENCE):
    """Waits for `predicate(driver)`, through the pages' re-renders (stale or missing elements meanwhile)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.25,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                         ).until(predicate, message=f"waiting for {what}")


def browser_errors(driver) -> list[dict]:
    """What the page logged as errors (and uncaught exceptions) since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def shot(driver, name: str) -> None:
    """A screenshot of the whole page, kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size["width"], min(max(height + 120, size["height"]), 6000))
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(size["width"], size["height"])
    print(f"console screenshot: {path}")


def summary(driver, metric: str) -> dict:
    fig = driver.find_element(By.CSS_SELECTOR, f'figure[data-metric="{metric}"]')
    return json.loads(fig.get_attribute("data-summary"))


def rows(driver, css: str):
    return driver.find_elements(By.CSS_SELECTOR, css)


def text_of(el) -> str:
    """All of an element's text, also what a closed <details> hides."""
    return el.get_attribute("textContent")


def test_the_pages_plot_a_known_sequence(server, lam, browser):
    name = "console-seq"
    create(lam, name)
    for i in range(3):
        assert "FunctionError" not in lam.invoke(FunctionName=name, Payload=json.dumps({"print": f"ok-{i}"}).encode())
    for _ in range(2):
        assert lam.invoke(FunctionName=name, Payload=b'{"fail": "boom"}')["FunctionError"] == "Unhandled"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name, Payload=b"{}")
    lam.delete_function_concurrency(FunctionName=name)

    browser.get(f"{server.endpoint}/console/")
    spark = f'tr[data-function="{name}"] svg.spark'
    until(browser, lambda d: d.find_element(By.CSS_SELECTOR, spark).get_attribute("data-total") == "5",
          "the functions page's sparkline to count 5 invocations")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-function="{name}"]')
    assert "provided.al2023" in row.text and "128 MB" in row.text and "Active" in row.text
    shot(browser, "functions")
    assert browser_errors(browser) == []

    row.find_element(By.LINK_TEXT, name).click()
    until(browser, lambda d: summary(d, "invocations")["invocations"]["total"] == 5,
          "the invocations plot to count 5")
    assert browser.current_url.endswith(f"/console/fn/{name}")
    assert summary(browser, "errors")["errors"]["total"] == 2
    assert summary(browser, "throttles")["throttles"]["total"] == 1
    # The invokes ran one after another: one environment, one cold start.
    assert summary(browser, "coldStarts")["coldStarts"]["total"] == 1
    assert summary(browser, "concurrency")["concurrency"]["max"] == 1
    for metric, key in [("duration", "p50"), ("duration", "p99"), ("initDuration", "initDuration"),
                        ("memory", "memory")]:
        assert summary(browser, metric)[key]["points"] >= 1, (metric, key)
    # The hidden table holds every minute of the window (1 h: 60) with the counts.
    table = browser.find_element(By.CSS_SELECTOR, 'figure[data-metric="invocations"] table.chart-data')
    cells = [text_of(td) for td in table.find_elements(By.CSS_SELECTOR, "tr td:nth-child(2)")]
    assert len(cells) == 60 and sum(int(c) for c in cells) == 5
    # The latest invocations with their REPORT figures; the errors marked.
    until(browser, lambda d: len(rows(d, "#recent tr[data-request-id]")) == 5, "5 recent invocations")
    assert len(rows(browser, "#recent tr.failed")) == 2
    assert "128 MB" in browser.find_element(By.CSS_SELECTOR, "#recent tbody").text
    # Its environment on this host, back in the pool.
    until(browser, lambda d: [r.get_attribute("data-status") for r in rows(d, "#environments tr[data-status]")]
          in (["frozen"], ["idle"]), "its one environment, idle")
    shot(browser, "function")
    assert browser_errors(browser) == []


def test_the_invoke_form_and_the_log_tail(server, lam, browser):
    name = "console-form"
    create(lam, name)
    browser.get(f"{server.endpoint}/console/fn/{name}")
    area = until(browser, lambda d: d.find_element(By.ID, "payload"), "the payload editor")
    go = browser.find_element(By.ID, "invoke")
    area.clear()
    area.send_keys('{"print": "typed-in-the-console"')
    # Not JSON yet: said, and not sent.
    until(browser, lambda d: not go.is_enabled(), "the invoke button to be disabled")
    assert "Not JSON" in browser.find_element(By.ID, "json-state").text
    area.send_keys("}")
    until(browser, lambda d: go.is_enabled(), "the invoke button to be enabled")
    go.click()
    result = browser.find_element(By.ID, "invoke-result")
    until(browser, lambda d: result.get_attribute("data-status") == "200", "the invoke's answer")
    assert result.get_attribute("data-function-error") == ""
    response = json.loads(browser.find_element(By.CSS_SELECTOR, "#invoke-result pre.response").text)
    assert response["event"] == {"print": "typed-in-the-console"}
    assert response["version"] == "$LATEST"
    tail = browser.find_element(By.CSS_SELECTOR, "#invoke-result pre.logtail").text
    assert "typed-in-the-console" in tail and "REPORT RequestId:" in tail
    # The live log tail shows the line the function printed.
    until(browser, lambda d: any("typed-in-the-console" in li.text for li in rows(d, "#log li")),
          "the printed line in the log tail")
    shot(browser, "invoke")

    # A function error is shown as one, with the function's answer.
    area.clear()
    area.send_keys('{"fail": "from the form"}')
    go.click()
    until(browser, lambda d: result.get_attribute("data-function-error") == "Unhandled", "the function error")
    assert result.get_attribute("data-status") == "200"
    assert "from the form" in result.text and "Function error" in result.text
    assert browser_errors(browser) == []


def test_queue_dead_letters_versions_and_aliases(server, lam, browser):
    name = "console-async"
    create(lam, name)
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="the second")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    # One dead letter: a failing event with no retries.
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": "to-the-dead-letters"}')

    def dead_letters():
        with urllib.request.urlopen(f"{server.endpoint}/lambkin/v1/functions/{name}/dead-letters") as r:
            return json.loads(r.read())["deadLetters"]

    wait_for(dead_letters, timeout=PATIENCE, interval=0.2, what="the dead letter")
    # Two events that wait in the queue while the function is throttled.
    queue_while_throttled(lam, name, "waiting", 2)
    try:
        browser.get(f"{server.endpoint}/console/fn/{name}")
        until(browser, lambda d: len(rows(d, "#queue tr[data-request-id]")) == 2, "2 waiting events")
        payloads = " ".join(text_of(r) for r in rows(browser, "#queue tr[data-request-id]"))
        assert "waiting-0" in payloads and "waiting-1" in payloads
        until(browser, lambda d: len(rows(d, "#dead-letters tr[data-request-id]")) == 1, "the dead letter")
        letter = text_of(browser.find_element(By.CSS_SELECTOR, "#dead-letters tr[data-request-id]"))
        assert "to-the-dead-letters" in letter and "RetriesExhausted" in letter
        alias = browser.find_element(By.CSS_SELECTOR, '#versions-aliases tr[data-alias="live"]').text
        assert "1: 75%" in alias and "2: 25%" in alias
        versions = [r.get_attribute("data-version") for r in rows(browser, "#versions-aliases tr[data-version]")]
        assert versions == ["$LATEST", "1", "2"]
        options = [o.get_attribute("value") for o in rows(browser, "#qualifier option")]
        assert options == ["", "1", "2", "live"]
        # Another window: 24 h of one-minute points.
        browser.find_element(By.CSS_SELECTOR, 'button[data-window="24h"]').click()
        until(browser, lambda d: d.find_element(By.ID, "plots").get_attribute("data-window") == "24h",
              "the 24 h plots")
        assert "window=24h" in browser.current_url
        table = browser.find_element(By.CSS_SELECTOR, 'figure[data-metric="invocations"] table.chart-data')
        assert len(table.find_elements(By.CSS_SELECTOR, "tr td:first-child")) == 1440
        shot(browser, "async")
        assert browser_errors(browser) == []
    finally:
        lam.delete_function_concurrency(FunctionName=name)


def fetch(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """(status, headers, body) of a plain HTTP request."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_files_are_embedded_with_etags_and_a_strict_policy(server):
    status, headers, body = fetch(f"{server.endpoint}/console/fn/anything")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/console/assets/app.js" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    status, headers, body = fetch(f"{server.endpoint}/console/assets/charts.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    etag = headers["ETag"]
    status, _, body = fetch(f"{server.endpoint}/console/assets/charts.js", headers={"If-None-Match": etag})
    assert status == 304 and body == b""
    assert fetch(f"{server.endpoint}/console/assets/nope.js")[0] == 404
    assert fetch(f"{server.endpoint}/console/api/functions/nope")[0] == 404
    # An invoke from a page of another origin cannot carry the console's header.
    status, _, body = fetch(f"{server.endpoint}/console/api/functions/nope/invoke", method="POST", body=b"{}")
    assert status == 403


def test_beyond_loopback_the_console_asks_for_an_access_key():
    s = Serve("--access-key", "AKIDCONSOLE:console-secret", listen_host="0.0.0.0")
    try:
        # The server listens on 0.0.0.0, not loopback: a public address's rules apply.
        for path in ("/console", "/console/assets/app.js", "/console/api/functions"):
            status, headers, _ = fetch(f"{s.endpoint}{path}")
            assert status == 401, path
            assert headers["WWW-Authenticate"].startswith('Basic realm="lambkin"')
        wrong = base64.b64encode(b"AKIDCONSOLE:not-the-secret").decode()
        assert fetch(f"{s.endpoint}/console", headers={"Authorization": f"Basic {wrong}"})[0] == 401
        good = {"Authorization": "Basic " + base64.b64encode(b"AKIDCONSOLE:console-secret").decode()}
        status, headers, body = fetch(f"{s.endpoint}/console/", headers=good)
        assert status == 200 and b"/console/assets/app.js" in body
        status, _, body = fetch(f"{s.endpoint}/console/api/functions", headers=good)
        assert status == 200 and json.loads(body)["functions"] == []
    finally:
        s.close()
