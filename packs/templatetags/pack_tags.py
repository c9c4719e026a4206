"""Small drawings for the printed pack: inline SVG made on the server, readable in black and white.

Ratings, signed numbers and the trend's sparkline come from touchpoint_tags, as on screen.

SVG presentation attributes (stroke, fill) rather than CSS classes, so that WeasyPrint and a
browser draw them alike; the values are numbers we compute, never user text.
"""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def trend_ratings(trend):
    """A touchpoint's trend in the pack, [(review, rating or None), ...], as the ratings alone
    (for touchpoint_tags' sparkline)."""
    return [rating for _review, rating in trend or []]


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


@register.filter
def label_every(count):
    """Number every touchpoint on the curve up to 40, beyond that every 5th (legible)."""
    return 1 if count <= 40 else 5


@register.filter
def divisibleby_or_first(counter, step):
    return step == 1 or counter == 1 or counter % step == 0
