"""Writes with rules for review meetings and their actions.

Keyword-only, atomic, taking the acting user; roles are checked here (templates only hide
buttons). A completed review is a record: every write on it is refused. Any ValidationError
leaves nothing changed (the whole service is one transaction).
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from feedback.models import FeedbackResponse
from ideas.models import Idea
from ideas.services import idea_change_status
from journeys import schedule
from journeys.models import Journey
from journeys.services import last_review_held_on, reschedule_journey
from motmap import audit
from motmap.fields import max_length
from motmap.models import Membership, Organisation, User
from motmap.tenancy import require_editor, require_role
from touchpoints.models import Rating, Touchpoint
from touchpoints.services import EditConflict, touchpoint_ratings_set, touchpoint_update
from webhooks import payloads as webhook_payloads
from webhooks.models import Event as WebhookEvent
from webhooks.services import emit

from . import signals
from .models import Action, ActionStatus, Review, ReviewDecision, ReviewRating, ReviewStatus
from .reminders import reschedule_action

MAX_HELD_DAYS = 366
TITLE_MAX = max_length(Action, "title")
NOTE_MAX = max_length(ReviewRating, "note")
GUESTS_MAX = max_length(Review, "guests")
SUMMARY_MAX = max_length(Review, "summary")


class ReviewAlreadyOpen(ValidationError):
    """The journey has an open review already; `review` is that one (the page links to it)."""

    def __init__(self, review: Review) -> None:
        super().__init__(
            _(
                "A review of this journey is already open (held on %(date)s). "
                "Continue that one instead of starting another."
            )
            % {"date": date_format(review.held_on)}
        )
        self.review = review


def completed_message() -> str:
    return _("A completed review is a record; it cannot be changed.")


def local_today(org: Organisation) -> date:
    return timezone.localdate(timezone.now(), org.tzinfo)


def _lock_open(review: Review) -> Review:
    """The review, read afresh under a lock; refused when it is completed or cancelled."""
    locked = (
        Review.objects.select_for_update()
        .select_related("journey", "organisation")
        .filter(pk=review.pk)
        .first()
    )
    if locked is None:  # cancelled meanwhile, by someone else
        raise ValidationError(_("This review was cancelled; nothing was saved."))
    if locked.is_completed:
        raise ValidationError(completed_message())
    return locked


def _non_members(org: Organisation, users: Iterable[User]) -> set[int]:
    ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(organisation=org, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    return ids - members


def _check_meeting(
    *,
    org: Organisation,
    held_on: date | None,
    attendees: Iterable[User] | None,
    guests: str | None,
) -> tuple[date, list[User], str]:
    """The date, attendees and guests of a meeting, as started or edited.

    Returns (the date, attendees as a list, guests stripped); raises one ValidationError naming
    every field that is wrong.
    """
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = _("Choose the date of the review.")
    elif abs((held_on - local_today(org)).days) > MAX_HELD_DAYS:
        errors["held_on"] = _("Choose a date within a year of today.")
    attendees = list(attendees or [])
    if _non_members(org, attendees):
        errors["attendees"] = _("Attendees must be members of this organisation.")
    guests = (guests or "").strip()
    if len(guests) > GUESTS_MAX:
        errors["guests"] = _("Keep the guests under %(n)d characters.") % {"n": GUESTS_MAX}
    if errors or held_on is None:  # no date is an error above
        raise ValidationError(errors)
    return held_on, attendees, guests


@transaction.atomic
def review_start(
    *,
    actor: User,
    journey: Journey,
    held_on: date | None,
    attendees: Iterable[User] = (),
    guests: str | None = "",
) -> Review:
    """Open a review meeting of `journey`: one rating row per touchpoint, in customer order."""
    org = journey.organisation
    require_editor(actor, org)
    # Serialise starts of the same journey: the second one sees the first one's review.
    journey = Journey.objects.select_for_update().select_related("organisation").get(pk=journey.pk)
    if journey.is_archived:
        raise ValidationError(_("This journey is archived: restore it before reviewing it."))
    open_review = Review.objects.filter(journey=journey, status=ReviewStatus.IN_PROGRESS).first()
    if open_review is not None:
        raise ReviewAlreadyOpen(open_review)
    held_on, attendees, guests = _check_meeting(
        org=org, held_on=held_on, attendees=attendees, guests=guests
    )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                organisation=org,
                journey=journey,
                held_on=held_on,
                guests=guests,
                started_by=actor,
            )
    except IntegrityError:  # another start won the race between the check and the write
        raise ReviewAlreadyOpen(
            Review.objects.get(journey=journey, status=ReviewStatus.IN_PROGRESS)
        ) from None
    review.attendees.set(attendees)
    touchpoints = (
        Touchpoint.objects.filter(journey=journey).select_related("stage").in_customer_order()
    )
    ReviewRating.objects.bulk_create(
        ReviewRating(
            review=review,
            touchpoint=tp,
            position=position,
            stage_name=tp.stage.name,
            touchpoint_name=tp.name,
            previous_rating=tp.rating_current,
            target_rating=tp.rating_target,
        )
        for position, tp in enumerate(touchpoints, start=1)
    )
    _log(actor, review, "started", {"held on": held_on})
    return review


def _log(actor: User, review: Review, verb: str, changes: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=actor,
        organisation=review.organisation,
        action=f"review.{verb}",
        target=review,
        changes=changes,
    )


def _log_action(
    actor: User, action: Action, verb: str, changes: dict[str, Any] | None = None
) -> None:
    audit.record(
        actor=actor,
        organisation=action.organisation,
        action=f"action.{verb}",
        target=action,
        changes=changes,
    )


@transaction.atomic
def review_update(
    *,
    actor: User,
    review: Review,
    held_on: date | None,
    attendees: Iterable[User] | None,
    guests: str | None,
) -> Review:
    """Correct an open review's date, attendees and guests (checked as when it was started)."""
    require_editor(actor, review.organisation)
    review = _lock_open(review)
    held_on, attendees, guests = _check_meeting(
        org=review.organisation, held_on=held_on, attendees=attendees, guests=guests
    )
    before = audit.stored(review, ["held_on", "guests"])
    review.held_on, review.guests = held_on, guests
    review.save(update_fields=["held_on", "guests"])
    if changes := audit.changed(before, review):
        _log(actor, review, "updated", changes)
    review.attendees.set(attendees)
    return review


