"""Writes with rules for journeys and stages. Keyword-only, atomic, taking the acting user."""

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap import audit
from motmap.fields import max_length, require_known
from motmap.models import EDITOR_ROLES, Membership, Organisation, User
from motmap.tenancy import require_editor

from . import schedule
from .models import Journey, ReviewCadence, Stage

JOURNEY_FIELDS = ("name", "description", "segment", "owner", "review_cadence", "review_every_weeks")
STAGE_NAME_MAX = max_length(Stage, "name")


# --- the review rhythm: when the journey's next reminder goes out ----------------------------


def review_reminder_at(
    next_review_on: date | None, *, archived: bool, days_before: int, zone: tzinfo, now: datetime
) -> datetime | None:
    """When a journey's next review reminder should go out, or None (archived, or no review
    date): the one rule, from plain values, for a journey object and the sweep's rows alike."""
    if archived or next_review_on is None:
        return None
    return schedule.next_review_reminder(next_review_on, days_before, zone, now)


def journey_reminder_at(journey: Journey, *, now: datetime | None = None) -> datetime | None:
    """When the journey's next review reminder should go out, or None."""
    org = journey.organisation
    return review_reminder_at(
        journey.next_review_on,
        archived=bool(journey.archived_at),
        days_before=org.reminder_days_before,
        zone=org.tzinfo,
        now=now or timezone.now(),
    )


def reschedule_journey(
    journey: Journey, *, now: datetime | None = None, save: bool = True
) -> datetime | None:
    """Set next_reminder_at from next_review_on (after a change of date, cadence or state)."""
    journey.next_reminder_at = journey_reminder_at(journey, now=now)
    if save:
        Journey.objects.filter(pk=journey.pk).update(next_reminder_at=journey.next_reminder_at)
    return journey.next_reminder_at


