"""Front-line "wow" ideas in a real browser: from a QR code at the desk to a decision by email.

Each test seeds the Nordic Air demo itself (alice owner, bob manager, carol front-line staff).
"""

import gzip
import io
import re
from urllib.parse import parse_qs, urlsplit

import segno
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from demo.seed import PASSWORD
from ideas.models import Idea, IdeaStatus
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import log_in
from touchpoints.models import Touchpoint

BOB = "bob@nordic-air.example"
CAROL = "carol@nordic-air.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MIN_TARGET = 44  # px: the smallest comfortable touch target


# --- helpers -------------------------------------------------------------------------------


def field(page, label):
    """The control labelled exactly `label` (the label may end with the required-field star)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def check_in_desk():
    return Touchpoint.objects.get(
        organisation__slug="nordic-air", journey__name="Business trip", name="Check-in desk"
    )


def idea_form_path(touchpoint=None):
    path = reverse("idea_submit", args=["nordic-air"])
    return f"{path}?touchpoint={touchpoint.pk}" if touchpoint else path


def fill_idea(page, title, *, today=None, proposal=None):
    field(page, "Short title").fill(title)
    field(page, "What happens today").fill(
        today or "Travellers with a tight connection wait in the long queue."
    )
    field(page, "Your wow idea").fill(
        proposal or "Walk the queue and bring them to the spare desk at once."
    )


def send(page):
    page.get_by_role("button", name="Send my idea").click()


def expect_thank_you(page, title):
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Thank you! Your idea #\d+ is in")
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def vote_button(page):
    return page.locator(".vote")


# --- a. from the QR code at the desk to a decision, at phone size ----------------------------


def test_staff_sends_an_idea_from_the_qr_link_and_hears_the_decision(new_page, screenshot):
    seeded_demo()
    touchpoint = check_in_desk()
    qr_path = idea_form_path(touchpoint)

    phone = new_page(**PHONE)
    phone.goto(qr_path)
    # Not logged in: the login page first, which remembers where she was going.
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert parse_qs(urlsplit(phone.url).query)["next"] == [qr_path]
    phone.get_by_label("Email address").fill(CAROL)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()

    # Straight back to the form, the moment already chosen.
    phone.wait_for_url(lambda url: url.endswith(qr_path))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("idea")
    expect(field(phone, "Touchpoint")).to_have_value(str(touchpoint.pk))
    expect(field(phone, "Touchpoint").locator("option:checked")).to_have_text("Check-in desk")

    title = "A bench for tired travellers in the check-in queue"
    fill_idea(
        phone,
        title,
        today="Older travellers stand for twenty minutes in the morning queue.",
        proposal="Put two benches along the queue and offer a seat to whoever needs one.",
    )
    screenshot(phone, "idea-form-phone", full_page=True)
    check_phone_form(phone)

    send(phone)
    expect_thank_you(phone, title)
    idea = Idea.objects.get(title=title)
    assert idea.author.email == CAROL and idea.touchpoint == touchpoint
    assert idea.status == IdeaStatus.NEW
    expect(phone.get_by_text(re.compile(r"proposed by Carol"))).to_be_visible()
    idea_path = urlsplit(phone.url).path
    mail.outbox.clear()  # the demo's own decisions sent mail too

    # bob, at his desk, declines it with a reason.
    desk = new_page()
    log_in(desk, BOB, PASSWORD)
    desk.goto(idea_path)
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"#{idea.number} {title}")
    reason = "The fire code keeps the queue area free of furniture; we will open a second desk."
    desk.get_by_label("New status").select_option(label="Declined")
    desk.get_by_label("Reason or note").fill(reason)
    desk.get_by_role("button", name="Save decision").click()
    expect(desk.get_by_role("status")).to_contain_text("Decision saved")
    expect(desk.locator(".idea-head .status")).to_have_text("Declined")
    expect(desk.locator(".decision")).to_contain_text(reason)

    # carol sees the decision and its reason under "My ideas" ...
    phone.locator(".menu summary").click()  # at phone width the navigation is in the menu
    phone.get_by_role("navigation", name="Organisation").get_by_role("link", name="Ideas").click()
    phone.get_by_role("link", name="My ideas").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My ideas")
    mine = phone.locator(".my-idea").filter(has_text=title)
    expect(mine).to_have_count(1)
    expect(mine.locator(".status")).to_have_text("Declined")
    expect(mine).to_contain_text(reason)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"'My ideas' scrolls sideways at phone width: {width}px"

    # ... and by email (through the outbox, sent once the decision was saved).
    to_carol = [m for m in mail.outbox if CAROL in m.to and title in m.body]
    assert len(to_carol) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert reason in to_carol[0].body
    assert "Declined" in to_carol[0].body
    assert idea_path in to_carol[0].body
    assert not any(BOB in m.to for m in mail.outbox), "the manager deciding is not emailed"


def check_phone_form(page):
    """Made for a phone in a short break: no sideways scroll, big targets, plain words."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"the form scrolls sideways at phone width: {width}px"
    form = page.locator("form[data-draft-key]")
    targets = [
        field(page, "Touchpoint"),
        field(page, "Short title"),
        field(page, "What happens today"),
        field(page, "Your wow idea"),
        page.get_by_role("button", name="Send my idea"),
        form.locator("label", has=page.get_by_label("Submit anonymously")),
    ]
    for target in targets:
        box = target.bounding_box()
        assert box is not None, f"{target} is not shown"
        assert box["height"] >= MIN_TARGET, f"{target} is only {box['height']}px high"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 391
    # The habits are optional: folded away, each a big target once opened.
    habits = form.locator("details", has_text="Habits")
    expect(habits).to_have_count(1)
    habits.locator("summary").click()
    checks = form.locator(".field--habits label")
    expect(checks.first).to_be_visible()
    for label in checks.all():
        assert label.bounding_box()["height"] >= MIN_TARGET
    habits.locator("summary").click()
    summary = habits.locator("summary").bounding_box()
    assert summary["height"] >= MIN_TARGET
    # The anonymous option says in plain words what it means, right beside the box.
    anonymous = page.get_by_label("Submit anonymously")
    expect(anonymous).not_to_be_checked()
    expect(anonymous).to_have_accessible_description(re.compile(r"not stored anywhere"))
    help_box = page.locator(".field--anonymous .help").bounding_box()
    label_box = form.locator("label", has=anonymous).bounding_box()
    assert 0 <= help_box["y"] - (label_box["y"] + label_box["height"]) <= 12
    # One screen: from the QR code, everything down to the send button fits a phone's
    # screen, and the texts are big enough to read (16 px: no zoom on focus).
    page.evaluate("window.scrollTo(0, 0)")
    button = page.get_by_role("button", name="Send my idea").bounding_box()
    assert button["y"] + button["height"] <= 844, f"the send button ends at {button}"
    for control in ("Short title", "What happens today", "Your wow idea"):
        size = field(page, control).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 16


