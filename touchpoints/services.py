"""Writes with rules for touchpoints: create, edit (with a version check), move, delete, and
import many at once from a file (all or nothing), and the bulk feed of volumes and ratings from
other systems."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeGuard, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journeys.models import Journey, Stage
from journeys.services import (
    BoardChanged,
    check_direction,
    check_index,
    place_at,
    renumber,
    stage_create,
)
from motmap import audit
from motmap.bulk import AnyOf, RandomUUID, insert_rows, stored_key, update_rows
from motmap.fields import max_length, require_known
from motmap.models import Membership, Organisation, User
from motmap.tenancy import require_editor

from .models import MAX_CONTACTS_PER_DAY, Habit, Rating, Touchpoint, TouchpointChange

EDITABLE_FIELDS = (
    "name",
    "external_id",
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
    """Someone else saved the touchpoint since this edit began, and this edit would change what
    is stored now. `current`: the touchpoint as stored; `fields`: {name: the value this edit
    wanted} for each field where it differs from `current` (empty for a move, or a strict save)."""

    def __init__(self, current: Touchpoint, fields: dict[str, Any] | None = None) -> None:
        super().__init__("edit conflict")
        self.current = current
        self.fields = fields or {}


def same_value(name: str, old: Any, new: Any) -> bool:
    """Whether a field's stored value `old` and an edit's `new` are the same: the one comparison
    of touchpoint values (edits, the review meeting, the CSV import, conflicts)."""
    if name == "habits":
        return set(old or []) == set(new or [])
    if name == "name":
        return (old or "").strip() == (new or "").strip()
    if name == "owner":
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    if isinstance(old, str) and isinstance(new, str):
        # A spreadsheet may save the line breaks in a cell as LF: that changes nothing.
        return old.replace("\r\n", "\n") == new.replace("\r\n", "\n")
    return old == new


def _external_id_taken(touchpoint: Touchpoint) -> bool:
    return (
        Touchpoint.objects.filter(
            organisation_id=touchpoint.organisation_id, external_id=touchpoint.external_id
        )
        .exclude(pk=touchpoint.pk)
        .exists()
    )


def _external_id_taken_message() -> str:
    return _("Another touchpoint of this organisation has this external ID.")


def _check(touchpoint: Touchpoint) -> None:
    touchpoint.name = (touchpoint.name or "").strip()
    touchpoint.external_id = (touchpoint.external_id or "").strip()
    errors: dict[str, str | list[str]] = {}
    if not touchpoint.name:
        errors["name"] = _("Give the touchpoint a name.")
    if touchpoint.external_id and _external_id_taken(touchpoint):
        errors["external_id"] = _external_id_taken_message()
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


def _changes(
    *,
    actor: User | None,
    touchpoint: Touchpoint,
    before: Mapping[str, Any],
    now: datetime,
    fields: Iterable[str] = TouchpointChange.TRACKED_FIELDS,
) -> list[TouchpointChange]:
    """The history rows of the tracked `fields` that differ from `before` (unsaved)."""
    return [
        TouchpointChange(
            touchpoint=touchpoint,
            actor=actor,
            changed_at=now,
            field=field,
            old_value="" if before.get(field) is None else str(before.get(field)),
            new_value=str(getattr(touchpoint, field)),
        )
        for field in fields
        if before.get(field) != getattr(touchpoint, field)
    ]


def _record_changes(
    *, actor: User | None, touchpoint: Touchpoint, before: Mapping[str, Any]
) -> None:
    TouchpointChange.objects.bulk_create(
        _changes(actor=actor, touchpoint=touchpoint, before=before, now=timezone.now())
    )


@contextmanager
def _external_id_guard(touchpoint: Touchpoint) -> Iterator[None]:
    """Two saves racing for one external ID: the loser gets the field error, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if touchpoint.external_id and _external_id_taken(touchpoint):
            raise ValidationError({"external_id": _external_id_taken_message()}) from None
        raise


