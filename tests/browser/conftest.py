"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

Chromium comes from Debian (`make test` installs the `chromium` package when it is missing);
Playwright never downloads a browser here. Screenshots of the key pages land in
test-artifacts/screenshots/ (`make screenshots` copies them to docs/screenshots/).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from matchmaker.worker import start_in_process

CHROMIUM = os.environ.get("MATCHMAKER_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def live_server(app, use_embedder, real_embedder) -> Iterator[str]:
    """The test app on a free local port, in a thread, with its worker in another, as `matchmaker serve`
    runs them; yields its base URL.

    CSRF protection is on, as in production: the browser submits the forms with their real tokens. The
    index uses the real embedding model: what the pages list is what a user would be shown.
    """
    app.config["WTF_CSRF_ENABLED"] = True
    use_embedder(real_embedder)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = start_in_process(app)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        worker.stop()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (its own cookies): `page = new_page("desktop")`."""
    contexts = []

    def open_page(viewport: str = "desktop"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_width(page) -> bool:
    """True when the page fits the viewport's width (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def screenshot_both_widths(page, name: str) -> None:
    """Save `<name>-phone.png` and `<name>-desktop.png` of the page as it is; the phone layout must fit.

    The viewport is resized in place (same page, same state) and left at desktop width.
    """
    for viewport in ("phone", "desktop"):
        page.set_viewport_size(VIEWPORTS[viewport])
        if viewport == "phone":
            assert fits_width(page), f"{name}: the phone layout scrolls sideways ({page.url})"
        screenshot(page, f"{name}-{viewport}")


@pytest.fixture
def screenshots():
    """`screenshots(page, "search")` saves search-phone.png and search-desktop.png (see screenshot_both_widths)."""
    return screenshot_both_widths


@pytest.fixture
def fits():
    """`assert fits(page)`: the page does not scroll sideways."""
    return fits_width


@pytest.fixture
def log_in(live_server):
    """Log in through the login form, as a person would: `log_in(page, email)`."""

    def submit(page, email: str, password: str = "correct horse battery") -> None:
        page.goto(f"{live_server}/login")
        page.get_by_label("电子邮箱").fill(email)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="退出").wait_for()

    return submit
