"""Customers' feedback: opening a touchpoint for it, its question and reasons, its code, and
recording an answer (once, counted or excluded as a repeat, added to the day's roll-up).

Opening, editing and rotating are for the organisation's managers and owners. Recording an
answer is public: the caller (the public page, the kiosk, the API) has checked its limits and
passes what identifies the respondent for the day (address and browser), which is kept only
as a hash with the day's salt.
"""

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ideas.models import Idea
from ideas.services import idea_submit
from motmap import audit
from motmap.bulk import add_counts, add_counts_to_rows, update_rows
from motmap.fields import max_length, require_known
from motmap.models import Language, Membership, Organisation, User
from motmap.tenancy import require_editor
from notifications.models import Kind
from notifications.services import Notice, deliver
from touchpoints.models import Rating, Touchpoint
from touchpoints.services import EXTERNAL_ID_MAX_LENGTH, FeedRejected
from webhooks.models import Event as WebhookEvent
from webhooks.services import emit

from .models import (
    COMMENT_MAX_LENGTH,
    MAX_REASONS,
    QUESTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SCALE_FACES,
    Channel,
    DailySalt,
    FeedbackDay,
    FeedbackImport,
    FeedbackImportDay,
    FeedbackPoint,
    FeedbackReasonDay,
    FeedbackResponse,
    Scale,
)

SIGNER = signing.Signer(salt="feedback.code", sep=".")
# The desk kiosk's address has a code of its own, shown only to the organisation's members: a
# kiosk is limited by its pause instead of the repeat window, so a card's code must not open it.
KIOSK_SIGNER = signing.Signer(salt="feedback.kiosk", sep=".")
KIOSK_PAUSE_MAX_SECONDS = 60
EDITABLE = (
    "question",
    "reasons",
    "kiosk_pause_seconds",
    "translations",
    "alert_answers",
    "alert_share_percent",
)
ALERT_ANSWERS_RANGE = (3, 500)
LANGUAGES = tuple(Language.values)


# --- the code of a touchpoint's cards and links ---------------------------------------------


def public_code(point: FeedbackPoint) -> str:
    """The code in the public address (/f/<code>/): the token, signed."""
    return SIGNER.sign(point.token)


def kiosk_code(point: FeedbackPoint) -> str:
    """The code in the desk kiosk's address (/f/<code>/kiosk/)."""
    return KIOSK_SIGNER.sign(point.token)


def point_for_code(code: str, *, kiosk: bool = False) -> FeedbackPoint | None:
    """The feedback point a public (or kiosk) code names, or None for a forged, mangled or
    retired code (a forged one is turned away without a query)."""
    try:
        token = (KIOSK_SIGNER if kiosk else SIGNER).unsign(code)
    except signing.BadSignature:
        return None
    return (
        FeedbackPoint.objects.select_related("touchpoint__journey", "organisation")
        .filter(token=token)
        .first()
    )


def address(name: str, code: str, *, via: str | None = None, lang: str | None = None) -> str:
    """The path of a customer's page (`feedback_respond` or `feedback_kiosk`) for `code`."""
    path = reverse(name, args=[code])
    query = urlencode([(key, value) for key, value in (("via", via), ("lang", lang)) if value])
    return f"{path}?{query}" if query else path


def addresses(point: FeedbackPoint) -> dict[str, str]:
    """The full addresses of a point: its plain link (for emails and receipts), the one its
    card's QR code holds, and the desk kiosk's."""
    code, site = public_code(point), settings.SITE_URL
    return {
        "link": site + address("feedback_respond", code, via=Channel.LINK),
        "qr": site + address("feedback_respond", code, via=Channel.QR),
        "kiosk": site + address("feedback_kiosk", kiosk_code(point)),
    }


def is_taking_answers(point: FeedbackPoint | None) -> bool:
    """Whether a point counts answers: open, and its touchpoint's journey not archived."""
    return bool(point and point.is_open and not point.touchpoint.journey.archived_at)


def _new_token() -> str:
    return secrets.token_urlsafe(12)


# --- managers: open, edit, close, rotate ----------------------------------------------------