def _check_journey(journey: Journey) -> None:
    journey.name = (journey.name or "").strip()
    errors: dict[str, str | list[str]] = {}
    if not journey.name:
        errors["name"] = _("Give the journey a name.")
    elif (
        Journey.objects.for_org(journey.organisation)
        .filter(name__iexact=journey.name)
        .exclude(pk=journey.pk)
        .exists()
    ):
        errors["name"] = _("There is already a journey with this name.")
    if (
        journey.owner_id
        and not Membership.objects.filter(
            organisation=journey.organisation, user_id=journey.owner_id, role__in=EDITOR_ROLES
        ).exists()
    ):
        errors["owner"] = _("The owner must be a manager or owner of this organisation.")
    if journey.review_cadence == ReviewCadence.WEEKS:
        if not journey.review_every_weeks:
            errors["review_every_weeks"] = _("Say every how many weeks.")
    else:
        journey.review_every_weeks = None
    try:
        journey.full_clean(exclude=["organisation", "owner", *errors], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _save(obj: Journey) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # a concurrent save took the name between check and write
        raise ValidationError({"name": _("There is already a journey with this name.")}) from None


@transaction.atomic
def journey_create(*, actor: User, organisation: Organisation, **fields: Any) -> Journey:
    require_editor(actor, organisation)
    require_known(fields, JOURNEY_FIELDS)
    fields.setdefault("owner", actor)
    journey = Journey(organisation=organisation, **fields)
    if not journey.review_cadence:
        journey.review_cadence = ReviewCadence.QUARTERLY
    _check_journey(journey)
    journey.next_review_on = schedule.next_review_on(journey)
    _save(journey)
    reschedule_journey(journey)
    _log(actor, journey, "created")
    return journey


def _log(actor: User, journey: Journey, verb: str, changes: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=actor,
        organisation=journey.organisation,
        action=f"journey.{verb}",
        target=journey,
        changes=changes,
    )


def _log_stage(actor: User, stage: Stage, verb: str, changes: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=actor,
        organisation=stage.journey.organisation,
        action=f"stage.{verb}",
        target=stage,
        label=f"{stage.name} ({stage.journey.name})",
        changes=changes,
    )


def last_review_held_on(journey: Journey) -> date | None:
    """The date of the journey's last completed review, or None."""
    return (
        journey.reviews.filter(status="completed")
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )


@transaction.atomic
def journey_update(*, actor: User, journey: Journey, **fields: Any) -> Journey:
    """Change a journey. A new cadence sets the next review date again from the last review."""
    require_editor(actor, journey.organisation)
    stored = audit.stored(journey, [*JOURNEY_FIELDS, "next_review_on"])
    before = (journey.review_cadence, journey.review_every_weeks)
    for name, value in fields.items():
        if name not in JOURNEY_FIELDS:
            raise TypeError(name)
        setattr(journey, name, value)
    _check_journey(journey)
    if (journey.review_cadence, journey.review_every_weeks) != before:
        journey.next_review_on = schedule.next_review_on(journey, last_review_held_on(journey))
    _save(journey)
    reschedule_journey(journey)
    if changes := audit.changed(stored, journey):
        _log(actor, journey, "updated", changes)
    return journey


MAX_REVIEW_DAYS_AHEAD = 3 * 366


@transaction.atomic
def journey_set_next_review(
    *, actor: User, journey: Journey, next_review_on: date | None
) -> Journey:
    """A manager moves the next review date (not into the past, not years ahead)."""
    require_editor(actor, journey.organisation)
    today = timezone.localdate(timezone.now(), journey.organisation.tzinfo)
    if next_review_on is None:
        raise ValidationError({"next_review_on": _("Choose a date.")})
    if next_review_on < today:
        raise ValidationError({"next_review_on": _("The next review cannot be in the past.")})
    if (next_review_on - today).days > MAX_REVIEW_DAYS_AHEAD:
        raise ValidationError({"next_review_on": _("Choose a date within the next three years.")})
    before = audit.stored(journey, ["next_review_on"])
    journey.next_review_on = next_review_on
    Journey.objects.filter(pk=journey.pk).update(next_review_on=next_review_on)
    if changes := audit.changed(before, journey):
        _log(actor, journey, "updated", changes)
    reschedule_journey(journey)
    return journey


@transaction.atomic
def journey_archive(*, actor: User, journey: Journey) -> Journey:
    require_editor(actor, journey.organisation)
    if Journey.objects.filter(pk=journey.pk, archived_at__isnull=True).update(
        archived_at=timezone.now(), next_reminder_at=None
    ):
        _log(actor, journey, "archived")
    journey.refresh_from_db(fields=["archived_at", "next_reminder_at"])
    return journey


@transaction.atomic
def journey_restore(*, actor: User, journey: Journey) -> Journey:
    require_editor(actor, journey.organisation)
    if Journey.objects.filter(pk=journey.pk, archived_at__isnull=False).update(archived_at=None):
        _log(actor, journey, "restored")
    journey.archived_at = None
    reschedule_journey(journey)
    return journey


def journey_is_empty(journey: Journey) -> bool:
    return not journey.touchpoints.exists() and not journey.reviews.exists()


@transaction.atomic
def journey_delete(*, actor: User, journey: Journey) -> None:
    """Only an empty journey can be deleted; one with touchpoints is archived instead."""
    require_editor(actor, journey.organisation)
    if not journey_is_empty(journey):
        raise ValidationError(
            _(
                "This journey has touchpoints or reviews, so it cannot be deleted. "
                "Archive it instead."
            )
        )
    _log(actor, journey, "deleted")
    journey.delete()


def _check_stage_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the stage a name.")})
    if len(name) > STAGE_NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the stage name under %(n)d characters.") % {"n": STAGE_NAME_MAX}}
        )
    return name


@transaction.atomic
def stage_create(*, actor: User, journey: Journey, name: str | None) -> Stage:
    require_editor(actor, journey.organisation)
    name = _check_stage_name(name)
    last = journey.stages.aggregate(m=Max("position"))["m"]
    stage = Stage.objects.create(journey=journey, name=name, position=(last or 0) + 1)
    _log_stage(actor, stage, "created")
    return stage


@transaction.atomic
def stage_rename(*, actor: User, stage: Stage, name: str | None) -> Stage:
    require_editor(actor, stage.journey.organisation)
    before = audit.stored(stage, ["name"])
    stage.name = _check_stage_name(name)
    stage.save(update_fields=["name"])
    if changes := audit.changed(before, stage):
        _log_stage(actor, stage, "updated", changes)
    return stage


DIRECTIONS = ("up", "down")


