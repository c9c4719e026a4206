"""Keyboard alone (Tab, Shift+Tab, Enter, Space, arrows): a manager completes a review meeting
and a front-line member sends an idea, and every element that takes focus shows it."""

import re
from datetime import timedelta

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from demo.seed import PASSWORD
from ideas.models import Idea
from reviews.models import Review, ReviewStatus
from reviews.services import local_today
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import log_in

BOB = "bob@nordic-air.example"
CAROL = "carol@nordic-air.example"

# Focus is visible when the focused element (or, for a radio or box styled by its label, the
# label around it) has an outline or a focus ring.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "nothing focused";
  const shown = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow && style.boxShadow !== "none");
  };
  if (shown(el)) return "";
  const label = el.closest("label");
  if (label && shown(label)) return "";
  const style = getComputedStyle(el);
  const drawn = [style.outlineStyle, style.outlineWidth, style.boxShadow].join("|");
  return el.outerHTML.slice(0, 160) + " " + drawn;
}"""


def tab_to(page, matches, *, limit=400, back=False):
    """Press Tab (or Shift+Tab) until the focused element matches the CSS selector; on the way,
    every element that takes focus must show it."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        try:  # the ring is drawn on the next frame: wait for it briefly
            page.wait_for_function(f"() => !({FOCUS_SHOWN})()", timeout=2000)
        except PlaywrightTimeout:
            raise AssertionError(f"focus not visible on {page.evaluate(FOCUS_SHOWN)}") from None
        if page.evaluate("(sel) => document.activeElement.matches(sel)", matches):
            return
    raise AssertionError(f"{matches} not reached with the keyboard")


# Completing a review makes its pack (a PDF) in the request in these tests (tasks run eagerly):
# seconds on a busy machine.
SLOW_PAGE_MS = 60_000


def press_to_load(page, key="Enter"):
    """Press a key that follows a link or sends a form, and wait for the next page."""
    with page.expect_navigation(timeout=SLOW_PAGE_MS):
        page.keyboard.press(key)


def test_a_review_meeting_with_the_keyboard_only(new_page, screenshot):
    seeded_demo()
    page = new_page()
    log_in(page, BOB, PASSWORD)
    page.goto("/o/nordic-air/")
    tab_to(page, "a[href*='/journeys/']:not([href$='/new/'])")
    while "Business trip" not in page.evaluate("document.activeElement.textContent"):
        tab_to(page, "a[href*='/journeys/']")
    press_to_load(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Business trip")
    tab_to(page, "a[href$='/start/']")
    press_to_load(page, "Enter")
    tab_to(page, "button[type=submit]")
    press_to_load(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review of Business trip")
    review = Review.objects.get(status=ReviewStatus.IN_PROGRESS)

    # Card 1: the rating with the arrow keys, a note typed, saved with Enter on its button.
    tab_to(page, "input[name='r1-rating']")
    page.keyboard.press("ArrowRight")  # from "Unchanged" to the next rating
    page.keyboard.press("ArrowRight")
    chosen = page.evaluate("document.querySelector('input[name=r1-rating]:checked').value")
    tab_to(page, "textarea[name='r1-note']")
    page.keyboard.type("Callers reach a person within a minute now")
    tab_to(page, "button[name='at'][value='1']")
    press_to_load(page, "Enter")
    expect(page.locator(".messages")).to_contain_text("saved")
    row = review.ratings.get(position=1)
    assert (str(row.rating), row.note) == (chosen, "Callers reach a person within a minute now")

    # An action on card 2: open "Add an action" with Enter, type, choose the owner by arrows.
    tab_to(page, "#tp-2 summary")
    page.keyboard.press("Enter")
    tab_to(page, "input[name='a2-title']")
    page.keyboard.type("Second check-in desk at the morning peak")
    tab_to(page, "select[name='a2-owner']")
    page.keyboard.press("ArrowDown")
    tab_to(page, "input[name='a2-due_on']")
    due = local_today(review.organisation) + timedelta(days=14)
    page.keyboard.type(due.strftime("%m%d%Y"))  # the date field takes its parts' digits in order
    tab_to(page, "button[name='at'][value='2']")
    press_to_load(page, "Space")
    expect(page.locator(".messages")).to_contain_text("1 action agreed.")
    assert review.actions.filter(title__startswith="Second check-in desk").exists()

    # Complete the review from the meeting bar (back up the page with Shift+Tab).
    page.keyboard.press("Home")
    tab_to(page, "button[name='complete']")
    press_to_load(page, "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete the review?")
    tab_to(page, "textarea")
    page.keyboard.type("Walked with the keyboard only.")
    tab_to(page, "button[type=submit]")
    press_to_load(page, "Enter")
    expect(page.locator(".messages")).to_contain_text("Review completed.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    assert review.summary == "Walked with the keyboard only."
    screenshot(page, "keyboard-review-completed")


def test_an_idea_with_the_keyboard_only(new_page):
    seeded_demo()
    page = new_page()
    log_in(page, CAROL, PASSWORD)
    page.goto("/o/nordic-air/ideas/new/")
    tab_to(page, "select[name='touchpoint']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("document.activeElement.value")
    assert chosen
    tab_to(page, "input[name='title']")
    page.keyboard.type("Greet transfer passengers at the gate")
    tab_to(page, "textarea[name='today']")
    page.keyboard.type("Transfer passengers search for the gate alone.")
    tab_to(page, "textarea[name='proposal']")
    page.keyboard.type("A host with a sign meets each connecting flight.")
    tab_to(page, "button[type=submit]")
    press_to_load(page, "Enter")
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Thank you! Your idea #\d+"))
    idea = Idea.objects.get(title="Greet transfer passengers at the gate")
    assert str(idea.touchpoint_id) == chosen and idea.author.email == CAROL
