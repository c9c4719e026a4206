"""Template helpers: ratings as word + symbol, durations, numbers."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoints.models import RATING_SYMBOLS, Rating

register = template.Library()


RATING_CSS = {-2: "depresses", -1: "disappoints", 0: "neutral", 1: "pleases", 2: "wows"}


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
        f"{value:+d}" if value else "0",
        RATING_SYMBOLS[value],
        label,
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