def _check_settings(point: FeedbackPoint) -> None:
    errors: dict[str, str] = {}
    point.question = (point.question or "").strip()
    if len(point.question) > QUESTION_MAX_LENGTH:
        errors["question"] = _("Keep the question to %(max)s characters.") % {
            "max": QUESTION_MAX_LENGTH
        }
    if not isinstance(point.reasons, list) or not all(isinstance(r, str) for r in point.reasons):
        errors["reasons"] = _("Give the reasons as a list of short texts.")
    else:
        reasons = [reason.strip() for reason in point.reasons if reason.strip()]
        if len(reasons) > MAX_REASONS:
            errors["reasons"] = _("Offer at most %(max)s reasons.") % {"max": MAX_REASONS}
        elif any(len(reason) > REASON_MAX_LENGTH for reason in reasons):
            errors["reasons"] = _("Keep each reason to %(max)s characters.") % {
                "max": REASON_MAX_LENGTH
            }
        elif len({reason.casefold() for reason in reasons}) < len(reasons):
            errors["reasons"] = _("Each reason once, please.")
        point.reasons = reasons
    if not 0 <= point.kiosk_pause_seconds <= KIOSK_PAUSE_MAX_SECONDS:
        errors["kiosk_pause_seconds"] = _("Choose a pause from 0 to %(max)s seconds.") % {
            "max": KIOSK_PAUSE_MAX_SECONDS
        }
    low, high = ALERT_ANSWERS_RANGE
    if not low <= point.alert_answers <= high:
        errors["alert_answers"] = _("Choose from %(low)s to %(high)s answers.") % {
            "low": low,
            "high": high,
        }
    if not 1 <= point.alert_share_percent <= 100:
        errors["alert_share_percent"] = _("Choose a share from 1 to 100 percent.")
    if any(isinstance(text, str) and "\x00" in text for text in [point.question, *point.reasons]):
        errors["question"] = _("Remove the invisible control characters.")
    if "reasons" not in errors:
        translations_error = _check_translations(point)
        if translations_error:
            errors["translations"] = translations_error
    if errors:
        raise ValidationError(errors)


def _check_translations(point: FeedbackPoint) -> str | None:
    """Tidy `point.translations` ({language: {"question": ..., "reasons": [...]}}, reasons in
    the order of the point's own); the message of what is wrong with it, if anything. An empty
    text falls back to the point's own."""
    translations = point.translations
    if not isinstance(translations, dict):
        return _("Give the translations per language.")
    tidy: dict[str, dict[str, Any]] = {}
    for language, texts in translations.items():
        if language not in LANGUAGES:
            return _("“%(language)s” is not one of the languages customers are asked in.") % {
                "language": str(language)[:20]
            }
        if not isinstance(texts, dict):
            return _("Give the translations per language.")
        question = texts.get("question") or ""
        reasons = texts.get("reasons") or []
        if not isinstance(question, str) or not isinstance(reasons, list):
            return _("Give the translations per language.")
        if not all(isinstance(reason, str) for reason in reasons):
            return _("Give the reasons as a list of short texts.")
        question, reasons = question.strip(), [reason.strip() for reason in reasons]
        while reasons and not reasons[-1]:
            reasons.pop()
        name = Language(language).label
        if len(question) > QUESTION_MAX_LENGTH:
            return _("Keep the question in %(language)s to %(max)s characters.") % {
                "language": name,
                "max": QUESTION_MAX_LENGTH,
            }
        if len(reasons) > len(point.reasons):
            return _(
                "%(language)s has more reasons than the %(count)s offered: give one "
                "translation per reason, in the same order."
            ) % {"language": name, "count": len(point.reasons)}
        if any(len(reason) > REASON_MAX_LENGTH for reason in reasons):
            return _("Keep each reason to %(max)s characters.") % {"max": REASON_MAX_LENGTH}
        if any("\x00" in text for text in [question, *reasons]):
            return _("Remove the invisible control characters.")
        if question or any(reasons):
            tidy[language] = {"question": question, "reasons": reasons}
    point.translations = tidy
    return None


def default_question(touchpoint: Touchpoint) -> str:
    """The question asked when the manager wrote none (in the active language)."""
    return _("How was %(moment)s today?") % {"moment": touchpoint.name}


def texts_in(point: FeedbackPoint, language: str) -> tuple[str, list[tuple[str, str]]]:
    """The question and the reasons (value, words) a customer reads in `language`: the
    point's translation where there is one, else its own texts (written in the
    organisation's language). The value sent back is always the point's own reason, so every
    language counts into the same reason."""
    texts = point.translations.get(language, {}) if language != point.organisation.language else {}
    question = texts.get("question") or point.question or default_question(point.touchpoint)
    words = texts.get("reasons", [])
    reasons = [
        (reason, words[i] if i < len(words) and words[i] else reason)
        for i, reason in enumerate(point.reasons)
    ]
    return question, reasons


@transaction.atomic
def feedback_open(*, actor: User, touchpoint: Touchpoint, **fields: Any) -> FeedbackPoint:
    """Open `touchpoint` for feedback (again, if it was closed: same code, same settings,
    unless `fields` change them). Managers and owners only."""
    require_known(fields, EDITABLE)
    require_editor(actor, touchpoint.organisation)
    point = FeedbackPoint.objects.select_for_update().filter(
        touchpoint=touchpoint
    ).first() or FeedbackPoint(
        organisation=touchpoint.organisation, touchpoint=touchpoint, token=_new_token()
    )
    reopened = not point._state.adding
    before = audit.stored(point, [*fields, "is_open"]) if reopened else {}
    for name, value in fields.items():
        setattr(point, name, value)
    point.is_open = True
    _check_settings(point)
    point.save()
    if not reopened:
        _log(actor, point, "opened")
    elif changes := audit.changed(before, point):
        _log(actor, point, "reopened" if "is_open" in changes else "updated", changes)
    return point


