"""Writes with rules for touchpoints: create, edit (with a version check), move, delete."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import Stage
from journeys.services import check_direction, renumber
from motmap.models import Membership
from motmap.tenancy import require_editor

from .models import Habit, Touchpoint, TouchpointChange

EDITABLE_FIELDS = (
    "name",
    "channel",
    "stage",
    "moment",
    "desired_outcome",
    "customer_wants",
    "rating_current",
    "rating_target",
    "contacts_per_day",
    "duration_seconds",
    "owner",
    "frontline_role",
    "habits",
)


class EditConflict(Exception):
    """Someone else saved the touchpoint since this edit began."""

    def __init__(self, current):
        super().__init__("edit conflict")
        self.current = current


def _check(touchpoint):
    touchpoint.name = (touchpoint.name or "").strip()
    errors = {}
    if not touchpoint.name:
        errors["name"] = _("Give the touchpoint a name.")
    if touchpoint.stage_id and touchpoint.stage.journey_id != touchpoint.journey_id:
        errors["stage"] = _("Choose a stage of this journey.")
    if (
        touchpoint.owner_id
        and not Membership.objects.filter(
            organisation_id=touchpoint.organisation_id, user_id=touchpoint.owner_id
        ).exists()
    ):
        errors["owner"] = _("The owner must be a member of this organisation.")
    habits = touchpoint.habits or []
    if not isinstance(habits, list) or any(h not in Habit.values for h in habits):
        errors["habits"] = _("Choose habits from the seven habits.")
    else:
        touchpoint.habits = [h for h in Habit.values if h in habits]
    try:
        touchpoint.full_clean(
            exclude=["organisation", "journey", "stage", "owner", "habits", *errors]
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _record_changes(*, actor, touchpoint, before):
    now = timezone.now()
    TouchpointChange.objects.bulk_create(
        TouchpointChange(
            touchpoint=touchpoint,
            actor=actor,
            changed_at=now,
            field=field,
            old_value="" if before.get(field) is None else str(before.get(field)),
            new_value=str(getattr(touchpoint, field)),
        )
        for field in TouchpointChange.TRACKED_FIELDS
        if before.get(field) != getattr(touchpoint, field)
    )


def _end_of(stage):
    return (stage.touchpoints.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def touchpoint_create(*, actor, journey, stage, **fields):
    require_editor(actor, journey.organisation)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    touchpoint = Touchpoint(
        organisation=journey.organisation, journey=journey, stage=stage, **fields
    )
    _check(touchpoint)
    touchpoint.position = _end_of(stage)
    touchpoint.save()
    _record_changes(actor=actor, touchpoint=touchpoint, before={})
    return touchpoint


@transaction.atomic
def touchpoint_update(*, actor, touchpoint, version, **fields):
    """Save an edit begun at `version`. Raises EditConflict when someone saved since."""
    require_editor(actor, touchpoint.organisation)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
    current = Touchpoint.objects.select_for_update().get(pk=touchpoint.pk)
    if current.version != version:
        raise EditConflict(current)
    before = {f: getattr(current, f) for f in TouchpointChange.TRACKED_FIELDS}
    old_stage_id = current.stage_id
    for name, value in fields.items():
        setattr(current, name, value)
    _check(current)
    if current.stage_id != old_stage_id:
        current.position = _end_of(current.stage)
    # The version check and the write are one conditional UPDATE: a concurrent save loses.
    updated = Touchpoint.objects.filter(pk=current.pk, version=version).update(
        **{f: getattr(current, f) for f in (*EDITABLE_FIELDS, "position")},
        version=version + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise EditConflict(Touchpoint.objects.get(pk=current.pk))
    current.version = version + 1
    _record_changes(actor=actor, touchpoint=current, before=before)
    return current


@transaction.atomic
def touchpoint_move(*, actor, touchpoint, direction):
    """Move one place up or down in customer order, crossing into the next stage at an end."""
    require_editor(actor, touchpoint.organisation)
    check_direction(direction)
    # Re-read under lock: someone may have moved it since the page was loaded.
    touchpoint = Touchpoint.objects.select_for_update().get(pk=touchpoint.pk)
    siblings = list(
        Touchpoint.objects.select_for_update()
        .filter(stage_id=touchpoint.stage_id)
        .order_by("position")
    )
    index = next(i for i, tp in enumerate(siblings) if tp.pk == touchpoint.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        renumber(siblings)
        return True
    stages = list(Stage.objects.filter(journey_id=touchpoint.journey_id).order_by("position"))
    stage_index = next(i for i, s in enumerate(stages) if s.pk == touchpoint.stage_id)
    target_index = stage_index - 1 if direction == "up" else stage_index + 1
    if not 0 <= target_index < len(stages):
        return False
    target = stages[target_index]
    moving = siblings.pop(index)
    renumber(siblings)
    others = list(Touchpoint.objects.select_for_update().filter(stage=target).order_by("position"))
    moving.stage = target
    others = [*others, moving] if direction == "up" else [moving, *others]
    # A change of stage is an edit: bump the version so an edit begun before it conflicts.
    Touchpoint.objects.filter(pk=moving.pk).update(stage=target, version=F("version") + 1)
    renumber(others)
    return True


@transaction.atomic
def touchpoint_delete(*, actor, touchpoint):
    require_editor(actor, touchpoint.organisation)
    if touchpoint.ideas.exists():
        raise ValidationError(
            _("Ideas were sent for this touchpoint, so it cannot be deleted: they would be lost.")
        )
    stage_id = touchpoint.stage_id
    touchpoint.delete()
    renumber(list(Touchpoint.objects.filter(stage_id=stage_id).order_by("position")))