class Placed(Protocol):
    """A row with a place in an ordered list: a stage in its journey, a touchpoint in its
    stage (`objects`: its model's manager, for the one UPDATE that renumbers them)."""

    pk: Any
    position: int
    objects: Any


_P = TypeVar("_P", bound=Placed)


def check_direction(direction: str | None) -> None:
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": _("Move up or down.")})


def _swap(items: Sequence[_P], obj: _P, direction: str | None) -> bool:
    """Swap `obj` with its neighbour in `items` (ordered); renumber 1..n. True if it moved."""
    items = list(items)
    index = next((i for i, item in enumerate(items) if item.pk == obj.pk), None)
    if index is None:  # removed meanwhile
        return False
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    renumber(items)
    return True


def renumber(items: Sequence[Placed]) -> None:
    model = type(items[0]) if items else None
    for position, item in enumerate(items, start=1):
        item.position = position
    if model:
        model.objects.bulk_update(items, ["position"])


class BoardChanged(ValidationError):
    """The board changed since the page that asked for a move was loaded: nothing was moved."""


def check_index(index: object) -> int:
    """A place on the board, counted from 0 (the first place)."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValidationError({"index": _("Say where to put it: a place from 0.")})
    return index


def place_at(items: Sequence[_P], obj: _P, index: int) -> list[_P]:
    """`items` (ordered) with `obj` taken out and put back at `index` (clamped to the ends)."""
    rest = [item for item in items if item.pk != obj.pk]
    index = min(index, len(rest))
    return [*rest[:index], obj, *rest[index:]]


@transaction.atomic
def stage_move(
    *,
    actor: User,
    stage: Stage,
    direction: str | None = None,
    index: int | None = None,
    seen_order: Sequence[object] | None = None,
) -> bool:
    """Move a stage one place (`direction` "up" or "down") or to `index` (from 0).

    `seen_order`, with `index`: the stage ids in the order the person saw them. When the
    stages are no longer so (someone reordered, added or removed one since), nothing moves and
    BoardChanged is raised. True if the stage moved.
    """
    require_editor(actor, stage.journey.organisation)
    if index is None:
        check_direction(direction)
    else:
        check_index(index)
    stages = list(
        Stage.objects.select_for_update().filter(journey_id=stage.journey_id).order_by("position")
    )
    if index is None:
        moved = _swap(stages, stage, direction)
        if moved:
            _log_stage(actor, stage, "moved", {"direction": direction})
        return moved
    if not any(item.pk == stage.pk for item in stages):
        raise BoardChanged(_("This stage was removed meanwhile."))
    if seen_order is not None and [str(s) for s in seen_order] != [str(s.pk) for s in stages]:
        raise BoardChanged(
            _("Someone else changed the stages of this journey since you loaded the board.")
        )
    moving = next(item for item in stages if item.pk == stage.pk)
    placed = place_at(stages, moving, index)
    if [item.pk for item in placed] == [item.pk for item in stages]:
        return False
    renumber(placed)
    _log_stage(actor, stage, "moved", {"place": index + 1})
    return True


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage, move_to: Stage | None = None) -> None:
    """Remove a stage. One with touchpoints needs `move_to`, a stage of the same journey."""
    require_editor(actor, stage.journey.organisation)
    touchpoints = list(stage.touchpoints.order_by("position"))
    if touchpoints:
        if move_to is None:
            raise ValidationError(
                {"move_to": _("This stage has touchpoints: choose where to move them first.")}
            )
        if move_to.journey_id != stage.journey_id or move_to.pk == stage.pk:
            raise ValidationError({"move_to": _("Choose another stage of this journey.")})
        start = move_to.touchpoints.aggregate(m=Max("position"))["m"] or 0
        for offset, tp in enumerate(touchpoints, start=1):
            tp.stage = move_to
            tp.position = start + offset
        type(touchpoints[0]).objects.bulk_update(touchpoints, ["stage", "position"])
    _log_stage(
        actor,
        stage,
        "deleted",
        {"touchpoints moved to": move_to.name} if touchpoints and move_to else None,
    )
    stage.delete()
    remaining = list(Stage.objects.filter(journey=stage.journey).order_by("position"))
    renumber(remaining)
