"""Small drawings for the printed pack: inline SVG made on the server, readable in black and white.

SVG presentation attributes (stroke, fill) rather than CSS classes, so that WeasyPrint and a
browser draw them alike; the values are numbers we compute, never user text.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from touchpoints.models import RATING_SYMBOLS, Rating

register = template.Library()

SPARK_W, SPARK_H, SPARK_PAD = 84, 26, 4


def _spark_y(rating):
    # +2 at the top, -2 at the bottom
    return SPARK_PAD + (2 - rating) * (SPARK_H - 2 * SPARK_PAD) / 4


@register.simple_tag
def sparkline(trend):
    """A rating trend over the last reviews: [(review, rating or None), ...], oldest first.

    Dots for each review's rating joined by a line; an unrated review leaves a gap. The values
    are also printed as symbols beside it, so the line is never the only cue.
    """
    if not trend:
        return format_html('<span class="spark spark--none">{}</span>', _("no reviews yet"))
    step = (SPARK_W - 2 * SPARK_PAD) / max(len(trend) - 1, 1)
    xs = [SPARK_PAD + i * step if len(trend) > 1 else SPARK_W / 2 for i in range(len(trend))]
    ratings = [r for _review, r in trend]
    points = [(x, _spark_y(r)) for x, r in zip(xs, ratings, strict=True) if r is not None]
    segments, current = [], []
    for x, r in zip(xs, ratings, strict=True):
        if r is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((x, _spark_y(r)))
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="#000" stroke-width="1.5"/>',
        ((" ".join(f"{x:.1f},{y:.1f}" for x, y in seg),) for seg in segments if len(seg) > 1),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="2.5" fill="#000"/>',
        ((f"{x:.1f}", f"{y:.1f}") for x, y in points),
    )
    words = " → ".join(
        f"{RATING_SYMBOLS[r]} {r:+d}" if r else f"{RATING_SYMBOLS[0]} 0" if r == 0 else "–"
        for r in ratings
    )
    label = _("Rating in the last %(n)d reviews: %(values)s") % {"n": len(trend), "values": words}
    return format_html(
        '<span class="spark"><svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
        '<line x1="0" x2="{w}" y1="{mid}" y2="{mid}" stroke="#999" stroke-width="0.5" '
        'stroke-dasharray="2 2"/>{lines}{dots}</svg> '
        '<span class="spark__values">{words}</span></span>',
        w=SPARK_W,
        h=SPARK_H,
        mid=f"{_spark_y(0):.1f}",
        label=label,
        lines=lines,
        dots=dots,
        words=words,
    )


@register.simple_tag
def previous_polylines(points):
    """The previous review's curve as polylines (a gap where a touchpoint was not rated then)."""
    segments, current = [], []
    for point in points:
        if point is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(point)
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="#000" stroke-width="1.2" '
        'stroke-dasharray="1.5 2.5" stroke-linecap="round"/>',
        ((" ".join(f"{x:.1f},{y:.1f}" for x, y in seg),) for seg in segments),
    )
    marks = format_html_join(
        "",
        '<path d="M{} {} l4 4 l-4 4 l-4 -4 z" fill="#fff" stroke="#000" stroke-width="1"/>',
        ((f"{x:.1f}", f"{y - 4:.1f}") for seg in segments for x, y in seg),
    )
    return lines + marks


@register.simple_tag
def rating_words(value):
    """A rating as symbol + word + number, plain text for print: '▲ Pleases (+1)'."""
    if value is None:
        return "–"
    return (
        f"{RATING_SYMBOLS[value]} {Rating(value).label} ({value:+d})"
        if value
        else (f"{RATING_SYMBOLS[0]} {Rating(0).label} (0)")
    )


@register.filter
def signed(value):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return value
    return f"{value:+d}" if value else "0"


@register.filter
def label_every(count):
    """Number every touchpoint on the curve up to 40, beyond that every 5th (legible)."""
    return 1 if count <= 40 else 5


@register.filter
def divisibleby_or_first(counter, step):
    return step == 1 or counter == 1 or counter % step == 0
