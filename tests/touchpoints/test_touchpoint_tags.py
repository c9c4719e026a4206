"""touchpoint_tags: the one place that writes a rating, a signed number and a rating trend, for
the pages, the review meeting and the printed pack alike."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from touchpoints.templatetags.touchpoint_tags import rating_label, signed, sparkline

ROOT = Path(__file__).resolve().parents[2]


def render(text, **context):
    return Template("{% load touchpoint_tags %}" + text).render(Context(context))


@pytest.mark.parametrize(
    "value,text", [(-2, "−2"), (-1, "−1"), (0, "0"), (1, "+1"), (2, "+2"), ("-1", "−1")]
)
def test_signed_writes_the_minus_sign_and_a_plus(value, text):
    assert signed(value) == text
    assert render("{{ v|signed }}", v=value) == text


def test_signed_leaves_what_is_not_a_number():
    assert signed(None) is None
    assert signed("—") == "—"


@pytest.mark.parametrize(
    "value,text",
    [
        (-2, "▼▼ Depresses (−2)"),
        (-1, "▼ Disappoints (−1)"),
        (0, "● Neutral (0)"),
        (1, "▲ Pleases (+1)"),
        (2, "★ Wows (+2)"),
        (None, "–"),
    ],
)
def test_the_rating_label_is_symbol_word_and_signed_number(value, text):
    assert rating_label(value) == text
    assert render("{% rating_label v %}", v=value) == text


def test_the_badge_title_uses_the_same_signed_number():
    assert 'title="Disappoints (−1)"' in render("{% rating_badge -1 %}")
    assert 'title="Neutral (0)"' in render("{% rating_badge 0 %}")


def test_a_gap_in_the_trend_breaks_the_line_and_is_said():
    html = sparkline([1, None, -1, 0], "Gate")
    assert 'aria-label="Gate, ratings: +1, not rated, −1, 0"' in html
    assert html.count("<polyline") == 1  # +1 stands alone; −1 → 0 is one line
    assert html.count("<circle") == 3
    assert "▲\u00a0+1 → – → ▼\u00a0−1 → ●\u00a00" in html


def test_a_trend_without_any_rating_draws_no_point():
    html = sparkline([None, None])
    assert "<circle" not in html and "<polyline" not in html
    assert 'aria-label="ratings: not rated, not rated"' in html


def test_the_sparkline_draws_in_black_without_css_and_is_styled_on_screen():
    html = sparkline([-1, 2])
    assert html.startswith('<svg class="sparkline"')
    for part in ("sparkline__line", "sparkline__dot", "sparkline__last", "sparkline__zero"):
        assert f'class="{part}"' in html
    assert 'stroke="#000"' in html and 'fill="#000"' in html


def test_no_other_code_writes_a_rating_or_a_signed_number():
    """The rules live in touchpoint_tags: no template formats a number with a sign itself, and
    no other tag library defines signed, a rating label or a sparkline."""
    for path in (ROOT / "templates").rglob("*.html"):
        assert 'stringformat:"+d"' not in path.read_text(), path
    libraries = [
        path
        for app in ("journeys", "touchpoints", "ideas", "reviews", "packs", "notifications")
        for path in (ROOT / app).glob("templatetags/*.py")
        if path.name != "touchpoint_tags.py"
    ]
    for path in libraries:
        text = path.read_text()
        assert not re.search(r"def (signed|sparkline|rating_words|rating_label)\b", text), path
