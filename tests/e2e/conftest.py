"""Browser tests: Playwright's Python API driving Debian's Chromium against a live server.

They skip with a clear reason when no Chromium is found, and fail instead when
MOTMAP_REQUIRE_E2E=1 (CI), so that they can never skip silently there.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path():
    candidate = os.environ.get("MOTMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if candidate and Path(candidate).exists() else None


def pytest_collection_modifyitems(items):
    # With pytest-xdist each module of this folder runs whole in one worker: see
    # pytest_xdist_make_scheduler in tests/conftest.py.
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        reason = "No Chromium found (install Debian's chromium or set MOTMAP_CHROMIUM)."
        if os.environ.get("MOTMAP_REQUIRE_E2E") == "1":
            pytest.fail(f"MOTMAP_REQUIRE_E2E=1 but: {reason}")
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # plain synchronous code, so tell Django so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies), e.g. with JavaScript off.

    Every page it opens fails the test on a JavaScript error or a console error (CSP
    violations are reported there).
    """
    contexts = []
    errors = []

    def open_page(**context_options):
        options = {"viewport": {"width": 1280, "height": 900}, **context_options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript or CSP errors in the browser: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, **kwargs):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), **kwargs)
        return path

    return take


def log_in(page, email, password):
    """Log in with the login form's own POST, in the page's context (its cookies), and open the
    page the app lets us into.

    The form is sent as the browser would send it (its CSRF token, the real view) but not drawn
    first: that page is seen and filled by hand in tests/e2e/test_ideas.py (the login a QR link
    asks for) and the login itself is tested in tests/motmap.
    """
    page.request.get("/accounts/login/")  # the CSRF cookie
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        "/accounts/login/",
        form={"csrfmiddlewaretoken": token, "username": email, "password": password},
        max_redirects=0,
    )
    assert response.status == 302, f"{email} was not let in ({response.status})"
    page.goto(response.headers["location"])


DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# axe-core, vendored for the tests only (tests/e2e/vendor/README.md): never served to users.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, tags=WCAG_21_AA):
    """Run axe-core on the page as it is now; its violations as plain dicts.

    The script is evaluated through the DevTools protocol (here, or for every page of a context
    with context.add_init_script(path=AXE_SCRIPT)), so the site's CSP (no inline script) stays
    as it is. Each violation: id, impact, tags, help, helpUrl and its nodes (target, html,
    impact, failureSummary).
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, tags: v.tags, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.map(String), html: n.html, impact: n.impact,
                    failureSummary: n.failureSummary,
                })),
            }));
        }""",
        tags,
    )