def _log(actor: User, point: FeedbackPoint, verb: str, changes: Any = None) -> None:
    audit.record(
        actor=actor,
        organisation=point.organisation,
        action=f"feedback.{verb}",
        target=point,
        label=point.touchpoint.name,
        changes=changes,
    )


@transaction.atomic
def feedback_update(*, actor: User, point: FeedbackPoint, **fields: Any) -> FeedbackPoint:
    """Change the question, the reasons offered or the kiosk's pause."""
    require_known(fields, EDITABLE)
    require_editor(actor, point.organisation)
    before = audit.stored(point, fields)
    for name, value in fields.items():
        setattr(point, name, value)
    _check_settings(point)
    point.save(update_fields=list(fields))
    if changes := audit.changed(before, point):
        _log(actor, point, "updated", changes)
    return point


@transaction.atomic
def feedback_close(*, actor: User, point: FeedbackPoint) -> FeedbackPoint:
    """Stop taking answers: its cards and links say they are no longer in use. What was
    answered stays."""
    require_editor(actor, point.organisation)
    point.is_open = False
    point.save(update_fields=["is_open"])
    _log(actor, point, "closed")
    return point


@transaction.atomic
def feedback_rotate(*, actor: User, point: FeedbackPoint) -> FeedbackPoint:
    """A new code: every card and link made before stops counting (a card seen where it should
    not be, a link passed around)."""
    require_editor(actor, point.organisation)
    point.token = _new_token()
    point.rotated_at = timezone.now()
    point.save(update_fields=["token", "rotated_at"])
    _log(actor, point, "rotated")  # the new code itself is not logged: it is the card's secret
    return point


# --- the respondent, for the day's limits ---------------------------------------------------


# The salt of the day last asked for, kept in this process: a day's salt never changes (it is
# only deleted once the day is over), so every answer of the day after the first needs no query.
_salt_kept: dict[date, str] = {}


def _salt_of(day: date) -> str:
    salt = _salt_kept.get(day)
    if salt is not None:
        return salt
    salt = DailySalt.objects.filter(day=day).values_list("salt", flat=True).first()
    if salt is None:
        try:
            with transaction.atomic():
                salt = DailySalt.objects.create(day=day, salt=secrets.token_hex(32)).salt
        except IntegrityError:  # made by another answer meanwhile
            salt = DailySalt.objects.values_list("salt", flat=True).get(day=day)
    if not transaction.get_connection().in_atomic_block:  # only a salt that is committed
        _salt_kept.clear()
        _salt_kept[day] = salt
    return salt


def forget_kept_salt() -> None:
    """Forget the salt kept in this process (after its day, and between tests)."""
    _salt_kept.clear()


def respondent_hash(address: str, browser: str, *, now: datetime | None = None) -> str:
    """What an answer keeps of who sent it: a hash of (address, browser) with the salt of the
    day (UTC), which is deleted once the day is over."""
    day = (now or timezone.now()).astimezone(UTC).date()
    message = f"{address}\n{browser}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(_salt_of(day).encode() + message).hexdigest()


def forget_respondents(*, now: datetime | None = None) -> int:
    """Delete the salts and respondent hashes of past days (a beat task). Returns how many
    answers lost their hash."""
    today = (now or timezone.now()).astimezone(UTC).date()
    start_of_today = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    cleared = (
        FeedbackResponse.objects.filter(created_at__lt=start_of_today)
        .exclude(respondent="")
        .update(respondent="")
    )
    DailySalt.objects.filter(day__lt=today).delete()
    if any(day < today for day in _salt_kept):
        forget_kept_salt()
    return cleared


# --- answers ---------------------------------------------------------------------------------


def _check_answer(point: FeedbackPoint, face: object, reason: str, comment: str) -> None:
    errors: dict[str, str] = {}
    if isinstance(face, bool) or face not in Rating.values:
        errors["face"] = _("Tap one of the five faces.")
    if reason and reason not in point.reasons:
        errors["reason"] = _("Choose one of the reasons shown.")
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _(
            "Keep the comment to %(max)s characters (this one has %(count)s)."
        ) % {
            "max": COMMENT_MAX_LENGTH,
            "count": len(comment),
        }
    elif "\x00" in comment:
        errors["comment"] = _("Remove the invisible control characters.")
    if errors:
        raise ValidationError(errors)