# --- b. without JavaScript -------------------------------------------------------------------


def test_the_form_works_without_javascript(new_page):
    seeded_demo()
    touchpoint = check_in_desk()
    page = new_page(java_script_enabled=False)
    log_in(page, CAROL, PASSWORD)
    page.goto(idea_form_path())
    # No filter box without JavaScript: the plain list, grouped by journey and stage.
    expect(page.locator("#touchpoint-filter")).to_have_count(0)
    groups = field(page, "Touchpoint").locator("optgroup")
    expect(groups.first).to_have_attribute("label", re.compile(r"^Business trip › "))

    # A mistake first: nothing typed is lost, the error says what to do.
    field(page, "Short title").fill("Hand out water when the queue is long")
    send(page)
    expect(page.locator(".field--error")).not_to_have_count(0)
    expect(field(page, "Short title")).to_have_value("Hand out water when the queue is long")
    expect(page.locator(".field--touchpoint .errors")).to_be_visible()
    expect(field(page, "Touchpoint")).to_have_attribute("aria-invalid", "true")

    field(page, "Touchpoint").select_option(str(touchpoint.pk))
    fill_idea(page, "Hand out water when the queue is long")
    page.locator("summary", has_text="Habits").click()  # <details> opens without JavaScript
    page.get_by_label("Anticipate").check()
    page.get_by_label("Submit anonymously").check()
    if connection.vendor == "postgresql":
        # Two posts of the same form at once: the one-time token makes them one idea.
        # (Not on SQLite: its writers lock each other out, see the report on the token.)
        page.get_by_role("button", name="Send my idea").dblclick()
    else:
        send(page)
    # An anonymous idea lands on the ideas board: no address that names the idea, in any log.
    expect(page.locator(".messages")).to_contain_text(
        re.compile(r"Thank you! Your idea #\d+ is in")
    )
    assert "?sent=1" in page.url and "/ideas/" in page.url
    card = page.locator(".idea-card", has_text="Hand out water when the queue is long")
    expect(card).to_contain_text("anonymous")
    idea = Idea.objects.get(title="Hand out water when the queue is long")
    assert idea.author is None and idea.touchpoint == touchpoint
    assert idea.habits == ["anticipate"]