def _end_of(stage: Stage) -> int:
    return (stage.touchpoints.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def touchpoint_create(*, actor: User, journey: Journey, stage: Stage, **fields: Any) -> Touchpoint:
    require_editor(actor, journey.organisation)
    require_known(fields, EDITABLE_FIELDS)
    touchpoint = Touchpoint(
        organisation=journey.organisation, journey=journey, stage=stage, **fields
    )
    _check(touchpoint)
    touchpoint.position = _end_of(stage)
    with _external_id_guard(touchpoint):
        touchpoint.save()
    _record_changes(actor=actor, touchpoint=touchpoint, before={})
    _log(actor, touchpoint, "created")
    return touchpoint


def _log(actor: User, touchpoint: Touchpoint, verb: str, changes: Any = None) -> None:
    audit.record(
        actor=actor,
        organisation=touchpoint.organisation,
        action=f"touchpoint.{verb}",
        target=touchpoint,
        changes=changes,
    )


@transaction.atomic
def touchpoint_update(
    *, actor: User, touchpoint: Touchpoint, version: int, strict: bool = False, **fields: Any
) -> Touchpoint:
    """Save an edit begun at `version`. Only the fields whose value differs from the stored one
    are written; when none does, nothing is written and the version stays.

    Someone saved since `version` (the one merge rule, for every page and the review meeting):
    the edit still goes through when it would change nothing they saved, that is when every
    field it gives already holds the value it gives; otherwise EditConflict, with the fields
    that clash. `strict` (the API's If-Match): any other version is an EditConflict.
    """
    require_editor(actor, touchpoint.organisation)
    require_known(fields, EDITABLE_FIELDS)
    current = Touchpoint.objects.select_for_update().get(pk=touchpoint.pk)
    differing = {
        name: value
        for name, value in fields.items()
        if not same_value(name, getattr(current, name), value)
    }
    if current.version != version and (strict or differing):
        raise EditConflict(current, differing)
    if not differing:
        return current
    before = {f: getattr(current, f) for f in TouchpointChange.TRACKED_FIELDS}
    old_values = {name: getattr(current, name) for name in differing}
    old_stage_id = current.stage_id
    for name, value in differing.items():
        setattr(current, name, value)
    _check(current)
    if current.stage_id != old_stage_id:
        current.position = _end_of(current.stage)
    # The version check and the write are one conditional UPDATE: a concurrent save loses.
    with _external_id_guard(current):
        updated = Touchpoint.objects.filter(pk=current.pk, version=version).update(
            **{f: getattr(current, f) for f in (*EDITABLE_FIELDS, "position")},
            version=version + 1,
            updated_at=timezone.now(),
        )
    if not updated:  # not reached while the row is locked; kept for a database without locks
        raise EditConflict(Touchpoint.objects.get(pk=current.pk), differing)
    current.version = version + 1
    _record_changes(actor=actor, touchpoint=current, before=before)
    _log(actor, current, "updated", audit.changed(old_values, current))
    return current


@transaction.atomic
def touchpoint_move(
    *,
    actor: User,
    touchpoint: Touchpoint,
    direction: str | None = None,
    stage: Stage | None = None,
    index: int | None = None,
    version: int | None = None,
) -> bool:
    """Move one place up or down in customer order (`direction`), crossing into the next stage
    at an end; or to place `index` (from 0) of `stage`, a stage of its journey (a drag on the
    board), as seen at `version`.

    A move to a place is refused with EditConflict when the touchpoint was saved since
    `version` (also when someone moved it to another stage: that makes a new version), and
    with BoardChanged when it or the stage was removed meanwhile. A change of stage makes a
    new version; a new place within its stage does not. True if it moved.
    """
    require_editor(actor, touchpoint.organisation)
    if stage is not None or index is not None:
        moved = _move_to_place(touchpoint=touchpoint, stage=stage, index=index, version=version)
        if moved:
            _log(actor, touchpoint, "moved", {"stage": stage, "place": index})
        return moved
    check_direction(direction)
    # Re-read under lock: someone may have moved it since the page was loaded.
    locked = Touchpoint.objects.select_for_update().filter(pk=touchpoint.pk).order_by("pk").first()
    if locked is None:
        raise BoardChanged(_("This touchpoint was deleted meanwhile."))
    touchpoint = locked
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
        _log(actor, touchpoint, "moved", {"direction": direction})
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
    _log(actor, touchpoint, "moved", {"direction": direction, "stage": target})
    return True


def _move_to_place(
    *, touchpoint: Touchpoint, stage: Stage | None, index: object, version: object
) -> bool:
    if stage is None:
        raise ValidationError({"stage": _("Choose a stage of this journey.")})
    index = check_index(index)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError({"version": _("Reload the board and move it again.")})
    current = Touchpoint.objects.select_for_update().filter(pk=touchpoint.pk).order_by("pk").first()
    if current is None:
        raise BoardChanged(_("This touchpoint was deleted meanwhile."))
    if stage.journey_id != current.journey_id:
        raise ValidationError({"stage": _("Choose a stage of this journey.")})
    if not Stage.objects.select_for_update().filter(pk=stage.pk).exists():
        raise BoardChanged(_("That stage was removed meanwhile."))
    if current.version != version:
        raise EditConflict(current)
    # Both stages' touchpoints, locked in one statement, in one order (no deadlock).
    locked = list(
        Touchpoint.objects.select_for_update()
        .filter(stage_id__in={current.stage_id, stage.pk})
        .order_by("pk")
        .only("pk", "stage", "position")
    )
    by_position = sorted(locked, key=lambda tp: (tp.position, str(tp.pk)))
    source = [tp for tp in by_position if tp.stage_id == current.stage_id]
    moving = next(tp for tp in source if tp.pk == current.pk)
    target = [tp for tp in by_position if tp.stage_id == stage.pk]
    if stage.pk == current.stage_id:
        placed = place_at(source, moving, index)
        if [tp.pk for tp in placed] == [tp.pk for tp in source]:
            return False
        renumber(placed)
        return True
    renumber([tp for tp in source if tp.pk != moving.pk])
    placed = place_at(target, moving, index)
    # A change of stage is an edit: the new version, only if nobody saved since the check.
    Touchpoint.objects.filter(pk=moving.pk, version=version).update(
        stage=stage, version=version + 1
    )
    renumber(placed)
    return True


@transaction.atomic
def touchpoint_delete(*, actor: User, touchpoint: Touchpoint) -> None:
    require_editor(actor, touchpoint.organisation)
    if touchpoint.ideas.exists():
        raise ValidationError(
            _("Ideas were sent for this touchpoint, so it cannot be deleted: they would be lost.")
        )
    stage_id = touchpoint.stage_id
    _log(actor, touchpoint, "deleted")
    touchpoint.delete()
    renumber(list(Touchpoint.objects.filter(stage_id=stage_id).order_by("position")))


# --- import: many touchpoints at once, all or nothing ------------------------------------------

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass
class ImportRow:
    """One touchpoint to import, as read from a file (see touchpoints.csv_io).

    `number` is the row number as the spreadsheet shows it; `id` a touchpoint id (or "" for a
    new touchpoint); `fields` the values of the columns present, as the services take them;
    `errors` (column, message) pairs. `touchpoint_import` fills in `action` and `changed`.
    """

    number: int
    id: str = ""
    stage: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    changed: list[str] = field(default_factory=list)
    current_name: str = ""

    def error_on(self, column: str) -> bool:
        return any(col == column for col, _message in self.errors)


@dataclass
class ImportResult:
    rows: list[ImportRow]
    new_stages: list[str] = field(default_factory=list)
    # touchpoint id -> the version it was read at
    versions: dict[str, int] = field(default_factory=dict)
    saved: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def has_changes(self) -> bool:
        return any(row.action in (CREATE, UPDATE) for row in self.rows)


_NOT_IN_JOURNEY = gettext_lazy(
    "No touchpoint of this journey has this id. Leave the id empty to add a new touchpoint."
)
_CHANGED_SINCE = gettext_lazy(
    "Someone changed this touchpoint since the preview. Upload the file again to see the changes."
)


class _Rollback(Exception):
    pass


# Service error keys that are not named like the file's columns.
_COLUMN_OF_FIELD = {"owner": "owner_email", "__all__": "", "position": ""}


@transaction.atomic
def touchpoint_import(
    *,
    actor: User,
    journey: Journey,
    rows: list[ImportRow],
    versions: Mapping[str, int] | None = None,
    save: bool = False,
) -> ImportResult:
    """Create and update the touchpoints of `journey` from `rows` (ImportRow), row by row with
    the same rules as the pages, and say for each row what happens or what is wrong.

    Nothing is kept unless `save` is true and no row has an error: the whole import is one
    transaction. `versions` (touchpoint id -> version, as returned by a preview) makes a row
    whose touchpoint someone changed since that preview an error instead of an overwrite.
    Rows that change nothing are left alone (no new version).
    """
    require_editor(actor, journey.organisation)
    result = ImportResult(rows=rows)
    try:
        with transaction.atomic():
            _import_rows(actor=actor, journey=journey, result=result, versions=versions or {})
            if not save or result.error_rows:
                raise _Rollback
    except _Rollback:
        return result
    result.saved = True
    return result


def _import_rows(
    *, actor: User, journey: Journey, result: ImportResult, versions: Mapping[str, int]
) -> None:
    existing = {str(tp.pk): tp for tp in journey.touchpoints.select_related("stage", "owner")}
    stages = _Stages(actor=actor, journey=journey, result=result)
    seen: set[str] = set()
    for row in result.rows:
        current = None
        if row.id and not row.error_on("id"):
            current = existing.get(row.id)
            if current is None:
                row.errors.append(("id", str(_NOT_IN_JOURNEY)))
            elif row.id in seen:
                row.errors.append(("id", _("This id is on an earlier row too.")))
                current = None
            seen.add(row.id)
        if current is not None:
            row.current_name = current.name
            result.versions[row.id] = current.version
        stage = stages.find(row, current)
        if row.errors:
            row.action = ERROR
            continue
        assert stage is not None  # find() gives none only with an error on the row
        try:
            if current is None:
                touchpoint_create(actor=actor, journey=journey, stage=stage, **row.fields)
                row.action = CREATE
            else:
                _import_update(actor, row, current, stage, versions.get(row.id, current.version))
        except EditConflict:
            row.errors.append(("", str(_CHANGED_SINCE)))
        except ValidationError as exc:
            for name, messages in _messages_by_field(exc):
                row.errors.extend((_COLUMN_OF_FIELD.get(name, name), m) for m in messages)
        if row.errors:
            row.action = ERROR


def _import_update(
    actor: User, row: ImportRow, current: Touchpoint, stage: Stage, version: int
) -> None:
    changes: dict[str, Any] = {"stage": stage} if stage.pk != current.stage_id else {}
    for name, value in row.fields.items():
        if not same_value(name, getattr(current, name), value):
            changes[name] = value
    row.changed = [name for name in EDITABLE_FIELDS if name in changes]
    if not changes:
        row.action = UNCHANGED
        return
    touchpoint_update(actor=actor, touchpoint=current, version=version, **changes)
    row.action = UPDATE


def _messages_by_field(exc: ValidationError) -> Iterable[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict.items()
    return [("", exc.messages)]


class _Stages:
    """The journey's stages by name (case and spaces ignored); a new name makes a new stage."""

    def __init__(self, *, actor: User, journey: Journey, result: ImportResult) -> None:
        self.actor, self.journey, self.result = actor, journey, result
        self.by_key: dict[str, Stage] = {}
        for stage in journey.stages.order_by("position"):
            self.by_key.setdefault(self.key(stage.name), stage)
        self.refused: dict[str, str] = {}

    @staticmethod
    def key(name: str | None) -> str:
        return " ".join((name or "").split()).casefold()

    def find(self, row: ImportRow, current: Touchpoint | None) -> Stage | None:
        if row.error_on("stage"):
            return None
        key = self.key(row.stage)
        if current is not None and self.key(current.stage.name) == key:
            return current.stage  # stays put, even where two stages share a name
        if key in self.by_key:
            return self.by_key[key]
        if key not in self.refused:
            try:
                stage = stage_create(actor=self.actor, journey=self.journey, name=row.stage)
            except ValidationError as exc:
                self.refused[key] = " ".join(exc.messages)
            else:
                self.by_key[key] = stage
                self.result.new_stages.append(stage.name)
                return stage
        row.errors.append(("stage", self.refused[key]))
        return None


# --- the bulk feed -------------------------------------------------------------------------

FEED_MAX_ROWS = 10_000


@dataclass(frozen=True)
class FeedValue:
    """A value a feed row may set: its field and the whole numbers it takes (from `minimum`
    to `maximum`, or one of `choices`, (value, label) pairs). FEED_VALUES is the one
    description of a row: the service checks rows with it and the API documents them from
    it."""

    name: str
    minimum: int = 0
    maximum: int = 0
    choices: Sequence[tuple[int, Any]] = ()

    @cached_property
    def allowed(self) -> frozenset[int]:
        """The choices' values."""
        return frozenset(choice for choice, _label in self.choices)

    def accepts(self, value: object) -> TypeGuard[int]:
        # A feed checks thousands of rows: a plain int takes the short way.
        if type(value) is not int and not _whole_number(value):
            return False
        if self.choices:
            return value in self.allowed
        return self.minimum <= value <= self.maximum

    def message(self) -> str:
        if self.choices:
            return _("Send one of %(choices)s (%(labels)s).") % {
                "choices": ", ".join(str(choice) for choice, _label in self.choices),
                "labels": ", ".join(str(label) for _choice, label in self.choices),
            }
        return _("Send a whole number from %(min)s to %(max)s.") % {
            "min": self.minimum,
            "max": self.maximum,
        }


FEED_VALUES = (
    FeedValue("contacts_per_day", minimum=0, maximum=MAX_CONTACTS_PER_DAY),
    FeedValue("rating_current", choices=Rating.choices),
)
FEED_VALUE_FIELDS = tuple(value.name for value in FEED_VALUES)
FEED_ROW_FIELDS = ("external_id", *FEED_VALUE_FIELDS)
EXTERNAL_ID_MAX_LENGTH = max_length(Touchpoint, "external_id")
# A touchpoint's id: a UUID, or read as the database stores it (motmap.bulk.stored_key), as
# the feed reads thousands of them.
Key = UUID | str
# A checked row of a feed: (touchpoint id, index in the request, external ID, {field: value}).
FeedRow = tuple[Key, int, str, dict[str, int]]
# A touchpoint as stored: {id: (value of each field asked for, ...)}.
Stored = dict[Key, tuple[Any, ...]]
_T = TypeVar("_T")


class FeedRejected(ValidationError):
    """Rows of a feed are wrong, so nothing was changed.

    `rows` lists them in order: {"index": position in the request (from 0), "external_id": as
    sent (or None), "errors": {field: [messages]}}.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        super().__init__(
            ngettext(
                "%(count)s row has errors; nothing was changed.",
                "%(count)s rows have errors; nothing was changed.",
                len(rows),
            )
            % {"count": len(rows)}
        )


def _whole_number(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _feed_external_id(value: object) -> tuple[str | None, str | None]:
    """(the external ID, or None) and an error message, or None when it is fine."""
    if value is None:
        return None, _("Give the touchpoint's external ID.")
    if not isinstance(value, str):
        return None, _("Send the external ID as a string.")
    value = value.strip()
    if not value:
        return None, _("Give the touchpoint's external ID.")
    if len(value) > EXTERNAL_ID_MAX_LENGTH or "\x00" in value:
        return value, _("No touchpoint of this organisation has this external ID.")
    if value.isascii():  # nothing to encode: the usual case, the short way
        return value, None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, _("The external ID is not valid text.")
    return value, None


def _feed_row(row: object) -> tuple[str | None, dict[str, int], dict[str, list[str]]]:
    """One row as sent -> (external ID or None, {field: value}, {field: [messages]})."""
    if not isinstance(row, dict):
        return None, {}, {"non_field_errors": [_("Send each row as a JSON object.")]}
    errors = {str(key): [_("Unknown field.")] for key in row if key not in FEED_ROW_FIELDS}
    external_id, problem = _feed_external_id(row.get("external_id"))
    if problem:
        errors["external_id"] = [problem]
    values: dict[str, int] = {}
    sent = False
    for spec in FEED_VALUES:
        if spec.name in row:
            sent = True
            value = row[spec.name]
            if spec.accepts(value):
                values[spec.name] = value
            else:
                errors[spec.name] = [spec.message()]
    if not sent:
        errors["non_field_errors"] = [_("Send contacts_per_day, rating_current or both.")]
    return external_id, values, errors


def _chunks(items: Sequence[_T], reserved: int = 1) -> list[Sequence[_T]]:
    """`items` in as few parts as the database's cap on parameters allows, `reserved` of
    them kept for the rest of the statement: one part on PostgreSQL."""
    cap = connection.features.max_query_params
    size = max(1, len(items) if cap is None else cap - reserved)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _feed_check(organisation: Organisation, rows: Sequence[object]) -> tuple[list[FeedRow], Stored]:
    """Check every row, and find and lock the touchpoints they name: the rows to write
    [(touchpoint id, index, external ID, values)] and the touchpoints as stored.

    Raises FeedRejected listing every bad row. On PostgreSQL one SELECT ... FOR UPDATE finds
    them all, locking them in the order of their ids (two feeds sharing rows lock them in the
    same order: no deadlock); SQLite, which has no row locks, in parts under its cap.
    """
    errors: dict[int, tuple[str | None, dict[str, list[str]]]] = {}
    wanted: list[tuple[int, str, dict[str, int]]] = []
    first_index: dict[str, int] = {}
    for index, row in enumerate(rows):
        external_id, values, row_errors = _feed_row(row)
        if external_id is not None and "external_id" not in row_errors:
            if external_id in first_index:
                row_errors["external_id"] = [
                    _("Row %(index)s has this external ID too: send each touchpoint once.")
                    % {"index": first_index[external_id]}
                ]
            else:
                first_index[external_id] = index
        if row_errors or external_id is None:  # no external ID is an error on the row
            errors[index] = (external_id, row_errors)
        else:
            wanted.append((index, external_id, values))
    found: dict[str, Key] = {}
    stored: Stored = {}
    for chunk in _chunks(wanted):
        for pk, external_id, *values in (
            Touchpoint.objects.select_for_update()
            .filter(AnyOf(F("external_id"), [ext for _i, ext, _v in chunk]))
            .filter(organisation=organisation)
            .order_by("pk")
            .values_list(stored_key(), "external_id", *FEED_VALUE_FIELDS)
        ):
            found[external_id] = pk
            stored[pk] = tuple(values)
    for index, external_id, _values in wanted:
        if external_id not in found:
            errors[index] = (
                external_id,
                {"external_id": [_("No touchpoint of this organisation has this external ID.")]},
            )
    if errors:
        raise FeedRejected(
            [
                {"index": index, "external_id": ext, "errors": row_errors}
                for index, (ext, row_errors) in sorted(errors.items())
            ]
        )
    return [(found[ext], index, ext, values) for index, ext, values in wanted], stored


@transaction.atomic
def touchpoint_feed(*, actor: User, organisation: Organisation, rows: object) -> dict[str, int]:
    """Set contacts per day and/or the current rating of touchpoints found by external ID.

    `rows`: [{"external_id": str, "contacts_per_day": int, "rating_current": int}, ...], at
    most FEED_MAX_ROWS, each with one or both values. All or nothing: every row is checked
    first and any error raises FeedRejected (or a ValidationError on `rows`) with nothing
    changed. Rows whose values are already current are left alone (no version bump, no
    history), so sending the same feed twice changes nothing the second time. Changed rows get
    a new version (an edit begun before the feed conflicts) and history for tracked fields.

    Queries on PostgreSQL, whatever the number of rows: the role check, one SELECT ... FOR
    UPDATE that finds and locks the touchpoints, one UPDATE ... FROM (VALUES ...), one
    INSERT ... SELECT of the history (on SQLite, as many of each as its cap on parameters
    needs) and the one audit entry of the feed.
    Returns {"received": n, "updated": u, "unchanged": n - u}.
    """
    require_editor(actor, organisation)
    if not isinstance(rows, list):
        raise ValidationError({"rows": _("Send the rows as a JSON list.")})
    if len(rows) > FEED_MAX_ROWS:
        raise ValidationError(
            {
                "rows": _(
                    "At most %(max)s rows in one request; this one has %(count)s. "
                    "Send them in several requests."
                )
                % {"max": f"{FEED_MAX_ROWS:,}", "count": f"{len(rows):,}"}
            }
        )
    checked, stored = _feed_check(organisation, rows)
    values = {pk: row_values for pk, _index, _external_id, row_values in checked}
    updated, vanished = _set_values(actor, stored, values, fields=FEED_VALUE_FIELDS)
    if vanished:  # deleted in this transaction, or on SQLite by another one (no row locks)
        message = _("This touchpoint was deleted or given another external ID meanwhile.")
        raise FeedRejected(
            [
                {"index": index, "external_id": ext, "errors": {"external_id": [message]}}
                for pk, index, ext, _values in checked
                if pk in vanished
            ]
        )
    counts = {"received": len(rows), "updated": updated, "unchanged": len(rows) - updated}
    audit.record(actor=actor, organisation=organisation, action="touchpoint.fed", changes=counts)
    return counts


@transaction.atomic
def touchpoint_ratings_set(
    *,
    actor: User,
    organisation: Organisation,
    ratings: Mapping[UUID, int],
    now: datetime | None = None,
) -> int:
    """Set the current rating of many touchpoints at once (a completed review's ratings).

    `ratings`: {touchpoint id: rating}; ids of another organisation are ignored. A touchpoint
    already at its rating is left alone; each changed one gets a new version (an edit begun
    before conflicts) and its history row. Queries: one SELECT ... FOR UPDATE, one UPDATE ...
    FROM (VALUES ...) and one INSERT, whatever the number. Returns how many changed.
    """
    require_editor(actor, organisation)
    if any(rating not in Rating.values for rating in ratings.values()):
        raise ValidationError({"rating_current": _("Choose a rating from −2 to +2.")})
    if not ratings:
        return 0
    current: Stored = {
        pk: (rating,)
        for pk, rating in Touchpoint.objects.select_for_update()
        .filter(organisation=organisation, pk__in=list(ratings))
        .order_by("pk")  # two writers lock shared rows in the same order: no deadlock
        .values_list("pk", "rating_current")
    }
    values: dict[Key, dict[str, int]] = {
        pk: {"rating_current": r} for pk, r in ratings.items() if pk in current
    }
    updated, _vanished = _set_values(actor, current, values, fields=("rating_current",), now=now)
    return updated


def _set_values(
    actor: User,
    current: Stored,
    values: Mapping[Key, Mapping[str, Any]],
    *,
    fields: Sequence[str],
    now: datetime | None = None,
) -> tuple[int, set[Key]]:
    """Write `values` ({pk: {field: value}}) over the locked touchpoints `current` ({pk:
    (value of each of `fields`, ...)} as stored). Those that already hold every value are left
    alone; the others get a new version, all in one UPDATE ... FROM (VALUES ...), and the
    history of their tracked fields in one INSERT ... SELECT per field, its ids made by the
    database: no model object and little Python per row.

    Returns how many changed, and the ids of those that were to change but are gone.
    """
    now = now or timezone.now()
    positions = {f: i for i, f in enumerate(fields)}
    tracked = [f for f in fields if f in TouchpointChange.TRACKED_FIELDS]  # in their order
    changed: list[list[Any]] = []
    # {tracked field: [(pk, old, new), ...]}: the history of the rows that change
    history: dict[str, list[tuple[Key, str, str]]] = {f: [] for f in tracked}
    for pk, new in values.items():
        stored = current[pk]
        row = list(stored)
        differs = False
        for name, value in new.items():
            old = stored[positions[name]]
            row[positions[name]] = value
            if not differs and not same_value(name, old, value):
                differs = True
        if not differs:
            continue
        changed.append([pk, *row])
        for name in tracked:
            old, value = stored[positions[name]], row[positions[name]]
            if old != value:
                history[name].append((pk, _text(old), _text(value)))
    written = update_rows(Touchpoint, fields, changed, version=F("version") + 1, updated_at=now)
    vanished: set[Key] = set()
    if written < len(changed):  # deleted meanwhile: in this transaction, or on SQLite
        keys = [row[0] for row in changed]
        vanished = set(keys)
        for part in _chunks(keys):
            there = Touchpoint.objects.filter(pk__in=part).values_list("pk", stored_key())
            for pk, as_stored in there:  # the keys may be either
                vanished.discard(pk)
                vanished.discard(as_stored)
    actor_id = getattr(actor, "pk", None)
    for name in tracked:
        insert_rows(
            TouchpointChange,
            ["touchpoint", "old_value", "new_value"],
            [change for change in history[name] if change[0] not in vanished],
            id=RandomUUID(),
            actor=actor_id,
            changed_at=now,
            field=name,
        )
    return written, vanished


def _text(value: Any) -> str:
    """A value as the history keeps it."""
    return "" if value is None else str(value)