def response_record(
    *,
    point: FeedbackPoint,
    submission_id: UUID,
    face: object,  # checked: one of -2 ... +2
    respondent: str,
    reason: str = "",
    comment: str = "",
    channel: str = Channel.QR,
    language: str = "",
    now: datetime | None = None,
) -> tuple[FeedbackResponse, bool]:
    """Record an answer; (the answer, whether it is new).

    The same `submission_id` again (a double tap, a resend after a lost answer) is the answer
    already stored: nothing more is counted. A second answer from the same `respondent` (see
    respondent_hash) for the touchpoint within FEEDBACK_REPEAT_MINUTES is stored as excluded;
    at a desk kiosk (one respondent for every customer) within the kiosk's pause instead. An
    empty `respondent` (an integrator that does not say who answered) is never a repeat.
    The day's roll-up is added to in the same transaction. A point that takes no answers
    (closed, rotated away, archived) raises ValidationError.
    """
    if not is_taking_answers(point):
        raise ValidationError(_("This card is no longer in use."))
    reason, comment = (reason or "").strip(), (comment or "").strip()
    _check_answer(point, face, reason, comment)
    face = cast(int, face)  # one of -2 ... +2: checked just above
    existing = FeedbackResponse.objects.filter(submission_id=submission_id).first()
    if existing is not None:
        return _same_answer(existing, point), False
    now = now or timezone.now()
    day = timezone.localdate(now, point.organisation.tzinfo)
    try:
        with transaction.atomic():
            # One answer of a touchpoint at a time from here to the roll-up (which would
            # serialise them on its row anyway): two taps of one respondent sent at once are
            # one counted answer and one repeat, never two counted.
            # The alert state as stored now (the point may have been read before another
            # answer fired an alert).
            state = FeedbackPoint.objects.select_for_update().values(*ALERT_FIELDS).get(pk=point.pk)
            for name, value in state.items():
                setattr(point, name, value)
            since = now - (
                timedelta(seconds=point.kiosk_pause_seconds)
                if channel == Channel.KIOSK
                else timedelta(minutes=settings.FEEDBACK_REPEAT_MINUTES)
            )
            counted = (
                not respondent
                or not FeedbackResponse.objects.filter(
                    touchpoint_id=point.touchpoint_id,
                    respondent=respondent,
                    counted=True,
                    created_at__gte=since,
                ).exists()
            )
            response = FeedbackResponse.objects.create(
                organisation_id=point.organisation_id,
                touchpoint_id=point.touchpoint_id,
                submission_id=submission_id,
                face=face,
                reason=reason,
                comment=comment,
                channel=channel,
                language=language[:10],
                counted=counted,
                day=day,
                respondent=respondent,
                created_at=now,
            )
            _add_to_day(response)
            check_alerts(point, response)
    except IntegrityError:  # the same submission, sent twice at once: the other one won
        first = FeedbackResponse.objects.filter(submission_id=submission_id).first()
        if first is None:
            raise
        return _same_answer(first, point), False
    return response, True


def _same_answer(response: FeedbackResponse, point: FeedbackPoint) -> FeedbackResponse:
    if response.touchpoint_id != point.touchpoint_id:
        raise ValidationError({"submission_id": _("This answer was sent for another moment.")})
    return response


@transaction.atomic
def response_add_details(
    *,
    point: FeedbackPoint,
    submission_id: UUID,
    reason: str = "",
    comment: str = "",
    face: object = None,
    **record: Any,
) -> FeedbackResponse:
    """What mattered most and a comment, given after the tap (the answer's second step). A
    reason is counted once: sending the step again with another reason keeps the first.

    The step carries the face tapped too: if the tap's answer never arrived (a lost
    connection), the whole answer is recorded now (`record`: response_record's respondent,
    channel, language), so nothing the customer gave is lost."""
    response = (
        FeedbackResponse.objects.select_for_update().filter(submission_id=submission_id).first()
    )
    if response is None:
        if face is None:
            raise ValidationError({"submission_id": _("Tap a face first.")})
        return response_record(
            point=point,
            submission_id=submission_id,
            face=face,
            reason=reason,
            comment=comment,
            **record,
        )[0]
    _same_answer(response, point)
    reason, comment = (reason or "").strip(), (comment or "").strip()
    _check_answer(point, response.face, reason, comment)
    changed: list[str] = []
    if reason and not response.reason:
        response.reason = reason
        changed.append("reason")
        if response.counted:
            add_counts(
                FeedbackReasonDay,
                {"touchpoint": response.touchpoint_id, "day": response.day, "reason": reason},
                {"count": 1},
                organisation=response.organisation_id,
            )
    if comment and comment != response.comment:
        response.comment = comment
        changed.append("comment")
    if changed:
        response.save(update_fields=changed)
    if "comment" in changed:
        locked = FeedbackPoint.objects.select_for_update(of=("self",)).select_related(
            "touchpoint__journey", "organisation"
        )
        check_alerts(locked.get(pk=point.pk), response)
    return response


def count_refused(point: FeedbackPoint, *, now: datetime | None = None) -> None:
    """Count a post refused as part of a burst from one address (answered 429) into the
    touchpoint's day, so managers see how many were turned away. One upsert; nothing else of
    the post is kept."""
    day = timezone.localdate(now or timezone.now(), point.organisation.tzinfo)
    add_counts(
        FeedbackDay,
        {"touchpoint": point.touchpoint_id, "day": day},
        {"throttled": 1},
        organisation=point.organisation_id,
    )


