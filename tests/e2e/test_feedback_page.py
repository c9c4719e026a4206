"""A customer's answer in a real browser at phone width: from the card's address to the thanks,
with JavaScript on and off, in English and in Swedish; the desk kiosk's reset and pause; no
cookie in the browser's jar; axe finds nothing serious."""

import time

import pytest
from playwright.sync_api import expect

from feedback.models import FeedbackResponse
from feedback.services import feedback_open, kiosk_code, public_code
from tests.e2e.conftest import PHONE, axe_violations
from tests.factories import (
    JourneyFactory,
    MembershipFactory,
    OrganisationFactory,
    StageFactory,
    TouchpointFactory,
    UserFactory,
)


@pytest.fixture
def point(transactional_db):
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    manager = UserFactory(email="bob@nordic-air.example")
    MembershipFactory(organisation=org, user=manager, role="manager")
    stage = StageFactory(journey=JourneyFactory(organisation=org, name="Business trip"))
    touchpoint = TouchpointFactory(stage=stage, name="Check-in desk")
    return feedback_open(
        actor=manager,
        touchpoint=touchpoint,
        reasons=["Quick", "Friendly staff", "Clear signs"],
        translations={"sv": {"reasons": ["Snabbt", "Vänlig personal", "Tydliga skyltar"]}},
    )


@pytest.fixture
def card_address(point):
    return f"/f/{public_code(point)}/"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_the_card_to_the_thanks_at_phone_width(new_page, card_address, screenshot, javascript):
    page = new_page(java_script_enabled=javascript, **PHONE)
    page.goto(card_address)
    expect(page.get_by_role("heading", level=1)).to_have_text("How was Check-in desk today?")
    faces = page.get_by_role("group", name="How was Check-in desk today?").get_by_role("button")
    expect(faces).to_have_count(5)
    if javascript:  # axe and the width are read by a script: the page is the same without
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        serious = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        assert not serious, serious
        screenshot(page, "feedback-faces-phone", full_page=True)

    page.get_by_role("button", name="Good").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    page.get_by_label("Friendly staff").check()
    page.get_by_label("Anything to add? (optional)").fill("Kind and quick.")
    if javascript:
        serious = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        assert not serious, serious
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your answer helps us make this moment better.")).to_be_visible()

    answer = FeedbackResponse.objects.get()
    assert (answer.face, answer.reason, answer.comment) == (1, "Friendly staff", "Kind and quick.")
    assert page.context.cookies() == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_in_swedish_from_the_browser_language(new_page, card_address, javascript):
    page = new_page(java_script_enabled=javascript, locale="sv-SE", **PHONE)
    page.goto(card_address)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hur var Check-in desk i dag?")
    page.get_by_role("button", name="Utmärkt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack!")
    page.get_by_label("Vänlig personal").check()
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_text("Ditt svar hjälper oss")).to_be_visible()
    answer = FeedbackResponse.objects.get()
    assert (answer.face, answer.reason, answer.language) == (2, "Friendly staff", "sv")
    assert page.context.cookies() == []


def test_the_switch_changes_the_language(new_page, card_address):
    page = new_page(**PHONE)
    page.goto(card_address)
    page.get_by_role("link", name="Suomi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Miten Check-in desk sujui tänään?")
    expect(page.get_by_role("button", name="Erinomainen")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_kiosk_resets_to_the_faces_after_its_pause(new_page, point, javascript):
    page = new_page(java_script_enabled=javascript, viewport={"width": 1024, "height": 768})
    page.goto(f"/f/{kiosk_code(point)}/kiosk/")
    faces = page.get_by_role("group", name="How was Check-in desk today?").get_by_role("button")
    expect(faces).to_have_count(5)
    page.get_by_role("button", name="Excellent").click()
    tapped = time.monotonic()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    expect(faces).to_have_count(0)  # no face to tap during the pause
    expect(faces).to_have_count(5, timeout=10_000)  # then the faces again, by themselves
    assert time.monotonic() - tapped >= point.kiosk_pause_seconds - 0.5
    page.get_by_role("button", name="Bad", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    counted = FeedbackResponse.objects.filter(counted=True, channel="kiosk")
    assert sorted(counted.values_list("face", flat=True)) == [-1, 2]
    assert page.context.cookies() == []