@transaction.atomic
def review_cancel(*, actor: User, review: Review) -> int:
    """Undo a review started by mistake: it and its ratings go; a completed one never does.

    Actions agreed in it are kept, detached from it: they stay on the journey, the dashboard
    and their reminders. Touchpoint texts saved and ideas decided in the meeting were written
    to the touchpoints and ideas at the time, and stay. Returns how many actions were kept.
    """
    require_editor(actor, review.organisation)
    review = _lock_open(review)
    kept = Action.objects.filter(review=review).update(review=None)
    _log(actor, review, "cancelled", {"actions kept": kept} if kept else None)
    review.delete()
    return kept


def clean_rating(value: Any) -> int | None:
    """None/"" for no rating given, else an int in -2..2; anything else is a ValidationError."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number not in Rating.values:
        raise ValidationError(
            {"rating": _("Choose a rating from −2 (depresses) to +2 (wows), or none.")}
        )
    return number


@transaction.atomic
def review_rating_save(
    *,
    actor: User,
    rating_row: ReviewRating,
    rating: Any,
    note: str | None = "",
    desired_outcome: str | None = None,
    customer_wants: str | None = None,
    version: int | None = None,
) -> ReviewRating:
    """Rate one moment in an open review; its texts are edited through the touchpoint service.

    Raises touchpoints.services.EditConflict when someone saved the touchpoint since `version`.
    """
    review = rating_row.review
    require_editor(actor, review.organisation)
    _lock_open(review)
    row = (
        ReviewRating.objects.select_for_update(of=("self",))
        .select_related("touchpoint")
        .get(pk=rating_row.pk)
    )
    errors: dict[str, str | list[str]] = {}
    try:
        rating = clean_rating(rating)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}
    if errors:
        raise ValidationError(errors)
    touchpoint = row.touchpoint
    texts: dict[str, Any] = {
        name: value
        for name, value in (
            ("desired_outcome", desired_outcome),
            ("customer_wants", customer_wants),
        )
        if value is not None and touchpoint is not None
    }
    if texts and touchpoint is not None:
        touchpoint = touchpoint_update(
            actor=actor,
            touchpoint=touchpoint,
            version=touchpoint.version if version is None else version,
            **texts,
        )
    row.rating = rating
    row.note = note
    row.save(update_fields=["rating", "note"])
    row.touchpoint = touchpoint
    return row


@transaction.atomic
def review_idea_decide(
    *,
    actor: User,
    review: Review,
    idea: Idea,
    status: str,
    note: str | None = "",
    duplicate_of: Idea | None = None,
) -> Idea:
    """Decide an idea in the meeting, through the ideas service; the decision is kept in the
    review's record (copied, so it reads the same after the idea changes again)."""
    require_editor(actor, review.organisation)
    review = _lock_open(review)
    if (
        idea.organisation_id != review.organisation_id
        or not review.ratings.filter(touchpoint_id=idea.touchpoint_id).exists()
    ):
        raise ValidationError({"status": _("This idea is not about a moment of this review.")})
    previous = idea.status
    idea = idea_change_status(
        actor=actor, idea=idea, status=status, note=note, duplicate_of=duplicate_of
    )
    ReviewDecision.objects.create(
        review=review,
        idea=idea,
        touchpoint_id=idea.touchpoint_id,
        idea_number=idea.number,
        idea_title=idea.title,
        from_status=previous,
        to_status=idea.status,
        note=idea.decision_note,
        duplicate_of_number=idea.duplicate_of.number if idea.duplicate_of else None,
        decided_by=actor,
        decided_at=idea.status_changed_at,
    )
    return idea


