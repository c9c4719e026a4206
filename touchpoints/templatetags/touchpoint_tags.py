"""Template helpers of touchpoints: ratings (word + symbol + signed number, the trend over
reviews as a sparkline), durations, numbers. Pages, the meeting and the printed pack load this
one library, so a rating reads the same on screen and on paper."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoints.models import RATING_SYMBOLS, Rating

register = template.Library()


RATING_CSS = {-2: "depresses", -1: "disappoints", 0: "neutral", 1: "pleases", 2: "wows"}
MINUS = "\u2212"  # the minus sign, as wide as the plus (not the hyphen)
NO_RATING = "–"


@register.filter
def signed(value):
    """-1 -> '−1', 2 -> '+2', 0 -> '0'; anything that is not a whole number is left as it is."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return value
    return f"{value:+d}".replace("-", MINUS) if value else "0"


@register.simple_tag
def rating_label(value):
    """A rating as plain text, symbol + word + number: '▲ Pleases (+1)', '▼▼ Depresses (−2)';
    '–' for none."""
    if value is None:
        return NO_RATING
    return f"{RATING_SYMBOLS[value]} {Rating(value).label} ({signed(value)})"


@register.simple_tag
def rating_badge(value, kind="now"):
    """A rating as symbol + word (never colour alone); colour is only a third cue."""
    label = Rating(value).label
    return format_html(
        '<span class="rating rating--{} rating--{}" title="{} ({})">'
        '<span class="rating__symbol" aria-hidden="true">{}</span> '
        '<span class="rating__label">{}</span></span>',
        RATING_CSS[value],
        kind,
        label,
        signed(value),
        RATING_SYMBOLS[value],
        label,
    )


SPARK_W, SPARK_H, SPARK_PAD = 96, 28, 4


def _spark_y(rating):
    # +2 at the top, -2 at the bottom
    return SPARK_PAD + (2 - rating) * (SPARK_H - 2 * SPARK_PAD) / 4


@register.simple_tag
def sparkline(values, label=""):
    """A touchpoint's ratings over reviews as a small inline SVG drawn on the server (no JS).

    `values`: ratings -2..2, oldest first; None where a review did not rate it (a gap in the
    line). '' when there are none. The SVG says the values to a screen reader (`aria-label`,
    `<title>`), and they are printed beside it as symbols and numbers, so the line is never the
    only cue. Classes style it on screen; presentation attributes (stroke, fill), which any CSS
    rule overrides, draw it in black for print (WeasyPrint and the browser alike).
    """
    values = list(values or [])
    if not values:
        return ""
    text = _("ratings: %(list)s") % {
        "list": ", ".join(_("not rated") if v is None else signed(v) for v in values)
    }
    if label:
        text = f"{label}, {text}"
    step = (SPARK_W - 2 * SPARK_PAD) / max(len(values) - 1, 1)
    xs = [SPARK_PAD + i * step if len(values) > 1 else SPARK_W / 2 for i in range(len(values))]
    segments, current = [], []
    for x, v in zip(xs, values, strict=True):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((x, _spark_y(v)))
    if current:
        segments.append(current)
    points = [point for segment in segments for point in segment]
    lines = format_html_join(
        "",
        '<polyline class="sparkline__line" points="{}" fill="none" stroke="#000" '
        'stroke-width="1.5"/>',
        ((" ".join(f"{x:.1f},{y:.1f}" for x, y in seg),) for seg in segments if len(seg) > 1),
    )
    dots = format_html_join(
        "",
        '<circle class="sparkline__dot" cx="{}" cy="{}" r="1.8" fill="#000"/>',
        ((f"{x:.1f}", f"{y:.1f}") for x, y in points[:-1]),
    )
    last = ""
    if points:
        last = format_html(
            '<circle class="sparkline__last" cx="{}" cy="{}" r="3" fill="#fff" '
            'stroke="#000" stroke-width="1.5"/>',
            *(f"{c:.1f}" for c in points[-1]),
        )
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{text}" xmlns="http://www.w3.org/2000/svg"><title>{text}</title>'
        '<line class="sparkline__zero" x1="0" x2="{w}" y1="{zero}" y2="{zero}" stroke="#999" '
        'stroke-width="0.5" stroke-dasharray="2 2"/>{lines}{dots}{last}</svg> '
        '<span class="sparkline__text" aria-hidden="true">{values}</span>',
        w=SPARK_W,
        h=SPARK_H,
        text=text,
        zero=f"{_spark_y(0):.1f}",
        lines=lines,
        dots=dots,
        last=last,
        # Each step stays whole ("▲ +1", no break inside), the line may wrap between steps.
        values=" → ".join(
            NO_RATING if v is None else f"{RATING_SYMBOLS[v]}\u00a0{signed(v)}" for v in values
        ),
    )


@register.filter
def duration(seconds):
    """120 -> '2 min', 75 -> '1 min 15 s', 40 -> '40 s'."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours})
    if minutes:
        parts.append(_("%(n)d min") % {"n": minutes})
    if rest or not parts:
        parts.append(_("%(n)d s") % {"n": rest})
    return " ".join(parts)


@register.filter
def thousands(value):
    try:
        return f"{int(value):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return value
