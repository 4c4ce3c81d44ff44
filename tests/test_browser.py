"""The web UI in a real Chromium, against a real `wire serve` on a loopback port.

Needs Debian's Chromium at /usr/bin/chromium and the playwright package (no
browser download). Without Chromium these tests skip, unless WIRE_REQUIRE_BROWSER=1
(CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_SECONDS = 20


def require_browser() -> None:
    """Skip (or fail in CI) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if os.environ.get("WIRE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here, but {problem}")
        pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"wire serve exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"wire serve did not answer within {SERVER_START_SECONDS} s: {log.read_text()}")


@contextmanager
def running_server(
    index_dir: Path, log: Path, *options: str, wire_options: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `wire serve` over `index_dir` on a free loopback port: (base URL, process);
    `wire_options` go before the command (--backend sphinx ...)."""
    port = free_port()
    wire = Path(sys.executable).with_name("wire")
    command = [
        str(wire),
        *wire_options,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--index",
        str(index_dir),
        *options,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/", proc, log)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`wire serve` over the test index; yields its base URL. On Whoosh, or on the
    Sphinx servers for tests parametrized with ("server", ["sphinx"], indirect=True)."""
    require_browser()
    options: tuple[str, ...] = ()
    if getattr(request, "param", "whoosh") == "sphinx":
        config = request.getfixturevalue("sphinx_config")
        index_dir = request.getfixturevalue("sphinx_index")
        options = ("--backend", "sphinx", "--sphinx-search", config.sphinx_search)
        options += ("--sphinx-shards", config.sphinx_shards)
    else:
        index_dir = request.getfixturevalue("index_dir")
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with running_server(index_dir, log, wire_options=options) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it never should: dialogs (alert), console errors, JS errors."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.problems: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.problems.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()


def open_page(browser, server: str, viewport=DESKTOP, javascript: bool = True):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, base_url=server, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page, Watch(page)


@pytest.fixture
def desktop(browser, server):
    context, page, watch = open_page(browser, server)
    yield page
    context.close()
    assert watch.problems == []


@pytest.fixture
def phone(browser, server):
    context, page, watch = open_page(browser, server, viewport=PHONE)
    yield page
    context.close()
    assert watch.problems == []


@pytest.mark.parametrize("server", ["whoosh", "sphinx"], indirect=True)
def test_search_page_facet_and_story(desktop):
    page = desktop
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus
    page.keyboard.type("government")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=government")
    assert page.locator(".hit").count() == 10
    assert page.locator(".hit-snippet mark").count() >= 10
    assert page.locator(".hit-snippet mark").first.inner_text().lower().startswith("government")

    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**/search?q=government&page=2")
    assert page.locator(".pagination [aria-current=page]").inner_text().strip().endswith("2")

    page.locator("#facet-agency + ul a", has_text="PTI").click()
    page.wait_for_url("**/search?q=government&agency=PTI")
    metas = page.locator(".hit .meta-agency").all_inner_texts()
    assert metas and set(metas) == {"PTI"}

    title = page.locator(".hit-title a").first.inner_text()
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/story/**")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".story-body mark").count() >= 1
    assert page.locator(".related li").count() >= 1


def test_did_you_mean(desktop):
    page = desktop
    page.goto("/")
    page.fill("#q", "monsoom")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=monsoom")
    suggestion = page.locator(".did-you-mean a")
    assert suggestion.inner_text() == "monsoon"
    suggestion.click()
    page.wait_for_url("**/search?q=monsoon")
    assert page.locator(".hit").count() >= 1
    assert page.locator(".did-you-mean").count() == 0


@pytest.mark.parametrize("server", ["whoosh", "sphinx"], indirect=True)
def test_sort_and_date_range(desktop):
    page = desktop
    page.goto("/search?q=government")
    page.get_by_role("link", name="Newest").click()
    page.wait_for_url("**/search?q=government&sort=newest")
    page.fill("#from", "2023-06-01")
    page.fill("#to", "2023-12-31")
    page.get_by_role("button", name="Apply dates").click()
    # the script leaves nothing empty in the URL; the form keeps the sort
    page.wait_for_url("**/search?q=government&sort=newest&from=2023-06-01&to=2023-12-31")
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and dates == sorted(dates, reverse=True)
    assert all("2023-06-01" <= d <= "2023-12-31" for d in dates)


@pytest.mark.parametrize("server", ["whoosh", "sphinx"], indirect=True)
def test_injected_script_never_runs(browser, server):
    context, page, watch = open_page(browser, server)
    page.goto("/search?q=hostile")
    assert page.locator(".hit").count() == 2
    assert "<script>alert(1)</script>" in page.locator(".hit-title a").all_inner_texts()[0] + "".join(
        page.locator(".hit-title a").all_inner_texts()
    )
    for link in page.locator(".hit-title a").all():
        href = link.get_attribute("href")
        page.goto(href)
        page.wait_for_load_state("load")
        page.go_back()
    page.goto("/search?q=" + quote('"><script>alert(1)</script><img src=x onerror=alert(1)>'))
    page.goto("/story/hostile-script?q=" + quote("<script>alert(3)</script>"))
    assert page.locator(".source").count() == 0
    page.wait_for_timeout(300)
    context.close()
    assert watch.problems == []


def test_keyboard_skip_link_and_focus_outline(desktop):
    page = desktop
    page.goto("/search?q=government")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_works_without_javascript(browser, server):
    context, page, watch = open_page(browser, server, javascript=False)
    page.goto("/")
    page.fill("#q", "monsoon")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=monsoon")
    assert page.locator(".hit").count() >= 1
    assert page.locator(".filters-panel[open]").count() == 1
    page.locator("#facet-year + ul a").first.click()
    page.wait_for_url("**/search?q=monsoon&year=*")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url("**/search?q=monsoon&year=*")
    assert page.locator(".hit").count() >= 1
    context.close()
    assert watch.problems == []


def test_phone_layout_folds_filters(phone):
    page = phone
    page.goto("/search?q=government")
    assert page.locator(".filters-panel[open]").count() == 0  # wire.js folds them
    page.locator(".filters-panel summary").click()
    assert page.locator(".filters-panel[open]").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways"


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots(browser, server, name, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, watch = open_page(browser, server, viewport=viewport)
    pages = {
        "results": "/search?q=government&agency=PTI&agency=Reuters",
        "home": "/",
        "story": "/story/000_622617eaaf54721c?q=defence%20innovation",
        "empty": "/search?q=monsoom",
    }
    for label, path in pages.items():
        page.goto(path)
        page.screenshot(path=str(SCREENSHOTS / f"{label}-{name}.png"), full_page=label != "story")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{label} scrolls sideways at {name} width"
    context.close()
    assert watch.problems == []
