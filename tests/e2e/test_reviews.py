"""The review meeting in a real browser: bob walks the demo journey, rates, agrees an action,
completes the review and reads it back as a record, on a desktop and at phone width.
"""

import re
from datetime import timedelta

from playwright.sync_api import expect

from demo.seed import PASSWORD
from reviews.models import Action, Review, ReviewStatus
from reviews.services import local_today
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import log_in
from touchpoints.models import Touchpoint

BOB = "bob@nordic-air.example"
RECORD = "A completed review is a record; it cannot be changed."
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def field(scope, label):
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def section(page, name):
    """The review page's section of one touchpoint."""
    return page.locator("article.review-tp").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(re.escape(name)))
    )


def start_review(page):
    seeded_demo()
    log_in(page, BOB, PASSWORD)
    page.goto("/o/nordic-air/")
    page.get_by_role("heading", name="Business trip").get_by_role("link").click()
    expect(page.get_by_test_id("next-review")).to_be_visible()
    page.get_by_role("link", name="Start review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Start a review of Business trip")
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review of Business trip")


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_bob_runs_a_review_and_reads_it_back_as_a_record(new_page, screenshot):
    page = new_page()
    start_review(page)
    today = local_today(Review.objects.get(status=ReviewStatus.IN_PROGRESS).organisation)

    desk = section(page, "Check-in desk")
    desk.get_by_label("★ Wows (+2)").check()
    field(desk, "What changed").fill("Agents greet by name since the badge week.")
    desk.get_by_role("button", name="Save Check-in desk").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"saved\."))
    assert re.search(r"#tp-\d+$", page.url)
    expect(section(page, "Check-in desk").get_by_label("★ Wows (+2)")).to_be_checked()

    desk = section(page, "Check-in desk")
    desk.get_by_text("Add an action").click()
    field(desk, "What").fill("Badge week for the bag drop team too")
    field(desk, "Who").select_option(label="Bob Berg (bob@nordic-air.example)")
    field(desk, "By when").fill((today + timedelta(days=14)).isoformat())
    desk.get_by_role("button", name="Add action").click()
    expect(page.locator(".messages")).to_contain_text("1 action agreed.")
    expect(section(page, "Check-in desk")).to_contain_text("Badge week for the bag drop team too")
    screenshot(page, "review-in-progress", full_page=True)

    page.get_by_role("button", name="Complete review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete the review?")
    field(page, "Summary of the meeting").fill("Check-in now wows; bag drop next.")
    # Tasks run eagerly here: the meeting's pack (a PDF) is made in this request.
    page.get_by_role("button", name="Yes, complete the review").click(timeout=60_000)

    expect(page.locator(".messages")).to_contain_text("Review completed.")
    expect(page.get_by_text(RECORD)).to_be_visible()
    expect(page.locator("form.review-tp__form")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Save"))).to_have_count(0)
    desk = section(page, "Check-in desk")
    expect(desk.get_by_test_id("rated")).to_contain_text("Wows")
    spark = desk.locator("svg.sparkline")
    expect(spark).to_have_attribute("aria-label", re.compile(r"ratings: .*\+2$"))
    expect(page.locator("#actions")).to_contain_text("Badge week for the bag drop team too")
    screenshot(page, "review-record", full_page=True)

    tp = Touchpoint.objects.get(journey__name="Business trip", name="Check-in desk")
    assert tp.rating_current == 2
    assert Action.objects.filter(title__startswith="Badge week", owner__email=BOB).exists()

    page.goto(f"/o/nordic-air/touchpoints/{tp.pk}/")
    expect(page.get_by_test_id("trend").locator("svg.sparkline")).to_have_attribute(
        "aria-label", re.compile(r"^Check-in desk, ratings: ")
    )

    page.goto(f"/o/nordic-air/journeys/{tp.journey_id}/")
    expect(page.locator("svg.curve__svg polyline.curve__previous")).to_have_count(1)
    expect(page.get_by_role("link", name="Past reviews")).to_be_visible()
    page.get_by_text("Show the curve as a table").click()
    expect(page.locator(".curve__table thead")).to_contain_text("Previous review")
    screenshot(page, "board-with-previous-review")

    phone = new_page(**PHONE)
    log_in(phone, BOB, PASSWORD)
    phone.goto("/o/nordic-air/reviews/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Reviews and actions")
    expect(phone.locator("#actions")).to_contain_text("Agree morning fast-track staffing")
    review = Review.objects.filter(status=ReviewStatus.COMPLETED).order_by("-completed_at").first()
    phone.goto(f"/o/nordic-air/reviews/{review.pk}/")
    expect(phone.get_by_text(RECORD)).to_be_visible()
    no_sideways_scroll(phone)
    screenshot(phone, "review-record-phone", full_page=True)


def test_a_review_works_at_phone_width_without_javascript(new_page, screenshot):
    phone = new_page(java_script_enabled=False, **PHONE)
    start_review(phone)
    no_sideways_scroll(phone)
    gate = section(phone, "At the gate")
    gate.get_by_label("▲ Pleases (+1)").check()
    gate.get_by_role("button", name="Save At the gate").click()
    expect(phone.locator(".messages")).to_contain_text("1 moment saved.")
    expect(section(phone, "At the gate").get_by_label("▲ Pleases (+1)")).to_be_checked()

    # A due date in the past: the message, the typed text kept, nothing saved.
    gate = section(phone, "At the gate")
    gate.get_by_text("Add an action").click()
    field(gate, "What").fill("Announce the boarding time every 15 minutes")
    field(gate, "Who").select_option(label="Bob Berg (bob@nordic-air.example)")
    field(gate, "By when").fill("2020-01-01")
    gate.get_by_role("button", name="Add action").click()
    gate = section(phone, "At the gate")
    expect(gate).to_contain_text("The due date cannot be in the past.")
    expect(field(gate, "What")).to_have_value("Announce the boarding time every 15 minutes")
    assert not Action.objects.filter(title__startswith="Announce").exists()
    screenshot(phone, "review-phone-error", full_page=False)
    no_sideways_scroll(phone)


def test_bob_corrects_the_date_then_cancels_the_review_started_by_mistake(new_page, screenshot):
    page = new_page(java_script_enabled=False)
    start_review(page)
    review = Review.objects.get(status=ReviewStatus.IN_PROGRESS)
    yesterday = local_today(review.organisation) - timedelta(days=1)

    page.get_by_role("link", name="Edit date and attendees").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit the review of Business trip")
    field(page, "Date of the review").fill("2001-01-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a date within a year of today.")
    field(page, "Date of the review").fill(yesterday.isoformat())
    field(page, "Guests").fill("Anna from the supplier")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Review details saved.")
    expect(page.get_by_text("Anna from the supplier")).to_be_visible()
    review.refresh_from_db()
    assert review.held_on == yesterday

    page.get_by_role("link", name="Cancel review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel the review of")
    screenshot(page, "review-cancel-confirm", full_page=True)
    assert Review.objects.filter(pk=review.pk).exists()
    page.get_by_role("button", name="Yes, cancel the review").click()
    expect(page.locator(".messages")).to_contain_text("Review cancelled.")
    expect(page.get_by_role("link", name="Start review")).to_be_visible()
    assert not Review.objects.filter(pk=review.pk).exists()


def _meeting_scenario(page):
    """Found from outside: "Pleases" and a note typed on card 2, then Save pressed on card 3."""
    start_review(page)
    review = Review.objects.get(status=ReviewStatus.IN_PROGRESS)
    second = page.locator("#tp-2")
    second.get_by_label("▲ Pleases (+1)").check()
    field(second, "What changed").fill("Shorter queue since the second desk opened")
    page.locator("#tp-3").get_by_role("button", name=re.compile(r"^Save ")).click()
    expect(page.locator(".messages")).to_contain_text("saved.")
    expect(page.locator("#meeting-progress")).to_contain_text("1 of")
    second = page.locator("#tp-2")
    expect(second.get_by_label("▲ Pleases (+1)")).to_be_checked()
    expect(field(second, "What changed")).to_have_value(
        "Shorter queue since the second desk opened"
    )
    row = review.ratings.get(position=2)
    assert (row.rating, row.note) == (1, "Shorter queue since the second desk opened")
    return review


def test_saving_another_card_loses_nothing_without_javascript(new_page, screenshot):
    page = new_page(java_script_enabled=False)
    _meeting_scenario(page)
    screenshot(page, "review-meeting-no-js")


def test_each_card_saves_itself_and_leaving_with_unsaved_text_asks_first(new_page, screenshot):
    page = new_page()
    review = _meeting_scenario(page)

    # A card saves itself on change, and says so beside the card.
    fourth = page.locator("#tp-4")
    fourth.get_by_label("▼ Disappoints (−1)").check()
    expect(fourth.get_by_role("status")).to_contain_text("Saved at")
    expect(page.locator("#meeting-progress")).to_contain_text("2 of")
    assert review.ratings.get(position=4).rating == -1
    # Changing it again after the save (the version moved on) saves again, no conflict.
    field(fourth, "Desired outcome").fill("Bags back within 20 minutes")
    field(fourth, "What changed").click()
    expect(fourth.get_by_role("status")).to_contain_text("Saved at")
    row = review.ratings.get(position=4)
    assert row.touchpoint.desired_outcome == "Bags back within 20 minutes"
    screenshot(page, "review-meeting-autosave")

    # Typed but not saved (the field still has focus): leaving asks first.
    field(page.locator("#tp-5"), "What changed").fill("Typed, not saved yet")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator(".breadcrumb").get_by_role("link", name="Reviews", exact=True).click()
    expect(page.locator("#tp-5")).to_be_visible()
    assert asked == ["beforeunload"]
    assert "/reviews/" in page.url and str(review.pk) in page.url

    # Complete review saves what is typed first.
    page.get_by_role("button", name="Complete review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete the review?")
    assert review.ratings.get(position=5).note == "Typed, not saved yet"
