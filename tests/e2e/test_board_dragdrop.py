"""The board as a working surface, in a real browser: drag touchpoints and stages with the
mouse (and a finger on a phone), see a refused move put back with the reason, and change the
ratings from the card, with JavaScript and without.

Each test seeds the Nordic Air demo inside the test. Business trip: Booking (3 touchpoints),
Airport (6), Flight (3), Arrival (2), After the trip (1).
"""

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from journeys.models import Stage
from motmap.models import User
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_journey_map import BOB, CAROL, card_titles, open_demo_board, stage_column
from touchpoints import services
from touchpoints.models import Touchpoint

ALICE = "alice@nordic-air.example"
STAGES = ["Booking", "Airport", "Flight", "Arrival", "After the trip"]


# --- helpers -------------------------------------------------------------------------------


def card(page, name):
    title = page.locator(".tp-card__title a").filter(has_text=re.compile(rf"^{re.escape(name)}$"))
    return page.locator(".tp-card").filter(has=title)


def stage_names(page):
    return page.locator("#board > .stage .stage__title")


def touchpoint(name):
    return Touchpoint.objects.get(journey__name="Business trip", name=name)


def is_move(response):
    return response.request.method == "POST" and response.url.endswith("/move/")


def is_board(response):
    return response.request.method == "GET" and re.search(r"/journeys/[0-9a-f-]+/$", response.url)


def show_board(page):
    """Scroll so that the stage columns start near the top of the window, below the strip at
    its edge where SortableJS scrolls the page while dragging."""
    page.locator("#board").evaluate(
        "el => { el.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); }"
    )


def _elements(handle, target):
    """The card or stage to drag and the one to drop it before, found before the drag starts
    (while dragging, SortableJS shows a copy of the dragged one under the pointer)."""
    return handle.evaluate_handle("el => el.closest('.tp-card, .stage')"), target.element_handle()


def _dragged_before(page, item, target, nudge):
    """Wait until SortableJS has put the dragged card or stage just before `target` (into its
    list, for the "No touchpoints yet." line of an empty stage).

    In its pointer mode SortableJS looks at the pointer every 50 ms, and only when it moved; it
    skips a look while the cards under it are still sliding into place. So when it has not put
    it there yet, move the pointer by a pixel (as a hand does) and wait again."""
    for attempt in range(20):
        try:
            page.wait_for_function(
                "([item, target]) => target.classList.contains('stage__empty')"
                " ? item.parentElement === target.parentElement"
                " : item.nextElementSibling === target",
                arg=[item, target],
                timeout=300,
            )
            return
        except PlaywrightTimeoutError:
            nudge(1 if attempt % 2 == 0 else -1)
    raise AssertionError("SortableJS did not take it to the drop place")


def drag(page, handle, target, *, part=0.25, screenshot=None):
    """Press the mouse on `handle`, move in small steps onto `target` (at `part` of its width
    for a stage, of its height for a card), wait for the drop place before it, release."""
    item, before = _elements(handle, target)
    start = handle.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 6, y0 + 6, steps=3)  # past the tolerance: the drag begins
    box = target.bounding_box()
    if target.evaluate("el => el.classList.contains('stage')"):
        x, y = box["x"] + box["width"] * part, box["y"] + 40
    else:
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * part
    page.mouse.move(x, y, steps=20)
    _dragged_before(page, item, before, lambda dx: page.mouse.move(x + dx, y))
    if screenshot:
        screenshot()
    page.mouse.up()


