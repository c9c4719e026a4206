"""A customer's answer in a real browser at phone width: from the card's address to the thanks,
with JavaScript on and off; no cookie in the browser's jar; axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

from feedback.models import FeedbackResponse
from feedback.services import feedback_open, public_code
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
def card_address(transactional_db):
    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    manager = UserFactory(email="bob@nordic-air.example")
    MembershipFactory(organisation=org, user=manager, role="manager")
    stage = StageFactory(journey=JourneyFactory(organisation=org, name="Business trip"))
    touchpoint = TouchpointFactory(stage=stage, name="Check-in desk")
    point = feedback_open(
        actor=manager, touchpoint=touchpoint, reasons=["Quick", "Friendly staff", "Clear signs"]
    )
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

    page.get_by_role("button", name="Pleases").click()
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
