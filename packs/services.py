"""Making packs: the HTML (one template for print view and PDF), stored review packs, org packs.

`store_review_pack(review)` is what review completion calls: it records that the review's pack
is wanted (one row per review) and queues the task after the transaction commits; the task
claims the row with a conditional UPDATE, so a retried or doubled task makes it once.
"""

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from motmap import ratelimit
from motmap.enqueue import enqueue_on_commit
from motmap.models import Organisation, User
from motmap.tenancy import require_editor
from reviews.models import Review

from . import pdf, selectors
from .models import PackKind, PackStatus, PaperSize, StoredPack
from .selectors import JourneyPack

logger = logging.getLogger(__name__)

BLANK_ACTION_ROWS = 8
NOTE_LINES = 22
# A pack "being made" for longer than this was left by a worker that died: it may be claimed again.
STALE_AFTER = timedelta(minutes=15)
# A journey's PDF is kept this long in the cache, for the next download of the same content.
PDF_CACHE_SECONDS = 7 * 24 * 3600

# A queued pack the worker has not started after this long is built by the beat's sweep.
WAITING_AFTER = timedelta(minutes=1)


def pack_context(
    *,
    org: Organisation,
    packs: Sequence[JourneyPack],
    paper: str,
    for_pdf: bool,
    is_org_pack: bool = False,
    printed_at: datetime | None = None,
    **extra: object,
) -> dict[str, Any]:
    if is_org_pack:
        title = _("Review pack")
    else:
        title = _("Review pack: %(journey)s") % {"journey": packs[0].journey.name}
    return {
        "org": org,
        "packs": packs,
        "paper": paper,
        "for_pdf": for_pdf,
        "is_org_pack": is_org_pack,
        "printed_at": printed_at or timezone.now(),
        "title": title,
        "blank_rows": range(BLANK_ACTION_ROWS),
        "note_lines": range(NOTE_LINES),
        **extra,
    }


def render_pack_html(context: Mapping[str, Any], request: HttpRequest | None = None) -> str:
    return render_to_string("print/pack.html", context, request=request)


def pack_pdf(context: Mapping[str, Any]) -> tuple[bytes, int]:
    """(pdf bytes, page count) of a pack context. Raises pdf.PdfUnavailable without WeasyPrint."""
    document = pdf.html_to_document(render_pack_html({**context, "for_pdf": True}))
    return pdf.write_pdf(document), len(document.pages)


def journey_pack_pdf(context: Mapping[str, Any]) -> bytes:
    """The PDF of a journey's pack, from the cache when nothing in it changed since it was made.

    The key is the SHA-256 of the pack's final HTML, without its "Printed" time, and of the
    static files it loads: any change of the journey, its touchpoints, ideas, reviews, actions,
    a name, the language, the paper or a stylesheet gives another key, so a fresh PDF. A PDF
    served from the cache says when it was made. The cache is an aid (`motmap.ratelimit`): when
    it cannot be reached the PDF is made as if nothing were cached. Raises pdf.PdfUnavailable.
    """
    html = render_pack_html({**context, "for_pdf": True})
    key = _content_key(
        html, printed=date_format(timezone.localtime(context["printed_at"]), "j M Y H:i")
    )
    content = _cached_pdf(key)
    if content is None:
        content = pdf.write_pdf(pdf.html_to_document(html))
        _keep_pdf(key, content)
    return content


def _content_key(html: str, *, printed: str) -> str:
    digest = hashlib.sha256(html.replace(printed, "").encode())
    static_url = re.escape(urlsplit(settings.STATIC_URL).path)
    for path in sorted(set(re.findall(rf"""(?:href|src)=["']{static_url}([^"'?#]+)""", html))):
        digest.update(path.encode())
        digest.update(_static_fingerprint(path))
    return f"pack-pdf:{digest.hexdigest()}"


def _static_fingerprint(url_path: str) -> bytes:
    """The size and modification time of a static file the pack loads (b"" if not found)."""
    found = finders.find(url_path) or (
        os.path.join(settings.STATIC_ROOT, url_path) if settings.STATIC_ROOT else None
    )
    try:
        stat = os.stat(found) if found else None
    except OSError:
        stat = None
    return f"{stat.st_size}:{stat.st_mtime_ns}".encode() if stat else b""


def _cached_pdf(key: str) -> bytes | None:
    if ratelimit.cache_seems_away():
        return None
    try:
        return cache.get(key)
    except Exception as exc:  # any cache failure: the PDF is made
        ratelimit.cache_failed("read a cached pack", exc, "packs are made afresh meanwhile")
        return None


def _keep_pdf(key: str, content: bytes) -> None:
    if ratelimit.cache_seems_away():
        return
    try:
        cache.set(key, content, PDF_CACHE_SECONDS)
    except Exception as exc:
        ratelimit.cache_failed("keep a pack", exc, "packs are made afresh meanwhile")