# --- c. a double tap and a resend create one idea --------------------------------------------


def token_of(page):
    return page.locator("input[name=submission_token]").input_value()


def test_a_double_tap_or_a_resend_after_a_lost_answer_creates_one_idea(new_page):
    seeded_demo()
    touchpoint = check_in_desk()
    page = new_page(**PHONE)
    log_in(page, CAROL, PASSWORD)
    page.goto(idea_form_path(touchpoint))
    title = "Say the gate number twice in every announcement"
    fill_idea(page, title)
    before = Idea.objects.count()

    # A double tap: one idea.
    page.get_by_role("button", name="Send my idea").dblclick()
    expect_thank_you(page, title)
    assert Idea.objects.filter(title=title).count() == 1
    # Back to the form: it is a fresh one (new token, no draft), nothing to send twice.
    sent_token = str(Idea.objects.get(title=title).submission_token)
    page.go_back()
    expect(page.get_by_role("button", name="Send my idea")).to_be_visible()
    expect(field(page, "Short title")).to_have_value("")
    assert token_of(page) != sent_token

    # A flaky connection: the server gets the idea, but its answer never arrives.
    title = "Show the walking time to the gate on the boarding pass"
    fill_idea(page, title)
    token = token_of(page)
    lost = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch(max_redirects=0).status)  # the server answers ...
            route.abort("connectionreset")  # ... and the answer is lost on the way
        else:
            route.continue_()

    page.route(lambda url: "/ideas/new/" in url, lose_the_answer)
    send(page)
    page.wait_for_url(lambda url: url.startswith("chrome-error://"))
    assert lost == [302]
    assert Idea.objects.filter(title=title).count() == 1
    # She opens the form again: her text is there (the draft), with the token it was sent
    # with ...
    page.unroute_all()
    page.goto(idea_form_path(touchpoint))
    expect(field(page, "Short title")).to_have_value(title)
    assert token_of(page) == token
    # ... so sending it again shows the idea that arrived, and makes no second one.
    send(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    assert Idea.objects.filter(title=title).count() == 1
    assert Idea.objects.count() == before + 2

    # Changed text is a new idea: it gets a fresh token, not the one already used.
    page.goto(idea_form_path(touchpoint))
    fill_idea(page, "Offer a seat to anyone waiting at a closed gate")
    assert token_of(page) not in (token, sent_token)


# --- d. the draft survives a reload ----------------------------------------------------------


def test_the_draft_survives_a_reload_and_is_cleared_once_sent(new_page):
    seeded_demo()
    touchpoint = check_in_desk()
    page = new_page(**PHONE)
    log_in(page, CAROL, PASSWORD)
    page.goto(idea_form_path())
    title = "Greet regulars by name at the desk"
    field(page, "Touchpoint").select_option(str(touchpoint.pk))
    field(page, "Short title").press_sequentially(title)  # typed, key by key
    field(page, "What happens today").fill("Frequent flyers are treated like strangers.")
    field(page, "Your wow idea").fill("Show the agent the traveller's name and tier on screen.")

    page.reload()
    expect(field(page, "Short title")).to_have_value(title)
    expect(field(page, "What happens today")).to_have_value(
        "Frequent flyers are treated like strangers."
    )
    expect(field(page, "Your wow idea")).to_have_value(
        "Show the agent the traveller's name and tier on screen."
    )
    expect(field(page, "Touchpoint")).to_have_value(str(touchpoint.pk))

    # A form from another tab: closed and opened again, the draft is still there.
    other = page.context.new_page()
    other.goto(idea_form_path())
    expect(field(other, "Short title")).to_have_value(title)
    other.close()

    send(page)
    expect_thank_you(page, title)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('idea-draft'))") == []
    page.goto(idea_form_path())
    for label in ("Short title", "What happens today", "Your wow idea"):
        expect(field(page, label)).to_have_value("")
    expect(field(page, "Touchpoint")).to_have_value("")


