"""Every main screen looks finished on a phone (390 x 844) and uses a desktop's width (1366 x 900).

On a phone: nothing scrolls sideways, the header is one row with a "Menu" button (which works
without JavaScript), tables are stacked rows, the ideas filter is folded behind
"Filter (N active)" and the emotion curve says that it scrolls. On a desktop: the touchpoint and
the idea pages put their history and comments beside the content.

Screenshots: var/screenshots/layout-<page>-<phone|desktop>.png (alice; bob's and carol's phone
screens end in -bob and -carol).
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from api.services import api_token_create
from demo.seed import PASSWORD
from ideas.models import Idea
from journeys.models import Journey
from motmap.models import Membership, Organisation, Role, User
from reviews.models import Review, ReviewStatus
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import DESKTOP, PHONE, log_in
from touchpoints.models import Touchpoint
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

ORG = "nordic-air"
PEOPLE = {
    "alice": "alice@nordic-air.example",
    "bob": "bob@nordic-air.example",
    "carol": "carol@nordic-air.example",
}
MAX_PHONE_HEADER = 120  # px: the brand and the "Menu" button, one row
# Long unbroken text that must wrap instead of widening a page.
LONG_URL = "https://hooks.example.com/motmap/" + "a1b2c3d4e5" * 9 + "/receive"
LONG_EMAIL = "frontline.customer.experience.team.stockholm.arlanda@nordic-air.example"
LONG_TOKEN_NAME = "Nightly-export-to-the-data-warehouse-for-the-quarterly-report"


def seed():
    """The demo, plus what a phone must cope with: a webhook with a long address and a log of
    deliveries, a member with a long email address and an API token for each person."""
    seeded_demo()
    org = Organisation.objects.get(slug=ORG)
    alice = User.objects.get(email=PEOPLE["alice"])
    endpoint = WebhookEndpoint.objects.create(
        organisation=org,
        url=LONG_URL,
        events=["idea.created", "review.completed"],
        description="The customer-experience dashboard",
        created_by=alice,
    )
    for status, code in [(DeliveryStatus.SUCCEEDED, 200), (DeliveryStatus.GAVE_UP, 500)]:
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="idea.created",
            payload={"url": LONG_URL},
            status=status,
            attempts=1,
            last_response_code=code,
            request_headers={"X-Motmap-Signature": "sha256=" + "0f" * 32},
        )
    extra = User.objects.create_user(email=LONG_EMAIL, password=PASSWORD, full_name="Kim Lind")
    Membership.objects.create(organisation=org, user=extra, role=Role.STAFF)
    for email in PEOPLE.values():
        api_token_create(
            actor=User.objects.get(email=email), organisation=org, name=LONG_TOKEN_NAME
        )
    return endpoint


def pages(endpoint):
    """(name, address, who may open it) of the main screens."""
    journey = Journey.objects.get(organisation__slug=ORG, name="Business trip")
    touchpoint = Touchpoint.objects.get(journey=journey, name="Check-in desk")
    idea = Idea.objects.filter(organisation__slug=ORG, comments__isnull=False).first()
    review = Review.objects.filter(journey=journey, status=ReviewStatus.COMPLETED).first()
    everyone = set(PEOPLE)
    return [
        ("home", reverse("organisation_home", args=[ORG]), everyone),
        ("board", reverse("journey_board", args=[ORG, journey.pk]), everyone),
        ("touchpoint", reverse("touchpoint_detail", args=[ORG, touchpoint.pk]), everyone),
        ("ideas", ideas_filtered(journey), everyone),
        ("idea", reverse("idea_detail", args=[ORG, idea.pk]), everyone),
        ("idea-form", reverse("idea_submit", args=[ORG]), everyone),
        ("reviews", reverse("review_dashboard", args=[ORG]), everyone),
        ("review", reverse("review_detail", args=[ORG, review.pk]), everyone),
        ("members", reverse("member_list", args=[ORG]), everyone),
        ("webhooks", reverse("webhook_list", args=[ORG]), {"alice"}),
        ("webhook", reverse("webhook_detail", args=[ORG, endpoint.pk]), {"alice"}),
        ("tokens", reverse("api_token_list", args=[ORG]), everyone),
        ("notifications", reverse("notification_settings", args=[ORG]), everyone),
        ("packs", reverse("journey_pack_list", args=[ORG, journey.pk]), everyone),
        ("org-packs", reverse("org_pack_list", args=[ORG]), everyone),
        ("touchpoint-form", reverse("touchpoint_edit", args=[ORG, touchpoint.pk]), {"bob"}),
        ("journey-form", reverse("journey_edit", args=[ORG, journey.pk]), {"bob"}),
    ]


def ideas_filtered(journey):
    return f"{reverse('idea_list', args=[ORG])}?status=open&journey={journey.pk}"


def open_page(page, path):
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status}"
    page.wait_for_load_state("load")


def sideways(page):
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def wider_than_the_page(page):
    """What sticks out on the right, for a readable failure message."""
    return page.evaluate(
        """() => {
            const limit = document.documentElement.clientWidth;
            return [...document.querySelectorAll("main *")]
                .filter((el) => el.getBoundingClientRect().right > limit + 1)
                .slice(0, 5)
                .map((el) => el.tagName.toLowerCase() + "." + [...el.classList].join("."));
        }"""
    )


def check_phone_page(page, name):
    scroll_width, client_width = sideways(page)
    assert scroll_width <= client_width, (
        f"{name} scrolls sideways at phone width: {scroll_width}px > {client_width}px; "
        f"too wide: {wider_than_the_page(page)}"
    )
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= MAX_PHONE_HEADER, f"{name}: the header is {header['height']}px"
    expect(page.locator(".site-nav--wide")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Organisation")).to_have_count(0)  # in the menu
    expect(page.locator(".menu summary")).to_have_text(
        re.compile(r"^\W*Menu$"), use_inner_text=True
    )


# --- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_every_main_screen_fits_a_phone(new_page, screenshot, who):
    endpoint = seed()
    page = new_page(**PHONE)
    log_in(page, PEOPLE[who], PASSWORD)
    suffix = "" if who == "alice" else f"-{who}"
    for name, path, allowed in pages(endpoint):
        if who not in allowed:
            continue
        open_page(page, path)
        check_phone_page(page, name)
        screenshot(page, f"layout-{name}-phone{suffix}", full_page=True)


def test_the_phone_menu_holds_the_navigation_and_works_without_javascript(new_page, screenshot):
    seeded_demo()
    page = new_page(**PHONE, java_script_enabled=False)
    log_in(page, PEOPLE["alice"], PASSWORD)
    open_page(page, reverse("organisation_home", args=[ORG]))
    menu = page.locator(".menu")
    expect(menu.locator(".menu__panel")).to_be_hidden()

    menu.locator("summary").click()
    nav = page.get_by_role("navigation", name="Organisation")
    expect(nav).to_have_count(1)  # one landmark at a time
    expect(nav.get_by_role("link")).to_have_text(
        ["Journeys", "Ideas", "Reviews", "Members", "Settings"]
    )
    expect(nav.get_by_role("link", name="Journeys")).to_have_attribute("aria-current", "page")
    # The organisation switcher and the account links are in the same panel.
    expect(menu.get_by_text("Switch organisation")).to_be_visible()
    expect(menu.get_by_role("link", name=re.compile(r"^Nordic Air"))).to_be_visible()
    expect(menu.get_by_role("link", name="Webhooks")).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    panel = menu.locator(".menu__panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 390, panel
    for link in nav.get_by_role("link").all():
        assert link.bounding_box()["height"] >= 44, "a menu link is a small touch target"
    screenshot(page, "layout-menu-phone")

    nav.get_by_role("link", name="Ideas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wow ideas")
    expect(page.locator(".menu .menu__panel")).to_be_hidden()  # a new page, the menu closed


def test_the_ideas_filter_folds_behind_one_button_on_a_phone(new_page):
    seeded_demo()
    journey = Journey.objects.get(organisation__slug=ORG, name="Business trip")
    page = new_page(**PHONE)
    log_in(page, PEOPLE["carol"], PASSWORD)

    open_page(page, reverse("idea_list", args=[ORG]))
    panel = page.get_by_test_id("idea-filters")
    expect(panel.locator("summary")).to_have_text(re.compile(r"^\W*Filter$"))
    expect(page.get_by_label("Search")).to_be_hidden()

    open_page(page, ideas_filtered(journey))
    summary = panel.locator("summary")
    expect(summary).to_have_text(re.compile(r"Filter \(2 active\)"))
    expect(page.get_by_label("Search")).to_be_hidden()
    assert summary.bounding_box()["height"] >= 44
    summary.click()
    expect(page.get_by_label("Status")).to_have_value("open")
    expect(page.get_by_label("Journey")).to_have_value(str(journey.pk))
    page.get_by_label("Search").fill("queue")
    page.get_by_role("button", name="Apply").click()
    expect(panel.locator("summary")).to_have_text(re.compile(r"Filter \(3 active\)"))
    # The sort order is not a filter.
    open_page(page, f"{reverse('idea_list', args=[ORG])}?sort=votes")
    expect(panel.locator("summary")).to_have_text(re.compile(r"^\W*Filter$"))


def test_the_phone_curve_says_that_it_scrolls_and_takes_keyboard_focus(new_page, screenshot):
    seeded_demo()
    journey = Journey.objects.get(organisation__slug=ORG, name="Business trip")
    page = new_page(**PHONE)
    log_in(page, PEOPLE["carol"], PASSWORD)
    open_page(page, reverse("journey_board", args=[ORG, journey.pk]))
    moments = journey.touchpoints.count()
    expect(page.locator(".curve__hint")).to_be_visible()
    expect(page.locator(".curve__hint")).to_have_text(
        f"Scroll sideways to see all {moments} moments →"
    )
    region = page.get_by_role("region", name="Emotion curve, scrolls sideways")
    assert region.evaluate("(el) => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.curve__scroll').scrollLeft > 0", timeout=5_000
    )
    screenshot(page, "layout-curve-phone", clip=page.locator(".curve").bounding_box())


# --- desktop -------------------------------------------------------------------------------


def test_wide_screens_put_history_and_comments_beside_the_content(new_page, screenshot):
    endpoint = seed()
    page = new_page(**DESKTOP)
    log_in(page, PEOPLE["bob"], PASSWORD)
    width = DESKTOP["viewport"]["width"]
    for name, path, allowed in pages(endpoint):
        if "bob" not in allowed:
            continue  # the owner's pages are shot below
        open_page(page, path)
        scroll_width, client_width = sideways(page)
        assert scroll_width <= client_width, f"{name}: {wider_than_the_page(page)}"
        expect(page.locator(".site-nav--wide")).to_be_visible()
        expect(page.get_by_role("navigation", name="Organisation")).to_have_count(1)
        if name in {"touchpoint", "idea", "touchpoint-form", "journey-form"}:
            main = page.locator(".layout-2col__main").bounding_box()
            aside = page.locator(".layout-2col__aside").bounding_box()
            assert aside["x"] >= main["x"] + main["width"], f"{name}: the aside is below"
            assert aside["y"] < main["y"] + 40, f"{name}: the aside is not beside the content"
            if name in {"touchpoint", "idea"}:
                assert aside["x"] > width / 2, f"{name}: the aside starts at {aside['x']}px"
        if name == "ideas":  # a bar of filters, no button, on a desktop
            expect(page.get_by_label("Search")).to_be_visible()
        screenshot(page, f"layout-{name}-desktop", full_page=True)

    owner = new_page(**DESKTOP)
    log_in(owner, PEOPLE["alice"], PASSWORD)
    for name in ["webhooks", "webhook"]:
        path = next(p for n, p, _ in pages(endpoint) if n == name)
        open_page(owner, path)
        scroll_width, client_width = sideways(owner)
        assert scroll_width <= client_width, f"{name}: {wider_than_the_page(owner)}"
        screenshot(owner, f"layout-{name}-desktop", full_page=True)
