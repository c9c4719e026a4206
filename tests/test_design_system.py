"""One small design system (docs/design.md): the scale and the components are defined once in
static/css/screen.css, and the templates use them the same way on every page."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CSS = (ROOT / "static/css/screen.css").read_text()
# Screens only: the printed pack, the A6 card and emails have their own sheets.
OWN_SHEET = (
    "print/",
    "email/",
    "touchpoints/touchpoint_card.html",
    "feedback/card.html",
    "includes/a6_card_page.html",
    # the customer's pages: their own light sheet (static/css/feedback.css)
    "feedback/_page.html",
    "feedback/faces.html",
    "feedback/_faces_form.html",
    "feedback/details.html",
    "feedback/thanks.html",
    "feedback/retired.html",
    "feedback/slow_down.html",
    "feedback/kiosk.html",
    "feedback/kiosk_thanks.html",
)
SCREEN_TEMPLATES = sorted(
    p
    for p in (ROOT / "templates").rglob("*.html")
    if not p.relative_to(ROOT / "templates").as_posix().startswith(OWN_SHEET)
)
BUTTON_MODIFIERS = {
    "button--primary",
    "button--danger",
    "button--quiet",
    "button--small",
    "button--big",
}
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}


def _rel(path):
    return path.relative_to(ROOT / "templates").as_posix()


def test_the_scale_is_defined_once():
    root = CSS[CSS.index(":root {") : CSS.index("}", CSS.index(":root {"))]
    for step in range(1, 7):
        assert f"--space-{step}:" in root, step
    for size in ("--text-sm", "--text-base", "--text-lg", "--text-xl", "--text-2xl"):
        assert f"{size}:" in root, size


@pytest.mark.parametrize(
    "component", [".button", ".table", ".card", ".panel", ".empty", ".message"]
)
def test_each_component_is_styled_in_one_place_with_the_scale(component):
    token = re.compile(rf"(^|[\s,]){re.escape(component)}(?=[\s,{{:]|$)")
    rules = [
        body
        for selector, body in re.findall(r"(?m)^([^{}@/][^{}]*)\{([^}]*)\}", CSS)
        if token.search(selector.strip())
    ]
    assert rules, component
    assert any("var(--space-" in body for body in rules), f"{component} does not use the scale"


def test_every_screen_table_is_a_design_system_table():
    plain = [
        f"{_rel(p)}: {m.group(0)}"
        for p in SCREEN_TEMPLATES
        for m in re.finditer(r"<table(?![^>]*class=\"[^\"]*\btable\b)[^>]*>", p.read_text())
    ]
    assert not plain, "\n".join(plain)


def test_buttons_use_only_the_known_variants():
    unknown = []
    for path in SCREEN_TEMPLATES:
        for classes in re.findall(r'class="([^"{]*\bbutton\b[^"{]*)"', path.read_text()):
            extra = {c for c in classes.split() if c.startswith("button--")} - BUTTON_MODIFIERS
            if extra:
                unknown.append(f"{_rel(path)}: {sorted(extra)}")
    assert not unknown, "\n".join(unknown)
    for modifier in BUTTON_MODIFIERS:
        assert f".{modifier}" in CSS, modifier


def test_messages_come_from_one_include_with_a_known_level():
    """Flash messages are rendered once, in base.html; pages that show a notice inline use the
    same `message message--<level>` classes."""
    for path in SCREEN_TEMPLATES:
        for level in re.findall(r"\bmessage--([a-z]+)\b", path.read_text()):
            assert level in MESSAGE_LEVELS, (_rel(path), level)
    for level in ("error", "success"):
        assert f".message--{level}" in CSS