# --- e. a light page -------------------------------------------------------------------------


def test_the_form_is_light_four_requests_under_80_kb(new_page):
    seeded_demo()
    page = new_page(**PHONE)
    log_in(page, CAROL, PASSWORD)
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(idea_form_path(check_in_desk()), wait_until="load")
    page.wait_for_load_state("networkidle")

    urls = [r.url for r in requests]
    # The browser asks for the icon once and keeps it; it does not hold up the page (and its
    # redirect has no body to weigh).
    own = [r for r in requests if "/favicon" not in r.url]
    assert len(own) <= 4, f"{len(own)} requests: {urls}"
    assert not any("htmx" in url for url in urls), "the idea form does not need htmx"
    bodies = {}
    for request in own:
        response = request.response()
        assert response is not None and response.ok, f"{request.url} failed"
        bodies[request.url] = response.body()  # read once: the browser may drop it after
    total = sum(len(body) for body in bodies.values())
    # The one stylesheet carries the phone header, stacked tables and two-column layouts of
    # every page: 80 KB as sent uncompressed, about a quarter of it gzipped.
    assert total < 80 * 1024, f"the page weighs {total} bytes: {[len(b) for b in bodies.values()]}"
    zipped = sum(len(gzip.compress(body)) for body in bodies.values())
    assert zipped < 25 * 1024, f"the page weighs {zipped} bytes gzipped"
    # It all arrived and applies: the page is styled, and the script ran (it saves a draft).
    assert page.evaluate("getComputedStyle(document.body).display") == "flex"
    field(page, "Short title").fill("Light")
    assert "Light" in page.evaluate(
        "localStorage.getItem(Object.keys(localStorage).find("
        "k => k.startsWith('motmap-idea-draft-nordic-air-')))"
    )


# --- f. votes --------------------------------------------------------------------------------


def vote_count(page):
    return int(vote_button(page).locator(".vote__count").inner_text())


def idea_not_voted_by(email):
    return (
        Idea.objects.filter(organisation__slug="nordic-air", status=IdeaStatus.NEW)
        .exclude(votes__user__email=email)
        .order_by("number")
        .first()
    )