def touch_drag(page, handle, target, *, part=0.25):
    """The same with a finger: touch events through the DevTools protocol."""
    item, before = _elements(handle, target)
    start = handle.bounding_box()
    box = target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1, y1 = box["x"] + box["width"] / 2, box["y"] + box["height"] * part
    cdp = page.context.new_cdp_session(page)

    def touch(kind, x=None, y=None):
        points = [] if x is None else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x0, y0)
    steps = 20
    for i in range(1, steps + 1):
        touch("touchMove", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
    _dragged_before(page, item, before, lambda dx: touch("touchMove", x1 + dx, y1))
    touch("touchEnd")


# --- drag and drop -----------------------------------------------------------------------------


def test_drag_a_touchpoint_to_another_stage_and_a_stage_to_another_place(new_page, screenshot):
    page = new_page(**DESKTOP)
    open_demo_board(page, BOB)
    expect(page.locator("#board.board--sortable")).to_have_count(1)
    expect(card(page, "Bag drop").locator(".tp-card__number")).to_have_text("5.")
    show_board(page)

    # "Bag drop" (Airport, 2nd) onto the top of "Welcome on board", the first card of Flight.
    handle = card(page, "Bag drop").locator(".tp-card__handle")
    expect(handle).to_be_visible()
    with page.expect_response(is_move) as moved, page.expect_response(is_board):
        drag(
            page,
            handle,
            card(page, "Welcome on board"),
            screenshot=lambda: screenshot(page, "board-dragdrop-dragging"),
        )
    assert moved.value.status == 200
    flight = stage_column(page, "Flight").locator(".tp-card__title a")
    expect(flight).to_have_text(
        ["Bag drop", "Welcome on board", "Cabin service", "Delay announcement"]
    )
    # The board was drawn again: numbers, curve and ↑/↓ buttons follow the new order.
    expect(card(page, "Bag drop").locator(".tp-card__number")).to_have_text("9.")
    expect(page.locator("svg.curve__svg a > title").nth(8)).to_contain_text("9. Bag drop")
    expect(page.get_by_role("button", name="Move Bag drop earlier")).to_be_visible()
    expect(page.locator("#board-alert")).to_be_empty()

    # The stage "Arrival" onto the left half of "Booking": it becomes the first stage.
    show_board(page)
    with page.expect_response(is_move) as moved, page.expect_response(is_board):
        drag(
            page,
            stage_column(page, "Arrival").locator(".stage__handle"),
            stage_column(page, "Booking"),
            part=0.2,
        )
    assert moved.value.status == 200
    expect(stage_names(page)).to_have_text(
        ["Arrival", "Booking", "Airport", "Flight", "After the trip"]
    )
    expect(card_titles(page).first).to_have_text("Goodbye at the door")
    expect(page.locator(".tp-card__number").first).to_have_text("1.")
    show_board(page)
    screenshot(page, "board-dragdrop-desktop")

    # The board drawn again still moves by its buttons, with htmx (no page load).
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Move Bag drop later").click()
    expect(stage_column(page, "Flight").locator(".tp-card__title a").nth(1)).to_have_text(
        "Bag drop"
    )
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    page.get_by_role("button", name="Move Bag drop earlier").click()
    expect(stage_column(page, "Flight").locator(".tp-card__title a").first).to_have_text("Bag drop")

    # Both moves were saved.
    page.reload()
    expect(stage_names(page)).to_have_text(
        ["Arrival", "Booking", "Airport", "Flight", "After the trip"]
    )
    expect(stage_column(page, "Flight").locator(".tp-card__title a").first).to_have_text("Bag drop")
    expect(stage_column(page, "Airport").locator(".tp-card__title a")).to_have_count(5)
    bag_drop = touchpoint("Bag drop")
    assert (bag_drop.stage.name, bag_drop.position) == ("Flight", 1)
    screenshot(page, "board-dragdrop-desktop-full", full_page=True)


def test_drag_a_touchpoint_into_an_empty_stage(new_page):
    page = new_page(**DESKTOP)
    open_demo_board(page, BOB)
    Stage.objects.create(journey=touchpoint("Boarding").journey, name="Lounge", position=6)
    page.reload()
    empty = stage_column(page, "Lounge").locator(".stage__empty")
    expect(empty).to_have_text("No touchpoints yet.")
    show_board(page)
    with page.expect_response(is_move) as moved, page.expect_response(is_board):
        drag(page, card(page, "Invoice and expense receipt").locator(".tp-card__handle"), empty)
    assert moved.value.json() == {"ok": True}
    expect(stage_column(page, "Lounge").locator(".tp-card__title a")).to_have_text(
        ["Invoice and expense receipt"]
    )
    expect(stage_column(page, "After the trip").locator(".stage__empty")).to_be_visible()
    assert touchpoint("Invoice and expense receipt").stage.name == "Lounge"


def test_a_stale_move_puts_the_card_back_and_says_why(new_page, screenshot):
    page = new_page(**DESKTOP)
    open_demo_board(page, BOB)
    show_board(page)
    airport = stage_column(page, "Airport").locator(".tp-card__title a")
    before = airport.all_inner_texts()
    assert before[1] == "Bag drop"

    # Alice saves "Bag drop" after Bob loaded the board: his page has an older version.
    alice = User.objects.get(email=ALICE)
    current = touchpoint("Bag drop")
    services.touchpoint_update(
        actor=alice, touchpoint=current, version=current.version, customer_wants="Be quick."
    )

    with page.expect_response(is_move) as moved:
        drag(
            page, card(page, "Bag drop").locator(".tp-card__handle"), card(page, "Welcome on board")
        )
    assert moved.value.status == 200
    assert moved.value.json()["ok"] is False
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("“Bag drop” was not moved")
    expect(alert).to_contain_text("Alice Andersson")
    expect(alert).to_contain_text(f"version {current.version}")
    expect(alert.get_by_role("link", name="Reload the board")).to_be_visible()
    # Back where it was, number and all; nothing moved in the database.
    expect(airport).to_have_text(before)
    expect(card(page, "Bag drop").locator(".tp-card__number")).to_have_text("5.")
    assert touchpoint("Bag drop").stage.name == "Airport"
    show_board(page)
    screenshot(page, "board-dragdrop-refused")

    # The message can be closed; the reload link shows the board as it is now.
    alert.get_by_role("button", name="Close the message").click()
    expect(page.locator("#board-alert")).to_be_empty()


def test_a_move_without_network_puts_the_stage_back(new_page):
    page = new_page(**DESKTOP)
    open_demo_board(page, BOB)
    show_board(page)
    # The network fails: the script's request to save the move rejects, as fetch does offline.
    page.evaluate(
        """() => {
            const real = window.fetch;
            window.fetch = (url, options) => (options && options.method === "POST")
                ? Promise.reject(new TypeError("Failed to fetch")) : real(url, options);
        }"""
    )
    drag(
        page,
        stage_column(page, "Flight").locator(".stage__handle"),
        stage_column(page, "Booking"),
        part=0.2,
    )
    expect(page.get_by_role("alert")).to_contain_text("could not be reached")
    expect(stage_names(page)).to_have_text(STAGES)
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(0)


def test_drag_with_a_finger_on_a_phone(new_page, screenshot):
    page = new_page(**PHONE)
    open_demo_board(page, BOB)
    expect(page.locator("#board.board--sortable")).to_have_count(1)
    handle = card(page, "Changing the booking").locator(".tp-card__handle")
    handle.scroll_into_view_if_needed()
    target = card(page, "Check-in desk")
    target.scroll_into_view_if_needed()
    handle.evaluate("el => el.scrollIntoView({block: 'center'})")
    box = handle.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, f"a finger needs a bigger handle: {box}"
    with page.expect_response(is_move) as moved, page.expect_response(is_board):
        touch_drag(page, handle, target)
    assert moved.value.status == 200
    expect(stage_column(page, "Airport").locator(".tp-card__title a").first).to_have_text(
        "Changing the booking"
    )
    expect(stage_column(page, "Booking").locator(".tp-card__title a")).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"the page scrolls sideways: {width}px wide"
    page.locator("#board").evaluate("el => el.scrollIntoView({block: 'start'})")
    screenshot(page, "board-dragdrop-phone")
    page.reload()
    expect(stage_column(page, "Airport").locator(".tp-card__title a").first).to_have_text(
        "Changing the booking"
    )


def test_staff_get_no_handles_and_no_quick_edit(new_page):
    page = new_page(**DESKTOP)
    open_demo_board(page, CAROL)
    expect(page.locator(".tp-card")).to_have_count(15)
    expect(page.locator(".drag-handle")).to_have_count(0)
    expect(page.locator(".tp-card__quick")).to_have_count(0)
    assert page.evaluate("typeof window.Sortable") == "undefined"


# --- quick edit --------------------------------------------------------------------------------


def quick_edit(page, name, *, now, target):
    box = card(page, name)
    box.locator("summary").click()
    box.get_by_label(re.compile(r"^Rating now")).select_option(str(now))
    box.get_by_label(re.compile(r"^Target")).select_option(str(target))
    return box


def rating(box, kind):
    return box.locator(f".tp-card__rating .rating--{kind} .rating__label")


def test_quick_edit_with_javascript(new_page, screenshot):
    page = new_page(**DESKTOP)
    open_demo_board(page, BOB)
    box = card(page, "Bag drop")
    expect(rating(box, "now")).to_have_text("Neutral")
    page.evaluate("window.__sameDocument = true")
    quick_edit(page, "Bag drop", now=1, target=2)
    box.scroll_into_view_if_needed()
    screenshot(page, "board-dragdrop-quick")
    with page.expect_response(lambda r: r.url.endswith("/quick-edit/")):
        box.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(rating(card(page, "Bag drop"), "now")).to_have_text("Pleases")
    assert page.evaluate("window.__sameDocument === true"), "htmx should swap, not reload"
    expect(page.locator("svg.curve__svg a > title").nth(4)).to_contain_text(
        "5. Bag drop: Pleases → Wows"
    )
    expect(card(page, "Bag drop").locator("summary")).to_be_focused()
    assert touchpoint("Bag drop").rating_current == 1

    # Alice saves another rating meanwhile: Bob's next quick edit is refused and says so.
    alice = User.objects.get(email=ALICE)
    current = touchpoint("Bag drop")
    services.touchpoint_update(
        actor=alice, touchpoint=current, version=current.version, rating_current=-1
    )
    box = quick_edit(page, "Bag drop", now=2, target=2)
    with page.expect_response(lambda r: r.url.endswith("/quick-edit/")) as answer:
        box.get_by_role("button", name=re.compile(r"^Save")).click()
    assert answer.value.status == 200  # the board with the conflict in the card, for htmx
    box = card(page, "Bag drop")
    problem = box.get_by_role("alert")
    expect(problem).to_contain_text("someone else saved this touchpoint")
    expect(problem.get_by_test_id("quick-saved-by")).to_contain_text("Saved by Alice Andersson at")
    expect(problem.locator(".conflict__yours")).to_have_text("Wows")
    expect(problem.locator(".conflict__theirs")).to_have_text("Disappoints")
    expect(problem).to_be_focused()
    expect(rating(box, "now")).to_have_text("Disappoints")  # the card shows what is saved
    expect(box.get_by_label(re.compile(r"^Rating now"))).to_have_value("2")  # yours, kept
    assert page.evaluate("window.__sameDocument === true")
    screenshot(page, "board-dragdrop-quick-conflict")

    # Saving again, having seen theirs, goes through.
    with page.expect_response(lambda r: r.url.endswith("/quick-edit/")):
        box.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(rating(card(page, "Bag drop"), "now")).to_have_text("Wows")
    expect(card(page, "Bag drop").get_by_role("alert")).to_have_count(0)
    assert touchpoint("Bag drop").rating_current == 2


def test_quick_edit_without_javascript(new_page, screenshot):
    page = new_page(java_script_enabled=False, **DESKTOP)
    open_demo_board(page, BOB)
    board_url = page.url
    expect(page.locator(".drag-handle").first).to_be_hidden()
    box = quick_edit(page, "Cabin service", now=2, target=2)
    box.get_by_role("button", name=re.compile(r"^Save")).click()
    pk = touchpoint("Cabin service").pk
    expect(page).to_have_url(f"{board_url}#tp-{pk}")
    expect(rating(card(page, "Cabin service"), "now")).to_have_text("Wows")

    # The full form is one click away.
    card(page, "Cabin service").locator("summary").click()
    card(page, "Cabin service").get_by_role("link", name=re.compile(r"^All fields")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit “Cabin service”")
    expect(page.get_by_label("Rating now")).to_have_value("2")


def test_quick_edit_on_a_phone(new_page, screenshot):
    page = new_page(**PHONE)
    open_demo_board(page, BOB)
    box = quick_edit(page, "Check-in desk", now=1, target=2)
    box.scroll_into_view_if_needed()
    for element in (box, box.get_by_label(re.compile(r"^Rating now"))):
        edge = element.bounding_box()
        assert edge["x"] >= 0 and edge["x"] + edge["width"] <= 391
    screenshot(page, "board-dragdrop-phone-quick")
    with page.expect_response(lambda r: r.url.endswith("/quick-edit/")):
        box.get_by_role("button", name=re.compile(r"^Save")).click()
    expect(rating(card(page, "Check-in desk"), "now")).to_have_text("Pleases")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"the page scrolls sideways: {width}px wide"
