"""Template helpers: ratings as word + symbol, durations, numbers."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoints.models import RATING_SYMBOLS, Rating

register = template.Library()


@register.inclusion_tag("includes/rating_badge.html")
def rating_badge(value, kind="now"):
    return {
        "value": value,
        "signed": f"{value:+d}" if value else "0",
        "label": Rating(value).label,
        "symbol": RATING_SYMBOLS[value],
        "kind": kind,
        "css": {-2: "depresses", -1: "disappoints", 0: "neutral", 1: "pleases", 2: "wows"}[value],
    }


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