def test_a_vote_toggles_with_htmx_and_without_javascript(new_page):
    seeded_demo()
    idea = idea_not_voted_by(CAROL)
    path = reverse("idea_detail", args=["nordic-air", idea.pk])

    page = new_page()
    log_in(page, CAROL, PASSWORD)
    page.goto(path)
    start = vote_count(page)
    expect(vote_button(page)).to_have_attribute("aria-pressed", "false")
    expect(vote_button(page)).to_have_accessible_name(re.compile("press to vote"))
    page.evaluate("window.__sameDocument = true")
    vote_button(page).click()
    expect(vote_button(page).locator(".vote__count")).to_have_text(str(start + 1))
    expect(vote_button(page)).to_have_attribute("aria-pressed", "true")
    expect(vote_button(page)).to_have_accessible_name(re.compile("take your vote back"))
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    # The swapped-in form still leads back to this page (not to the vote URL) without JS.
    expect(page.locator(".vote-form input[name=next]")).to_have_value(path)
    vote_button(page).click()
    expect(vote_button(page).locator(".vote__count")).to_have_text(str(start))
    expect(vote_button(page)).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    idea.refresh_from_db()
    assert idea.vote_count == start
    box = vote_button(page).bounding_box()
    assert box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET

    # Without JavaScript: a plain form post and back to the same page.
    plain = new_page(java_script_enabled=False)
    log_in(plain, CAROL, PASSWORD)
    plain.goto(path)
    vote_button(plain).click()
    expect(vote_button(plain).locator(".vote__count")).to_have_text(str(start + 1))
    expect(vote_button(plain)).to_have_attribute("aria-pressed", "true")
    assert urlsplit(plain.url).path == path
    vote_button(plain).click()
    expect(vote_button(plain).locator(".vote__count")).to_have_text(str(start))
    idea.refresh_from_db()
    assert idea.vote_count == start

    # On the board too, and the htmx answer keeps working after a swap.
    page.goto(reverse("idea_list", args=["nordic-air"]))
    card = page.locator(".idea-card").filter(has_text=idea.title)
    before = int(card.locator(".vote__count").inner_text())
    card.locator(".vote").click()
    expect(card.locator(".vote__count")).to_have_text(str(before + 1))
    card.locator(".vote").click()
    expect(card.locator(".vote__count")).to_have_text(str(before))


# --- g. the printable A6 card ----------------------------------------------------------------


def test_the_printable_a6_card_has_the_qr_code_and_fits_one_page(new_page, screenshot):
    seeded_demo()
    touchpoint = check_in_desk()
    page = new_page(viewport={"width": 397, "height": 559})  # A6 at 96 dpi
    log_in(page, BOB, PASSWORD)
    page.goto(reverse("touchpoint_detail", args=["nordic-air", touchpoint.pk]))
    page.get_by_role("link", name="Printable QR card (A6)").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Got an idea to make this moment wow?"
    )
    expect(page.locator(".a6-card__moment")).to_contain_text("Check-in desk")
    expect(page.locator(".a6-card__where")).to_have_text(
        f"{touchpoint.journey.name} › {touchpoint.stage.name}"
    )
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    # decode() settles once the image has arrived (or failed): no race with a slow first load.
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)"), (
        "the QR image did not load"
    )
    box = qr.bounding_box()
    assert box["width"] >= 150 and abs(box["width"] - box["height"]) < 2

    # The code is the idea form's address for this touchpoint, on the configured site.
    served = page.request.get(qr.get_attribute("src"))
    assert served.ok and served.headers["content-type"].startswith("image/svg+xml")
    expected = io.BytesIO()
    segno.make(f"{settings.SITE_URL}{idea_form_path(touchpoint)}", error="m").save(
        expected, kind="svg", scale=8, border=2, xmldecl=False, svgns=True
    )
    assert served.body() == expected.getvalue()
    png = page.request.get(reverse("touchpoint_qr_png", args=["nordic-air", touchpoint.pk]))
    assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"

    page.emulate_media(media="print")
    expect(page.locator(".a6-card__help")).to_be_hidden()
    shot = screenshot(page, "idea-card", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    shot.with_suffix(".pdf").write_bytes(pdf)  # var/screenshots/idea-card.pdf, to look at
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    # A6: 105 x 148 mm = 297.6 x 419.5 pt.
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 297.6) < 2 and abs(float(box.height) - 419.5) < 2
    text = reader.pages[0].extract_text()
    assert "Check-in desk" in text and "wow" in text