def _add_to_day(response: FeedbackResponse) -> None:
    counts = {FeedbackDay.FACE_FIELDS[response.face]: 1} if response.counted else {"excluded": 1}
    add_counts(
        FeedbackDay,
        {"touchpoint": response.touchpoint_id, "day": response.day},
        counts,
        organisation=response.organisation_id,
    )
    if response.reason and response.counted:
        add_counts(
            FeedbackReasonDay,
            {"touchpoint": response.touchpoint_id, "day": response.day, "reason": response.reason},
            {"count": 1},
            organisation=response.organisation_id,
        )


# --- alerts: the owner told, a webhook sent, once per rule until the score recovers ---------

ALERT_SHARE, ALERT_COMMENT = "share", "comment"
ALERT_FIELDS = ("share_alert_at", "comment_alert_at")
ALERT_HOUR = timedelta(hours=1)
ALERT_HOUR_MIN_ANSWERS = 5  # fewer in the last hour: the hour alone never alerts


def check_alerts(point: FeedbackPoint, response: FeedbackResponse) -> list[str]:
    """After a counted answer (or its comment), in its transaction with `point` locked: fire
    the rules that are newly met, and let a fired rule recover. Returns the rules fired.

    - share: the last `alert_answers` answers, or the last hour's answers (when there are at
      least ALERT_HOUR_MIN_ANSWERS of them), hold `alert_share_percent`% or more of the two
      bottom faces;
    - comment: a comment comes with the bottom face.
    A fired rule stays quiet until at least `alert_answers` answers have come since it fired
    and their share of the bottom faces, and the last hour's, is below the threshold again
    (no alert storms)."""
    if not response.counted:
        return []
    now = response.created_at
    latest = list(
        FeedbackResponse.objects.filter(touchpoint_id=point.touchpoint_id, counted=True)
        .order_by("-created_at")
        .values_list("face", "created_at")[: max(point.alert_answers, ALERT_HOUR_MIN_ANSWERS)]
    )
    recent = latest[: point.alert_answers]
    bottom = sum(1 for face, _at in recent if face <= -1)
    full, answers = len(recent) >= point.alert_answers, len(recent)
    high = full and bottom * 100 >= point.alert_share_percent * answers
    hour_busy = (
        len(latest) >= ALERT_HOUR_MIN_ANSWERS
        and latest[ALERT_HOUR_MIN_ANSWERS - 1][1] > now - ALERT_HOUR
    )
    if hour_busy:  # enough answers in the last hour for it to decide as well
        hour = FeedbackResponse.objects.filter(
            touchpoint_id=point.touchpoint_id, counted=True, created_at__gt=now - ALERT_HOUR
        ).aggregate(answers=Count("pk"), bottom=Count("pk", filter=Q(face__lte=-1)))
        if not high and hour["bottom"] * 100 >= point.alert_share_percent * hour["answers"]:
            high, bottom, answers = True, hour["bottom"], hour["answers"]
    changed, fired = [], []
    for field in ALERT_FIELDS:
        since = getattr(point, field)
        if since is not None and full and not high and recent[-1][1] > since:
            setattr(point, field, None)  # recovered over a full window after the alert
            changed.append(field)
    if high and point.share_alert_at is None:
        point.share_alert_at = now
        changed.append("share_alert_at")
        fired.append(ALERT_SHARE)
    if response.face == -2 and response.comment and point.comment_alert_at is None:
        point.comment_alert_at = now
        changed.append("comment_alert_at")
        fired.append(ALERT_COMMENT)
    if changed:
        point.save(update_fields=sorted(set(changed)))
    for rule in fired:
        _alert(point, response, rule, answers=answers, bottom=bottom)
    return fired


def _alert(
    point: FeedbackPoint, response: FeedbackResponse, rule: str, *, answers: int, bottom: int
) -> None:
    touchpoint = point.touchpoint
    journey = touchpoint.journey
    organisation = point.organisation
    share = bottom / answers if answers else 0.0
    if rule == ALERT_SHARE:
        text = _(
            "Customers' alert on “%(touchpoint)s”: %(bottom)s of the last %(answers)s answers "
            "were bad or very bad."
        ) % {"touchpoint": touchpoint.name, "bottom": bottom, "answers": answers}
    else:
        text = _("Customers' alert on “%(touchpoint)s”: “%(comment)s”") % {
            "touchpoint": touchpoint.name,
            "comment": response.comment[:200],
        }
    path = reverse("touchpoint_detail", args=[organisation.slug, touchpoint.pk])
    owner_id = touchpoint.owner_id or journey.owner_id
    memberships = (
        Membership.objects.filter(organisation=organisation, user_id=owner_id).select_related(
            "user", "organisation"
        )
        if owner_id is not None
        else Membership.objects.none()
    )
    deliver(
        Notice(
            membership=membership,
            kind=Kind.FEEDBACK_ALERTS,
            template="feedback_alert",
            text=text,
            url=f"{path}#customers-say",
            context={
                "touchpoint": touchpoint,
                "rule": rule,
                "answers": answers,
                "bottom": bottom,
                "comment": response.comment if rule == ALERT_COMMENT else "",
                "comments_path": reverse("feedback_comments", args=[organisation.slug])
                + f"?touchpoint={touchpoint.pk}",
            },
        )
        for membership in memberships
    )
    emit(
        WebhookEvent.FEEDBACK_ALERT,
        organisation,
        {
            "rule": rule,
            "touchpoint": {
                "id": str(touchpoint.pk),
                "name": touchpoint.name,
                "external_id": touchpoint.external_id or None,
                "journey": {"id": str(journey.pk), "name": journey.name},
            },
            "answers": answers,
            "bottom_two": bottom,
            "bottom_two_share": round(share, 3),
            "threshold": point.alert_share_percent / 100,
            "face": response.face,
            "comment": response.comment if rule == ALERT_COMMENT else None,
            "answered_at": response.created_at.isoformat(),
        },
    )


