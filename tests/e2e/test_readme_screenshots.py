"""The README's pictures, taken from the running app: the board on a desktop, the idea form on
a phone, a page of the printed pack. They are saved under var/screenshots/readme-*.png; copy
them to docs/ when the screens change (docs/board.png, docs/idea-form-phone.png,
docs/pack.png)."""

from playwright.sync_api import expect

from demo.seed import PASSWORD
from journeys.models import Journey
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import DESKTOP, PHONE, log_in


def test_readme_screenshots(new_page, screenshot):
    seeded_demo()
    journey = Journey.objects.get(organisation__slug="nordic-air", name="Business trip")

    desk = new_page(**DESKTOP)
    log_in(desk, "bob@nordic-air.example", PASSWORD)
    desk.goto(f"/o/nordic-air/journeys/{journey.pk}/")
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Business trip")
    screenshot(desk, "readme-board")

    desk.goto(f"/o/nordic-air/journeys/{journey.pk}/pack/")
    expect(desk.locator(".pack-journey")).to_be_visible()
    desk.emulate_media(media="print")
    screenshot(desk, "readme-pack")

    phone = new_page(**PHONE)
    log_in(phone, "carol@nordic-air.example", PASSWORD)
    phone.goto("/o/nordic-air/ideas/new/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    screenshot(phone, "readme-idea-form-phone")