class MeetingNotSaved(Exception):
    """Nothing of a review page's save was kept. `errors` maps the key of each part that was
    refused to its ValidationError or EditConflict."""

    def __init__(self, errors: dict[str, ValidationError | EditConflict]) -> None:
        super().__init__("meeting not saved")
        self.errors = errors


@transaction.atomic
def review_meeting_save(
    *,
    actor: User,
    review: Review,
    ratings: Mapping[str, Mapping[str, Any]] | None = None,
    actions: Mapping[str, Mapping[str, Any]] | None = None,
    decisions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Review:
    """Everything typed on a review page, saved at once and all or nothing: the ratings, notes
    and texts of the moments that changed, the new actions, the ideas decided.

    Each of `ratings`, `actions`, `decisions` maps a key chosen by the caller to the keyword
    arguments of `review_rating_save`, `action_create` and `review_idea_decide`. Every part is
    tried, so that all the refusals are reported together in MeetingNotSaved.
    """
    require_editor(actor, review.organisation)
    review = _lock_open(review)
    errors: dict[str, ValidationError | EditConflict] = {}
    steps: list[tuple[Mapping[str, Mapping[str, Any]] | None, Callable[[Any], object]]] = [
        (ratings, lambda fields: review_rating_save(actor=actor, **fields)),
        (actions, lambda fields: action_create(actor=actor, review=review, **fields)),
        (decisions, lambda fields: review_idea_decide(actor=actor, review=review, **fields)),
    ]
    for parts, save in steps:
        for key, fields in (parts or {}).items():
            try:
                save(fields)
            except (ValidationError, EditConflict) as exc:
                errors[key] = exc
    if errors:
        raise MeetingNotSaved(errors)
    return review


def _check_action(
    *,
    org: Organisation,
    journey: Journey,
    title: str | None,
    owner: User | None,
    touchpoint: Touchpoint | None,
    due_on: date | None,
    check_due: bool = True,
) -> tuple[str, date]:
    """The action's title, stripped, and due date; raises one ValidationError naming every
    field that is wrong."""
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Say what is to be done.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep it under %(n)d characters.") % {"n": TITLE_MAX}
    if owner is None:
        errors["owner"] = _("Choose who owns this action.")
    elif _non_members(org, [owner]):
        errors["owner"] = _("The owner must be a member of this organisation.")
    if touchpoint is not None and touchpoint.journey_id != journey.pk:
        errors["touchpoint"] = _("Choose a touchpoint of this journey.")
    if due_on is None:
        errors["due_on"] = _("Choose a due date.")
    elif check_due and due_on < local_today(org):
        errors["due_on"] = _("The due date cannot be in the past.")
    elif check_due and (due_on - local_today(org)).days > 3 * MAX_HELD_DAYS:
        errors["due_on"] = _("Choose a date within the next three years.")
    if errors or due_on is None:  # no date is an error above
        raise ValidationError(errors)
    return title, due_on


@transaction.atomic
def action_create(
    *,
    actor: User,
    title: str | None,
    owner: User | None,
    due_on: date | None,
    review: Review | None = None,
    journey: Journey | None = None,
    touchpoint: Touchpoint | None = None,
) -> Action:
    """Agree an action, in a review (`review`) or on a journey between reviews (`journey`)."""
    if review is not None:
        if journey is not None and review.journey_id != journey.pk:
            raise ValidationError({"review": _("This review is of another journey.")})
        journey = review.journey
    if journey is None:
        raise ValidationError(
            {"journey": _("Give the journey of the action (or the review it is agreed in).")}
        )
    org = journey.organisation
    require_editor(actor, org)
    if review is not None:
        review = _lock_open(review)
    title, due_on = _check_action(
        org=org, journey=journey, title=title, owner=owner, touchpoint=touchpoint, due_on=due_on
    )
    action = Action.objects.create(
        organisation=org,
        journey=journey,
        review=review,
        touchpoint=touchpoint,
        title=title,
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    reschedule_action(action)
    _log_action(actor, action, "created", {"owner": owner, "due on": due_on})
    return action


COMMENT_ACTION_DAYS = 14  # an action made from a customer's comment is due in two weeks


@transaction.atomic
def action_from_comment(*, actor: User, response: FeedbackResponse) -> Action:
    """Make an action of a customer's comment, on its touchpoint's journey: owned by the
    touchpoint's owner, due in COMMENT_ACTION_DAYS; the comment is marked read. Made once:
    again, it is the same action."""
    require_editor(actor, response.organisation)
    response = (
        FeedbackResponse.objects.select_for_update(of=("self",))
        .select_related("touchpoint__journey__organisation", "touchpoint__owner")
        .get(pk=response.pk)
    )
    existing = Action.objects.filter(from_comment=response).first()
    if existing is not None:
        return existing
    if not response.comment:
        raise ValidationError(_("This answer has no comment (any more) to make an action of."))
    touchpoint = response.touchpoint
    limit = max_length(Action, "title")
    title = _("Customer: “%(comment)s”") % {"comment": response.comment}
    if len(title) > limit:
        title = title[: limit - 2] + "…”"
    action = action_create(
        actor=actor,
        title=title,
        owner=touchpoint.owner,
        due_on=local_today(touchpoint.organisation) + timedelta(days=COMMENT_ACTION_DAYS),
        journey=touchpoint.journey,
        touchpoint=touchpoint,
    )
    action.from_comment = response
    action.save(update_fields=["from_comment"])
    if response.comment_read_at is None:
        response.comment_read_at = timezone.now()
        response.save(update_fields=["comment_read_at"])
    return action


def _lock_action(action: Action) -> Action:
    return (
        Action.objects.select_for_update()
        .select_related("organisation", "journey")
        .get(pk=action.pk)
    )


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    title: str | None,
    owner: User | None,
    due_on: date | None,
    touchpoint: Touchpoint | None = None,
) -> Action:
    """Change what, who or when. Actions outlive their review: they are followed up after it."""
    require_editor(actor, action.organisation)
    current = _lock_action(action)
    if not current.is_open:
        raise ValidationError(_("This action is closed; it cannot be changed."))
    current.title, checked_due_on = _check_action(
        org=current.organisation,
        journey=current.journey,
        title=title,
        owner=owner,
        touchpoint=touchpoint,
        due_on=due_on,
        check_due=due_on != current.due_on,  # an overdue action keeps its date when renamed
    )
    before = audit.stored(current, ["title", "owner", "due_on", "touchpoint"])
    current.owner, current.due_on, current.touchpoint = owner, checked_due_on, touchpoint
    current.save(update_fields=["title", "owner", "due_on", "touchpoint"])
    if changes := audit.changed(before, current):
        _log_action(actor, current, "updated", changes)
    reschedule_action(current)
    return current


CLOSING = (ActionStatus.DONE, ActionStatus.DROPPED)


@transaction.atomic
def action_close(*, actor: User, action: Action, status: str) -> Action:
    """Mark an action done or dropped. Editors may; its owner may mark their own done."""
    membership = require_role(actor, action.organisation)
    current = _lock_action(action)
    if status not in CLOSING:
        raise ValidationError({"status": _("Mark the action done or dropped.")})
    own_done = current.owner_id == actor.pk and status == ActionStatus.DONE
    if not membership.can_edit and not own_done:
        raise PermissionDenied(_("Only managers, owners and the action's owner can close it."))
    if not current.is_open:
        raise ValidationError(
            _("This action is already “%(status)s”.") % {"status": current.get_status_display()}
        )
    _log_action(actor, current, "closed", {"status": [current.status, status]})
    current.status = status
    current.closed_at = timezone.now()
    current.save(update_fields=["status", "closed_at"])
    reschedule_action(current)
    return current


@transaction.atomic
def review_complete(
    *, actor: User, review: Review, summary: str | None = None, store_pack: bool = True
) -> Review:
    """Freeze the review: snapshot every rating, move the touchpoints' ratings, set the next date.

    The pack of the meeting is kept (made by the worker once this commits) unless `store_pack`
    is False (history recorded after the fact, e.g. the demo's past reviews in browser tests).
    A moment not rated in the meeting keeps its previous rating. Touchpoint ratings that changed
    are written with a history row each (as the touchpoint service does), bumping the version so
    an edit begun before the meeting ends conflicts instead of overwriting.
    """
    require_editor(actor, review.organisation)
    review = _lock_open(review)
    if summary is not None:
        summary = summary.strip()
        if len(summary) > SUMMARY_MAX:
            raise ValidationError(
                {"summary": _("Keep the summary under %(n)d characters.") % {"n": SUMMARY_MAX}}
            )
        review.summary = summary
    now = timezone.now()
    rows = list(
        ReviewRating.objects.filter(review=review).select_related("touchpoint", "touchpoint__stage")
    )
    ratings: dict[UUID, int] = {}
    for row in rows:
        if row.rating is None:
            row.rating = row.previous_rating
        tp = row.touchpoint
        if tp is None:
            continue
        row.stage_name, row.touchpoint_name = tp.stage.name, tp.name
        row.target_rating = tp.rating_target
        if row.rating is not None:
            ratings[tp.pk] = row.rating
    ReviewRating.objects.bulk_update(
        rows, ["rating", "stage_name", "touchpoint_name", "target_rating"]
    )
    # The meeting's ratings become the touchpoints' current ones, with their history, at once.
    moved = touchpoint_ratings_set(
        actor=actor, organisation=review.organisation, ratings=ratings, now=now
    )
    review.status = ReviewStatus.COMPLETED
    review.completed_at = now
    review.completed_by = actor
    review.save(update_fields=["status", "completed_at", "completed_by", "summary"])
    journey = Journey.objects.select_related("organisation").get(pk=review.journey_id)
    journey.next_review_on = schedule.next_review_on(journey, last_review_held_on(journey))
    Journey.objects.filter(pk=journey.pk).update(next_review_on=journey.next_review_on)
    reschedule_journey(journey)
    review.next_review_on = journey.next_review_on
    review.save(update_fields=["next_review_on"])
    _log(actor, review, "completed", {"ratings changed": moved})
    # The pack of this meeting as it was (packs keeps it; the worker makes it after the commit).
    signals.review_completed.send(sender=Review, review=review, keep_pack=store_pack)
    emit(
        WebhookEvent.REVIEW_COMPLETED,
        review.organisation,
        webhook_payloads.review_completed(review, journey=journey, actor=actor),
    )
    return review
