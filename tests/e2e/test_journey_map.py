"""The journey map in a real browser: build a journey, reorder it, read it on phone and paper.

Each test starts from its own data (a sign-up, or the Nordic Air demo seeded inside the test).
"""

import io
import re

import pytest
from playwright.sync_api import expect

from demo.seed import PASSWORD
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import log_in

BOB = "bob@nordic-air.example"
CAROL = "carol@nordic-air.example"


# --- helpers -------------------------------------------------------------------------------


def field(page, label):
    """The input labelled exactly `label` (the label may end with the required-field star)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def card_titles(page):
    return page.locator(".tp-card__title a")


def curve_point_titles(page):
    """The tooltip of each point of the emotion curve, e.g. '1. Bag drop: Neutral → Pleases'."""
    return page.locator("svg.curve__svg a > title")


def open_demo_board(page, email, journey="Business trip"):
    seeded_demo()
    log_in(page, email, PASSWORD)
    page.goto("/o/nordic-air/")
    page.get_by_role("heading", name=journey).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey)


def add_stage(page, name):
    page.get_by_label("Stage name").fill(name)
    page.get_by_role("button", name="Add stage").click()
    expect(page.locator(".stage-list__name").last).to_have_text(name)


def add_touchpoint(page, stage, name, *, contacts, seconds, now, target, outcome=""):
    page.get_by_role("link", name=f"+ Add touchpoint to {stage}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New touchpoint")
    expect(page.get_by_label("Stage").locator("option:checked")).to_have_text(stage)
    field(page, "Name").fill(name)
    page.get_by_label("Channel").select_option(label="Phone")
    if outcome:
        page.get_by_label("Desired outcome").fill(outcome)
    page.get_by_label("Rating now").select_option(str(now))
    page.get_by_label("Target rating").select_option(str(target))
    page.get_by_label("Contacts per day").fill(str(contacts))
    page.get_by_label("Typical duration (seconds)").fill(str(seconds))
    page.get_by_role("button", name="Add touchpoint", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Touchpoint “{name}” added.")


def stage_column(page, name):
    return page.locator(".stage").filter(has=page.get_by_role("heading", name=name, exact=True))


# --- a. build a journey and reorder it with htmx -----------------------------------------------


def test_manager_maps_a_journey_and_reorders_it(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Maja Manager")
    page.get_by_label("Email address").fill("maja@fjord-ferries.example")
    field(page, "Password").fill("seven-waves-a-day")
    page.get_by_label("Password again").fill("seven-waves-a-day")
    page.get_by_label("Your organisation").fill("Fjord Ferries")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/o/fjord-ferries/$"))

    page.get_by_role("link", name="Map your first journey").click()
    field(page, "Name").fill("Weekend crossing")
    page.get_by_role("button", name="Create journey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stages of Weekend crossing")
    add_stage(page, "Booking")
    add_stage(page, "On board")
    page.get_by_role("link", name="Go to the board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekend crossing")
    expect(curve_point_titles(page)).to_have_count(0)

    outcome = "The agent greets the caller by name and books the cabin in two minutes."
    add_touchpoint(
        page,
        "Booking",
        "Phone booking",
        contacts=120,
        seconds=180,
        now=-1,
        target=2,
        outcome=outcome,
    )
    add_touchpoint(page, "Booking", "Ticket email", contacts=300, seconds=30, now=0, target=1)
    add_touchpoint(page, "On board", "Boarding the ferry", contacts=80, seconds=60, now=1, target=2)

    # The board: cards in customer order, numbered; the curve has a point per touchpoint.
    expect(card_titles(page)).to_have_text(["Phone booking", "Ticket email", "Boarding the ferry"])
    expect(page.locator(".tp-card__number")).to_have_text(["1.", "2.", "3."])
    expect(stage_column(page, "On board").locator(".tp-card")).to_have_count(1)
    expect(curve_point_titles(page)).to_have_text(
        [
            "1. Phone booking: Disappoints → Wows",
            "2. Ticket email: Neutral → Pleases",
            "3. Boarding the ferry: Pleases → Wows",
        ]
    )
    expect(page.locator("svg.curve__svg .curve__now-dot")).to_have_count(3)
    expect(page.locator("svg.curve__svg .curve__target-dot")).to_have_count(3)
    # The figures: 120 + 300 + 80 contacts a day, 180 + 30 + 60 seconds per customer.
    expect(page.get_by_test_id("moments-per-day")).to_have_text("500")
    expect(page.get_by_test_id("seconds-per-customer")).to_contain_text("270")
    expect(page.get_by_test_id("seconds-per-customer")).to_contain_text("4 min 30 s")
    # Priorities: volume x gap, largest first: 120 x 3 = 360, 300 x 1 = 300, 80 x 1 = 80.
    expect(page.locator(".priorities > li > a")).to_have_text(
        ["Phone booking", "Ticket email", "Boarding the ferry"]
    )
    # The desired outcome shows on the card and on the touchpoint's page.
    first_card = page.locator(".tp-card").filter(has_text="Phone booking")
    expect(first_card.locator(".tp-card__outcome")).to_have_text(outcome)

    # Move "Ticket email" earlier, with htmx: the board is swapped in place, no page load.
    curve_before = page.locator("polyline.curve__now").get_attribute("points")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Move Ticket email earlier").click()
    expect(card_titles(page)).to_have_text(["Ticket email", "Phone booking", "Boarding the ferry"])
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    expect(page.locator(".tp-card__number")).to_have_text(["1.", "2.", "3."])
    expect(curve_point_titles(page)).to_have_text(
        [
            "1. Ticket email: Neutral → Pleases",
            "2. Phone booking: Disappoints → Wows",
            "3. Boarding the ferry: Pleases → Wows",
        ]
    )
    curve_after = page.locator("polyline.curve__now").get_attribute("points")
    assert curve_after != curve_before
    # The x positions stay, the y values (ratings) follow the touchpoints.
    ys_before = [p.split(",")[1] for p in curve_before.split()]
    ys_after = [p.split(",")[1] for p in curve_after.split()]
    assert ys_after == [ys_before[1], ys_before[0], ys_before[2]]

    # Move "Phone booking" later: it is last of Booking, so it crosses into "On board".
    page.get_by_role("button", name="Move Phone booking later").click()
    expect(stage_column(page, "On board").locator(".tp-card__title a")).to_have_text(
        ["Phone booking", "Boarding the ferry"]
    )
    expect(stage_column(page, "Booking").locator(".tp-card__title a")).to_have_text(
        ["Ticket email"]
    )
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    expect(page.locator("svg.curve__svg .curve__now-dot")).to_have_count(3)
    expect(curve_point_titles(page).nth(1)).to_have_text("2. Phone booking: Disappoints → Wows")
    expect(page.get_by_test_id("moments-per-day")).to_have_text("500")

    # The reorder was saved: a fresh load shows the same order.
    page.reload()
    expect(card_titles(page)).to_have_text(["Ticket email", "Phone booking", "Boarding the ferry"])

    page.locator(".tp-card__title a", has_text="Phone booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phone booking")
    outcome_block = page.locator(".text-block").filter(
        has=page.get_by_role("heading", name="Desired outcome")
    )
    expect(outcome_block).to_contain_text(outcome)
    expect(page.locator(".history")).to_contain_text("Desired outcome")


# --- b. reorder without JavaScript ---------------------------------------------------------------


def test_reorder_works_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    open_demo_board(page, BOB)
    board_url = page.url
    expect(card_titles(page).nth(3)).to_have_text("Check-in desk")
    expect(card_titles(page).nth(4)).to_have_text("Bag drop")

    page.get_by_role("button", name="Move Bag drop earlier").click()
    # A plain form post, then a redirect back to the board.
    expect(card_titles(page).nth(3)).to_have_text("Bag drop")
    expect(card_titles(page).nth(4)).to_have_text("Check-in desk")
    assert page.url == board_url
    expect(curve_point_titles(page).nth(3)).to_contain_text("4. Bag drop")

    page.get_by_role("button", name="Move Bag drop later").click()
    expect(card_titles(page).nth(3)).to_have_text("Check-in desk")
    expect(card_titles(page).nth(4)).to_have_text("Bag drop")


# --- c. phone width ----------------------------------------------------------------------------


def test_board_at_phone_width_stacks_the_stages(new_page, screenshot):
    page = new_page(viewport={"width": 390, "height": 844})
    open_demo_board(page, BOB)
    stages = page.locator(".stage")
    expect(stages).to_have_count(5)

    first, second = stages.nth(0).bounding_box(), stages.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1, "stages should stack vertically"
    assert abs(second["x"] - first["x"]) < 2
    assert first["width"] <= 390

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways: {width}px wide"
    # The cards keep their text inside the viewport.
    for box in (card.bounding_box() for card in page.locator(".tp-card").all()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 391
    screenshot(page, "board-phone", full_page=True)


# --- d. desktop and print ----------------------------------------------------------------------


def test_board_on_desktop_and_in_print(page, screenshot):
    open_demo_board(page, BOB)
    expect(page.locator(".tp-card")).to_have_count(15)
    expect(page.get_by_test_id("moments-per-day")).to_be_visible()
    # The curve is shown whole, its level labels inside the picture.
    curve = page.locator("svg.curve__svg")
    svg_box = curve.bounding_box()
    scroller = page.locator(".curve__scroll").bounding_box()
    assert svg_box["x"] + svg_box["width"] <= scroller["x"] + scroller["width"] + 1
    for label in page.locator(".curve__level").all():
        box = label.bounding_box()
        assert box["x"] >= svg_box["x"] - 1, "a level label of the curve is cut off"
    screenshot(page, "board", full_page=True)

    # Print: the page laid out at the printable width of A4 landscape (277 x 190 mm at 96 dpi).
    page.set_viewport_size({"width": 1047, "height": 718})
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Move Bag drop earlier")).to_be_hidden()
    expect(page.locator(".tp-card").first).to_be_visible()
    screenshot(page, "board-print", full_page=True)

    # The printed board fits on one landscape page (A4 here; the organisation's paper size).
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert page_count(pdf) == 1


def page_count(pdf_bytes):
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a test dependency
        return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf_bytes))
    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)


# --- e. keyboard -------------------------------------------------------------------------------


def test_keyboard_reaches_a_move_button_and_keeps_focus_after_moving(page):
    open_demo_board(page, BOB)
    page.locator("body").focus()
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id.startsWith('move-')"):
            break
    else:
        pytest.fail("Tab never reached a move button on the board")

    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name(re.compile(r"Move .+ (earlier|later)"))
    style = focused.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"
    )
    assert style["style"] != "none" and style["width"] >= 2, f"focus not visible: {style}"

    # Go on to the first "move later" button and press Enter: htmx moves the card ...
    for _ in range(3):
        if page.evaluate("document.activeElement.id.startsWith('move-down-')"):
            break
        page.keyboard.press("Tab")
    button_id = page.evaluate("document.activeElement.id")
    assert button_id.startswith("move-down-")
    moved = page.evaluate(
        "document.activeElement.closest('.tp-card').querySelector('.tp-card__title a').textContent"
    )
    first_two = card_titles(page).all_inner_texts()[:2]
    assert first_two[0] == moved
    page.evaluate("window.__sameDocument = true")
    page.keyboard.press("Enter")
    expect(card_titles(page).nth(0)).to_have_text(first_two[1])
    expect(card_titles(page).nth(1)).to_have_text(moved)
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    # ... and the focus is back on the same button, in the new board.
    expect(page.locator(f"#{button_id}")).to_be_focused()
    expect(page.get_by_role("button", name=f"Move {moved} later")).to_be_focused()

    # htmx alone keeps the focus only when the pressed button had it. Safari does not focus a
    # clicked button; static/js/board.js then puts the focus on the form's button after the swap.
    page.evaluate("document.activeElement.blur()")
    form = page.locator("form", has=page.get_by_role("button", name=f"Move {moved} earlier"))
    form.evaluate("f => f.requestSubmit()")
    expect(card_titles(page).nth(0)).to_have_text(moved)
    # The card is first again, so it has no "earlier" button: the focus goes to its twin.
    expect(page.get_by_role("button", name=f"Move {moved} earlier")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Move {moved} later")).to_be_focused()
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"


# --- f. front-line staff -------------------------------------------------------------------------


def test_staff_sees_the_board_without_edit_buttons(new_page):
    page = new_page()
    open_demo_board(page, CAROL)
    expect(page.locator(".tp-card")).to_have_count(15)
    expect(page.get_by_test_id("moments-per-day")).to_be_visible()
    move_buttons = page.get_by_role("button", name=re.compile(r"Move .+ (earlier|later)"))
    expect(move_buttons).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"Add touchpoint"))).to_have_count(0)
    for name in ("Edit journey", "Stages", "Delete"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    for name in ("Archive", "Restore"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)

    # The same board for a manager has them all, so the checks above can fail.
    manager = new_page()
    log_in(manager, BOB, PASSWORD)
    manager.goto(page.url)
    expect(manager.locator(".tp-card")).to_have_count(15)
    # Every card but the first can move earlier.
    expect(manager.get_by_role("button", name=re.compile(r"Move .+ earlier"))).to_have_count(14)
    expect(manager.get_by_role("link", name=re.compile(r"Add touchpoint"))).to_have_count(5)
    expect(manager.get_by_role("link", name="Edit journey", exact=True)).to_have_count(1)
