"""The board's touchpoint cards and its emotion curve, each rendered once per content and kept
in this process.

A card shows a touchpoint's fields (its `version` changes with every save), its place on the
board, its open ideas, its owner's name, the customers' answers of the period, the viewer's
right to edit, and words in the active language; the key holds all of these, so a card whose
content changed is rendered again and an old one is never shown. The CSRF token differs per
person and page: a kept card holds a mark that is replaced by this page's token. A card
showing an unsaved quick edit is never kept.
The curve is kept by its journey, each point's touchpoint, version and number, the previous
review's ratings and date, the customers' means, and the language. The keep is bounded
(`MAX_CARDS`, least recently used out) and per process: nothing to invalidate, nothing shared
between workers.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from motmap.models import Organisation
from motmap.tenancy import OrgRequest
from touchpoints.selectors import JourneyMap

TEMPLATE = "includes/touchpoint_card.html"
CSRF_MARK = "csrf-token-of-this-page"
MAX_CARDS = 5000

# A touchpoint of the board (touchpoints.selectors.journey_map, with `open_ideas` where the
# board counts them) with the page's `quick` (an unsaved quick edit, or None); `card` is set
# here. The model declares neither, so such a touchpoint is typed loosely.
BoardTouchpoint = Any
Key = tuple[object, ...]

_kept: OrderedDict[Key, str] = OrderedDict()
_lock = threading.Lock()


def _key(tp: BoardTouchpoint, *, org: Organisation, can_edit: bool, count: int) -> Key:
    owner = tp.owner.display_name if tp.owner_id else ""
    return (
        tp.pk,
        tp.version,
        tp.number,
        tp.number == count,  # the last card has no "later" button
        getattr(tp, "open_ideas", 0),
        owner,
        can_edit,
        org.slug,
        translation.get_language(),
        _customers_key(getattr(tp, "customers", None)),
    )


def _customers_key(summary: Any) -> Key:
    """What a card shows of customers' answers: the counts (the rest follows from them)."""
    if summary is None:
        return ()
    return (tuple(sorted(summary.faces.items())), summary.excluded)


def _get(key: Key) -> str | None:
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
        return html


def _keep(key: Key, html: str) -> None:
    with _lock:
        _kept[key] = html
        _kept.move_to_end(key)
        while len(_kept) > MAX_CARDS:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget every kept card (tests)."""
    with _lock:
        _kept.clear()


def render_cards(
    request: OrgRequest,
    touchpoints: Sequence[BoardTouchpoint],
    *,
    rating_choices: Sequence[tuple[int, str]],
) -> None:
    """Set `tp.card` (the card's HTML) on each of the board's `touchpoints`."""
    template = get_template(TEMPLATE)
    token = get_token(request)
    count = len(touchpoints)
    can_edit = request.membership.can_edit
    for tp in touchpoints:
        key = None if tp.quick else _key(tp, org=request.org, can_edit=can_edit, count=count)
        html = _get(key) if key else None
        if html is None:
            html = template.render(
                {
                    "tp": tp,
                    "org": request.org,
                    "membership": request.membership,
                    "touchpoint_count": count,
                    "rating_choices": rating_choices,
                    "csrf_token": CSRF_MARK,
                }
            )
            if key:
                _keep(key, html)
        tp.card = mark_safe(html.replace(CSRF_MARK, token))  # noqa: S308  (our own template)


CURVE_TEMPLATE = "includes/emotion_curve.html"


def render_curve(request: OrgRequest, board: JourneyMap) -> SafeString:
    """The board's emotion curve as HTML (kept while no point of it changes)."""
    curve = board.curve
    key = (
        "curve",
        board.journey.pk,
        request.org.slug,
        translation.get_language(),
        tuple((p.touchpoint.pk, p.touchpoint.version, p.touchpoint.number) for p in curve.points),
        tuple(p.previous for p in curve.points),
        tuple(p.customers for p in curve.points),
        curve.previous_on,
    )
    html = _get(key)
    if html is None:
        html = get_template(CURVE_TEMPLATE).render({"curve": curve, "org": request.org})
        _keep(key, html)
    return mark_safe(html)  # noqa: S308  (our own template)