# --- comments: read, made into an idea, forgotten after the retention period ----------------


def comment_mark_read(*, actor: User, response: FeedbackResponse) -> FeedbackResponse:
    """Mark a customer's comment read (managers and owners)."""
    require_editor(actor, response.organisation)
    if response.comment_read_at is None:
        response.comment_read_at = timezone.now()
        response.save(update_fields=["comment_read_at"])
    return response


@transaction.atomic
def comment_to_idea(*, actor: User, response: FeedbackResponse) -> Idea:
    """Make an idea of a customer's comment, for the touchpoint it was left at: no author, shown
    as from a customer; the comment is marked read. Made once: again, it is the same idea."""
    require_editor(actor, response.organisation)
    response = (
        FeedbackResponse.objects.select_for_update(of=("self",))
        .select_related("touchpoint")
        .get(pk=response.pk)
    )
    if response.idea_id is not None and response.idea is not None:
        return response.idea
    if not response.comment:
        raise ValidationError(_("This answer has no comment (any more) to make an idea of."))
    title = response.comment if len(response.comment) <= 60 else response.comment[:59] + "…"
    idea, _created = idea_submit(
        actor=actor,
        touchpoint=response.touchpoint,
        title=title,
        today=response.comment,
        proposal=_("A customer said this at the moment. What would make it a wow?"),
        from_customer=True,
    )
    response.idea = idea
    response.comment_read_at = response.comment_read_at or timezone.now()
    response.save(update_fields=["idea", "comment_read_at"])
    return idea


def forget_comments(*, now: datetime | None = None) -> int:
    """Delete the text of comments older than FEEDBACK_COMMENT_DAYS (a beat task); the answer,
    its face and reason, and the roll-ups stay. Returns how many comments were deleted."""
    before = (now or timezone.now()) - timedelta(days=settings.FEEDBACK_COMMENT_DAYS)
    return (
        FeedbackResponse.objects.filter(created_at__lt=before)
        .exclude(comment="")
        .update(comment="")
    )


def reasons_suggested() -> Sequence[str]:
    """Reasons to start from, in customers' words (from the seven habits)."""
    return [
        _("Friendly staff"),
        _("Quick"),
        _("Thought of what I needed"),
        _("Solved my problem"),
        _("Treated me as a person"),
        _("The little details"),
    ]


# --- scores imported from other survey tools -------------------------------------------------

SCORE_IMPORT_MAX_ROWS = 20_000
SCORE_COUNT_MAX = 100_000  # answers in one row: far beyond a day at any one moment
SCORE_FIELDS = ("external_id", "date", "score", "count")
SCORES_FROM = date(2000, 1, 1)
_WHOLE = re.compile(r"\s*[+-]?\d{1,9}(\.0*)?\s*")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ScoreRow:
    """One row of scores: `count` answers with `score` (on the import's scale) at the
    touchpoint with `external_id` on `day`. `face` is the score on motmap's faces; `errors`
    {field: [messages]}."""

    index: int  # position in what was sent, from 0
    number: int  # the row as the file shows it
    external_id: str | None = None
    day: date | None = None
    score: int | None = None
    count: int = 1
    face: int | None = None
    touchpoint_id: UUID | None = None
    touchpoint_name: str = ""
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)


@dataclass
class ScoreImport:
    """What an import of scores does (or did, once `saved`)."""

    scale: str
    rows: list[ScoreRow]
    days: int = 0  # touchpoint-days the import sets
    days_replaced: int = 0  # of them, set by an earlier import (replaced, not added)
    saved: FeedbackImport | None = None

    @property
    def error_rows(self) -> list[ScoreRow]:
        return [row for row in self.rows if row.errors]

    @property
    def answers(self) -> int:
        return sum(row.count for row in self.rows if not row.errors)

    @property
    def touchpoints(self) -> int:
        return len({row.touchpoint_id for row in self.rows if row.touchpoint_id})

    @property
    def faces(self) -> dict[int, int]:
        totals = dict.fromkeys(SCALE_FACES[Scale.FACES], 0)
        for row in self.rows:
            if not row.errors and row.face is not None:
                totals[row.face] += row.count
        return totals

    def rejected(self) -> FeedRejected:
        return FeedRejected(
            [
                {"index": row.index, "external_id": row.external_id, "errors": row.errors}
                for row in self.error_rows
            ]
        )


