"""The new API token's Copy button in a real browser: it copies, says "Copied", and without
JavaScript there is no button, only the token to select."""

from django.urls import reverse
from playwright.sync_api import expect

from demo.seed import PASSWORD
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import PHONE, log_in

CAROL = "carol@nordic-air.example"


def _create_token(page):
    page.goto(reverse("api_token_list", args=["nordic-air"]))
    page.get_by_label("Name").fill("Power BI")
    page.get_by_role("button", name="Create token").click()
    box = page.locator(".message--success")
    expect(box).to_be_visible()
    return box


def test_the_copy_button_puts_the_new_token_on_the_clipboard(new_page, live_server, screenshot):
    seeded_demo()
    page = new_page(permissions=["clipboard-read", "clipboard-write"], **PHONE)
    log_in(page, CAROL, PASSWORD)
    box = _create_token(page)
    token = box.get_by_label("New token").input_value()
    assert token.startswith("mm_")
    button = box.locator("button")
    expect(button).to_have_text("Copy")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    # The page does not scroll sideways (the tokens table scrolls inside its own box), and
    # the token's field and the button fit the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    for element in (box.get_by_label("New token"), button):
        edge = element.bounding_box()
        assert edge["x"] >= 0 and edge["x"] + edge["width"] <= PHONE["viewport"]["width"]
    screenshot(page, "api-token-copied-phone", full_page=True)


def test_without_javascript_the_token_is_shown_and_no_button_does_nothing(new_page, live_server):
    seeded_demo()
    page = new_page(java_script_enabled=False)
    log_in(page, CAROL, PASSWORD)
    box = _create_token(page)
    field = box.get_by_label("New token")
    assert field.input_value().startswith("mm_")
    expect(field).to_have_attribute("readonly", "")
    expect(box.get_by_role("button")).to_have_count(0)