def store_review_pack(review: Review, *, paper: str | None = None) -> StoredPack:
    """Make and keep the pack of a completed review, so that meeting's pack can be printed again.

    Safe inside the transaction that completes the review: the row is written now, the task is
    queued when the transaction commits. Calling it again for the same review does nothing new.
    """
    if not review.is_completed:
        raise ValueError("Only a completed review has a pack to store.")
    org = review.organisation
    pack, created = StoredPack.objects.get_or_create(
        review=review,
        defaults={
            "organisation": org,
            "journey": review.journey,
            "kind": PackKind.JOURNEY,
            "paper": paper or org.paper_size,
            "title": _("%(journey)s – review of %(date)s")
            % {"journey": review.journey.name, "date": date_format(review.held_on)},
            "progress_total": 1,
            "created_by": review.completed_by,
        },
    )
    if pack.status != PackStatus.DONE:
        _queue(pack)
    return pack


def on_review_completed(
    sender: object, *, review: Review, keep_pack: bool = True, **kwargs: Any
) -> None:
    """Receiver of `reviews.signals.review_completed`: keep the meeting's pack."""
    if keep_pack:
        store_review_pack(review)


@transaction.atomic
def org_pack_start(
    *, actor: User, organisation: Organisation, paper: str | None = None
) -> StoredPack:
    """Queue a pack of every active journey of the organisation (editors only)."""
    require_editor(actor, organisation)
    journeys = organisation.journeys.active().count()
    pack = StoredPack.objects.create(
        organisation=organisation,
        kind=PackKind.ORGANISATION,
        paper=paper or organisation.paper_size,
        title=_("%(org)s – all journeys") % {"org": organisation.name},
        progress_total=journeys + 1,  # one step per journey, one for laying out the pages
        created_by=actor,
    )
    _queue(pack)
    return pack


def _queue(pack: StoredPack) -> None:
    enqueue_on_commit("packs.tasks.build_stored_pack", str(pack.pk), sweep="the pack sweep")


def waiting_pack_ids(now: datetime | None = None, *, limit: int = 50) -> list[str]:
    """Packs no worker took: queued a while ago (the broker was away when they were queued) or
    left running by a worker that died. The beat's sweep builds them (`_claim` decides)."""
    now = now or timezone.now()
    waiting = Q(status=PackStatus.QUEUED, created_at__lt=now - WAITING_AFTER) | Q(
        status=PackStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return [
        str(pk)
        for pk in StoredPack.objects.filter(waiting)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    ]


def _claim(pack_id: uuid.UUID | str, now: datetime) -> int:
    """Take the pack for this worker: queued, failed, or left running by a dead worker."""
    claimable = Q(status__in=[PackStatus.QUEUED, PackStatus.FAILED]) | Q(
        status=PackStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return StoredPack.objects.filter(claimable, pk=pack_id).update(
        status=PackStatus.RUNNING, started_at=now, error="", progress_done=0
    )


def stored_pack_build(
    pack_id: uuid.UUID | str, *, now: datetime | None = None
) -> uuid.UUID | str | None:
    """Make the PDF of a stored pack. Idempotent: a pack that is done (or being made) is left."""
    now = now or timezone.now()
    if not _claim(pack_id, now):
        return None
    pack = (
        StoredPack.objects.without_pdf()
        .select_related("organisation", "journey", "journey__owner", "review")
        .get(pk=pack_id)
    )
    org = pack.organisation
    try:
        with timezone.override(org.tzinfo):
            if pack.kind == PackKind.ORGANISATION:
                packs = _gather_org(pack)
            else:
                packs = [selectors.gather_journey_pack(pack.journey, review=pack.review)]
            context = pack_context(
                org=org,
                packs=packs,
                paper=pack.paper,
                for_pdf=True,
                is_org_pack=pack.kind == PackKind.ORGANISATION,
                printed_at=pack.review.completed_at if pack.review else now,
            )
            content, pages = pack_pdf(context)
    except Exception as exc:
        logger.exception("review pack %s failed", pack_id)
        message = (
            _("PDF making is not available on this server.")
            if isinstance(exc, pdf.PdfUnavailable)
            else _("The pack could not be made (%(error)s).") % {"error": type(exc).__name__}
        )
        StoredPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
            status=PackStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return None
    StoredPack.objects.filter(pk=pack_id, status=PackStatus.RUNNING).update(
        status=PackStatus.DONE,
        pdf=content,
        page_count=pages,
        progress_done=pack.progress_total,
        finished_at=timezone.now(),
    )
    return pack_id


def _gather_org(pack: StoredPack) -> list[JourneyPack]:
    journeys = list(pack.organisation.journeys.active().select_related("owner").order_by("name"))
    StoredPack.objects.filter(pk=pack.pk).update(progress_total=len(journeys) + 1)
    pack.progress_total = len(journeys) + 1
    result = []
    for done, journey in enumerate(journeys, start=1):
        result.append(selectors.gather_journey_pack(journey))
        StoredPack.objects.filter(pk=pack.pk).update(progress_done=done)
    return result


def normalise_paper(value: object, default: str) -> str | None:
    """'a4', 'A4', 'letter', 'Letter' -> the stored value; '' -> default; else None (invalid)."""
    if not value:
        return default
    return {choice.lower(): choice for choice in PaperSize.values}.get(str(value).strip().lower())