def _whole(value: object) -> int | None:
    """A whole number as JSON or a CSV cell gives it (4, 4.0, "4", " +4 "), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value.strip().split(".")[0])
    return None


def _score_row(index: int, number: int, row: object, scale: str, today: date) -> ScoreRow:
    result = ScoreRow(index=index, number=number)
    if not isinstance(row, dict):
        result.errors["non_field_errors"] = [_("Send each row as a JSON object.")]
        return result
    errors = result.errors
    for key in row:
        if key not in SCORE_FIELDS:
            errors[str(key)[:40]] = [_("Unknown field.")]
    external_id = row.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        errors["external_id"] = [_("Give the touchpoint's external ID.")]
    else:
        result.external_id = external_id.strip()
        if len(result.external_id) > EXTERNAL_ID_MAX_LENGTH or "\x00" in result.external_id:
            errors["external_id"] = [_("No touchpoint of this organisation has this external ID.")]
    day = row.get("date")
    if isinstance(day, date):
        result.day = day
    elif isinstance(day, str) and _ISO_DAY.fullmatch(day.strip()):
        try:
            result.day = date.fromisoformat(day.strip())
        except ValueError:
            pass
    if result.day is None:
        errors["date"] = [_("Give the date as year-month-day, e.g. 2026-11-30.")]
    elif result.day > today:
        errors["date"] = [
            _("%(day)s is in the future: only days that have happened can have answers.")
            % {"day": result.day.isoformat()}
        ]
    elif result.day < SCORES_FROM:
        errors["date"] = [_("Give a date from the year 2000 on.")]
    faces = SCALE_FACES[scale]
    score = _whole(row.get("score"))
    if score is None or score not in faces:
        errors["score"] = [
            _(
                "“%(score)s” is not on the scale %(scale)s: give a whole number from %(low)s "
                "to %(high)s."
            )
            % {
                "score": str(row.get("score", ""))[:20],
                "scale": Scale(scale).label,
                "low": min(faces),
                "high": max(faces),
            }
        ]
    else:
        result.score, result.face = score, faces[score]
    count = row.get("count")
    if count is None or count == "":
        count = 1
    whole = _whole(count)
    if whole is None or not 1 <= whole <= SCORE_COUNT_MAX:
        errors["count"] = [
            _("Give the number of answers as a whole number from 1 to %(max)s.")
            % {"max": f"{SCORE_COUNT_MAX:,}"}
        ]
    else:
        result.count = whole
    return result


def scores_import(
    *,
    actor: User,
    organisation: Organisation,
    scale: str,
    rows: object,
    source: str = "",
    first_number: int = 1,
    save: bool = False,
) -> ScoreImport:
    """Scores from another survey tool, onto the touchpoints' daily roll-ups: each row is
    `count` answers with `score` on `scale` (mapped onto the faces by SCALE_FACES) at the
    touchpoint with `external_id` (of this organisation) on `date` (not in the future).

    Without `save`, a preview: every row checked, nothing written. With `save`, all or
    nothing: any bad row raises FeedRejected (row errors as the bulk feed gives them) with
    nothing changed. A touchpoint and day the file names replaces what an earlier import said
    of it (importing the same file twice counts it once); answers given in motmap are never
    touched. Imports of an organisation are made one at a time. Managers and owners."""
    require_editor(actor, organisation)
    if scale not in Scale.values:
        raise ValidationError(
            {
                "scale": _("Choose the scale of the scores: %(scales)s.")
                % {"scales": ", ".join(Scale.values)}
            }
        )
    if not isinstance(rows, list):
        raise ValidationError({"rows": _("Send the rows as a list.")})
    if not rows:
        raise ValidationError({"rows": _("There are no rows to import.")})
    if len(rows) > SCORE_IMPORT_MAX_ROWS:
        raise ValidationError(
            {
                "rows": _("Send at most %(max)s rows at a time; split the file.")
                % {"max": f"{SCORE_IMPORT_MAX_ROWS:,}"}
            }
        )
    today = timezone.localdate(timezone=organisation.tzinfo)
    checked = [
        _score_row(index, first_number + index, row, scale, today) for index, row in enumerate(rows)
    ]
    with transaction.atomic():
        if save:  # one import at a time: each reads what the one before it wrote
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        _find_touchpoints(organisation, checked)
        result = ScoreImport(scale=scale, rows=checked)
        new = _import_days(checked)
        old = _imported_before(organisation, new)
        result.days, result.days_replaced = len(new), len(old)
        if not save:
            return result
        if result.error_rows:
            raise result.rejected()
        result.saved = _write_import(actor, organisation, result, source, new, old)
    return result


def _find_touchpoints(organisation: Organisation, rows: list[ScoreRow]) -> None:
    seen: dict[tuple[str, date, int], int] = {}
    for row in rows:
        if row.external_id is None or row.day is None or row.score is None:
            continue
        key = (row.external_id, row.day, row.score)
        if key in seen:
            row.errors.setdefault("score", []).append(
                _(
                    "Row %(number)s has this touchpoint, date and score too: give each once, "
                    "with its count."
                )
                % {"number": seen[key]}
            )
        else:
            seen[key] = row.number
    wanted = sorted(
        {row.external_id for row in rows if row.external_id and "external_id" not in row.errors}
    )
    found: dict[str, tuple[UUID, str]] = {}
    for start in range(0, len(wanted), 500):
        for pk, external_id, name in Touchpoint.objects.filter(
            organisation=organisation, external_id__in=wanted[start : start + 500]
        ).values_list("pk", "external_id", "name"):
            found[external_id] = (pk, name)
    for row in rows:
        if row.external_id is None or "external_id" in row.errors:
            continue
        if row.external_id in found:
            row.touchpoint_id, row.touchpoint_name = found[row.external_id]
        else:
            row.errors["external_id"] = [
                _("No touchpoint of this organisation has this external ID.")
            ]


Faces = dict[int, int]


def _import_days(rows: list[ScoreRow]) -> dict[tuple[UUID, date], Faces]:
    """{(touchpoint id, day): answers per face} of the rows without errors."""
    days: dict[tuple[UUID, date], Faces] = {}
    for row in rows:
        if row.errors or row.touchpoint_id is None or row.day is None or row.face is None:
            continue
        faces = days.setdefault(
            (row.touchpoint_id, row.day), dict.fromkeys(FeedbackDay.FACE_FIELDS, 0)
        )
        faces[row.face] += row.count
    return days


def _imported_before(
    organisation: Organisation, days: dict[tuple[UUID, date], Faces]
) -> dict[tuple[UUID, date], Faces]:
    """What earlier imports said of the same touchpoint-days."""
    if not days:
        return {}
    ids = sorted({pk for pk, _day in days})
    first, last = min(day for _pk, day in days), max(day for _pk, day in days)
    names = FeedbackDay.FACE_FIELDS
    before: dict[tuple[UUID, date], Faces] = {}
    for start in range(0, len(ids), 500):
        for row in FeedbackImportDay.objects.filter(
            organisation=organisation,
            touchpoint_id__in=ids[start : start + 500],
            day__range=(first, last),
        ).values("touchpoint_id", "day", *names.values()):
            key = (row["touchpoint_id"], row["day"])
            if key in days:
                before[key] = {face: row[name] for face, name in names.items()}
    return before


def _write_import(
    actor: User,
    organisation: Organisation,
    result: ScoreImport,
    source: str,
    new: dict[tuple[UUID, date], Faces],
    old: dict[tuple[UUID, date], Faces],
) -> FeedbackImport:
    names = FeedbackDay.FACE_FIELDS
    record = FeedbackImport.objects.create(
        organisation=organisation,
        created_by=actor,
        scale=result.scale,
        source=source[: max_length(FeedbackImport, "source")],
        rows=len(result.rows),
        answers=result.answers,
        days=result.days,
        days_replaced=result.days_replaced,
    )
    FeedbackImportDay.objects.bulk_create(
        [
            FeedbackImportDay(
                organisation=organisation,
                touchpoint_id=pk,
                day=day,
                feedback_import=record,
                **{names[face]: count for face, count in faces.items()},
            )
            for (pk, day), faces in new.items()
        ],
        update_conflicts=True,
        unique_fields=["touchpoint", "day"],
        update_fields=[*names.values(), "feedback_import"],
        batch_size=500,
    )
    # The days' roll-ups: those that exist are locked (answers given meanwhile wait) and set
    # to what they hold less the earlier import plus this one; the others are added.
    ids = sorted({pk for pk, _day in new})
    first, last = min(day for _pk, day in new), max(day for _pk, day in new)
    fields = [*names.values(), "imported"]
    stored = {
        (row["touchpoint_id"], row["day"]): row
        for start in range(0, len(ids), 500)
        for row in FeedbackDay.objects.select_for_update()
        .filter(touchpoint_id__in=ids[start : start + 500], day__range=(first, last))
        .order_by("pk")
        .values("pk", "touchpoint_id", "day", *fields)
    }
    updates, additions = [], []
    for key, faces in new.items():
        counts = {names[face]: count for face, count in faces.items()}
        counts["imported"] = sum(faces.values())
        if key in stored:
            before = old.get(key, dict.fromkeys(names, 0))
            taken = {names[face]: count for face, count in before.items()}
            taken["imported"] = sum(before.values())
            row = stored[key]
            updates.append([row["pk"], *(row[f] - taken[f] + counts[f] for f in fields)])
        else:
            additions.append(({"touchpoint": key[0], "day": key[1]}, counts))
    update_rows(FeedbackDay, fields, updates)
    add_counts_to_rows(FeedbackDay, additions, organisation=organisation.pk)
    return record
