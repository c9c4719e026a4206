"""The organisation export's format: the files of its ZIP, the fields of each file's rows, and
how a value is written out and read back in. Export (`exports.writer`) and import
(`exports.reader`) both read these tables, so the two cannot disagree; docs/export.md describes
the same for people.

Each table is one JSON file: a list of rows, one object per row, its keys the table's columns in
the order given here. A column is one of:

- `id`: the row's own id (a UUID as text). Other rows point at it; an import never keeps it.
- a reference: the id of a row of another file (or the same one), or null where allowed.
- a person: an email address, or null (nobody, or an anonymous author).
- people: a list of email addresses (a review's attendees).
- a value: as the model field holds it; dates "2026-03-01", moments ISO 8601 in UTC
  ("2026-03-01T09:30:00.123456+00:00"), JSON fields as they are.

A change of a table (a column added, renamed or dropped, a meaning changed) is a new VERSION,
and the import says which versions it reads (READABLE_VERSIONS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from feedback.models import (
    MAX_REASONS,
    QUESTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    FeedbackDay,
    FeedbackImport,
    FeedbackImportDay,
    FeedbackPoint,
    FeedbackReasonDay,
    FeedbackResponse,
)
from ideas.models import Comment, Idea, IdeaEvent, Vote
from journeys.models import Journey, Stage
from motmap.models import Language, Membership, Organisation, User
from notifications.models import NotificationSetting
from packs.models import StoredPack
from reviews.models import Action, Review, ReviewDecision, ReviewRating
from touchpoints.models import Habit, Rating, Touchpoint, TouchpointChange
from webhooks.models import SUBSCRIBABLE, WebhookEndpoint

FORMAT = "motmap-organisation-export"
VERSION = 1
READABLE_VERSIONS = (1,)
MANIFEST = "manifest.json"
ORGANISATION_FILE = "organisation.json"
PACKS_FOLDER = "packs/"

ID, REF, PERSON, PEOPLE, VALUE = "id", "ref", "person", "people", "value"


@dataclass(frozen=True)
class Column:
    key: str  # the name in the file
    lookup: str  # what the export reads (a `values_list` path)
    kind: str  # ID, REF, PERSON, PEOPLE or VALUE
    field: models.Field | None = None  # VALUE: the model field a value is checked against
    target: str = ""  # REF: the table whose ids it holds
    null: bool = False  # REF, PERSON: may be null


@dataclass(frozen=True)
class Table:
    """One model of the organisation, one JSON file."""

    name: str  # the file's name without ".json"
    model: type[models.Model]
    org: str  # the path from a row to its organisation
    fields: str  # the model's fields in the file, in order, separated by spaces
    order: str  # the paths the rows are ordered by in the file
    imported: bool = True
    # Columns that are not a field of the model: key -> the path to a person's email (PERSON)
    people: Mapping[str, str] = field(default_factory=dict)
    # ... or to a value (export only)
    lookups: Mapping[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return f"{self.name}.json"

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        return tuple(_column(self, name) for name in self.fields.split())

    @cached_property
    def has_id(self) -> bool:
        return any(column.kind == ID for column in self.columns)


def _column(table: Table, name: str) -> Column:
    if name in table.people:
        return Column(name, table.people[name], PERSON, null=False)
    if name in table.lookups:
        return Column(name, table.lookups[name], VALUE)
    model_field = table.model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise TypeError(f"{table.name}.{name} is not a field")
    if model_field.primary_key:
        return Column("id", "id", ID)
    if model_field.many_to_many:
        return Column(name, f"{name}__email", PEOPLE, model_field)
    if model_field.is_relation:
        related = model_field.related_model
        if related is User:
            return Column(name, f"{name}__email", PERSON, model_field, null=model_field.null)
        return Column(
            name, f"{name}_id", REF, model_field, target=_table_of(related), null=model_field.null
        )
    return Column(name, name, VALUE, model_field)


def _table_of(model: Any) -> str:
    return {
        Journey: "journeys",
        Stage: "stages",
        Touchpoint: "touchpoints",
        Idea: "ideas",
        FeedbackResponse: "feedback_responses",
        FeedbackImport: "feedback_imports",
        Review: "reviews",
    }[model]


# The organisation's settings: one object (not a list) in organisation.json. An import gives
# the new organisation the settings below; its name is the one typed, its address new.
ORGANISATION_FIELDS = (
    "name",
    "slug",
    "time_zone",
    "paper_size",
    "reminder_days_before",
    "language",
    "created_at",
)
ORGANISATION_IMPORTED = ("time_zone", "paper_size", "reminder_days_before", "language")

# In the order an import writes them (every row's references come before it, but for an
# idea's `duplicate_of`, which points into its own file).
TABLES: tuple[Table, ...] = (
    Table(
        "members",
        Membership,
        "organisation",
        "email full_name role created_at",
        "created_at user__email",
        imported=False,
        lookups={"email": "user__email", "full_name": "user__full_name"},
    ),
    Table(
        "journeys",
        Journey,
        "organisation",
        "id name description segment owner review_cadence review_every_weeks next_review_on "
        "archived_at created_at updated_at",
        "created_at id",
    ),
    Table(
        "stages",
        Stage,
        "journey__organisation",
        "id journey name position",
        "journey__created_at journey_id position id",
    ),
    Table(
        "touchpoints",
        Touchpoint,
        "organisation",
        "id journey stage position name external_id channel moment desired_outcome customer_wants "
        "rating_current rating_target contacts_per_day duration_seconds owner frontline_role "
        "habits version created_at updated_at",
        "journey__created_at journey_id stage__position position id",
    ),
    Table(
        "touchpoint_changes",
        TouchpointChange,
        "touchpoint__organisation",
        "id touchpoint actor changed_at field old_value new_value",
        "changed_at id",
    ),
    Table(
        "ideas",
        Idea,
        "organisation",
        "id number touchpoint author author_left title today proposal habits from_customer "
        "status decision_note duplicate_of vote_count comment_count created_at "
        "status_changed_at implemented_at updated_at",
        "number id",
    ),
    Table(
        "votes",
        Vote,
        "idea__organisation",
        "id idea user created_at",
        "idea__number created_at id",
    ),
    Table(
        "comments",
        Comment,
        "idea__organisation",
        "id idea author body by_manager created_at edited_at",
        "idea__number created_at id",
    ),
    Table(
        "idea_events",
        IdeaEvent,
        "idea__organisation",
        "id idea actor at from_status to_status note",
        "idea__number at id",
    ),
    Table(
        "feedback_points",
        FeedbackPoint,
        "organisation",
        "id touchpoint is_open question reasons translations kiosk_pause_seconds alert_answers "
        "alert_share_percent share_alert_at comment_alert_at created_at rotated_at",
        "created_at id",
    ),
    Table(
        "feedback_responses",
        FeedbackResponse,
        "organisation",
        "id touchpoint face reason comment channel language counted day created_at "
        "comment_read_at idea",
        "created_at id",
    ),
    Table(
        "feedback_days",
        FeedbackDay,
        "organisation",
        "touchpoint day depresses disappoints neutral pleases wows excluded throttled imported",
        "day touchpoint_id",
    ),
    Table(
        "feedback_reason_days",
        FeedbackReasonDay,
        "organisation",
        "touchpoint day reason count",
        "day touchpoint_id reason",
    ),
    Table(
        "feedback_imports",
        FeedbackImport,
        "organisation",
        "id created_by created_at scale source rows answers days days_replaced",
        "created_at id",
    ),
    Table(
        "feedback_import_days",
        FeedbackImportDay,
        "organisation",
        "touchpoint day depresses disappoints neutral pleases wows feedback_import",
        "day touchpoint_id",
    ),
    Table(
        "reviews",
        Review,
        "organisation",
        "id journey held_on status attendees guests summary started_by started_at completed_by "
        "completed_at next_review_on",
        "held_on started_at id",
    ),
    Table(
        "review_ratings",
        ReviewRating,
        "review__organisation",
        "id review touchpoint position stage_name touchpoint_name previous_rating rating "
        "target_rating note",
        "review__held_on review__started_at review_id position id",
    ),
    Table(
        "review_decisions",
        ReviewDecision,
        "review__organisation",
        "id review idea touchpoint idea_number idea_title from_status to_status note "
        "duplicate_of_number decided_by decided_at",
        "decided_at id",
    ),
    Table(
        "actions",
        Action,
        "organisation",
        "id journey review touchpoint from_comment title owner due_on status created_by "
        "created_at closed_at",
        "created_at id",
    ),
    Table(
        "notification_settings",
        NotificationSetting,
        "membership__organisation",
        "id person kind frequency",
        "membership__user__email kind id",
        people={"person": "membership__user__email"},
    ),
    Table(
        "webhook_endpoints",
        WebhookEndpoint,
        "organisation",
        "id url description events active created_by created_at disabled_at disabled_reason",
        "created_at id",
    ),
    Table(
        "stored_packs",
        StoredPack,
        "organisation",
        "id kind journey review paper title page_count created_by created_at finished_at",
        "created_at id",
        imported=False,
    ),
)
BY_NAME = {table.name: table for table in TABLES}
IMPORTED = tuple(table for table in TABLES if table.imported)

# The models of an organisation that the export does not hold, and why (docs/export.md says the
# same; tests/exports/test_format.py fails for a model of an organisation in neither list).
LEFT_OUT = {
    "motmap.Organisation": "its settings are organisation.json",
    "motmap.Invitation": "a pending invitation is a secret link to the old organisation",
    "motmap.OutboxEmail": "emails waiting to be sent, or sent: messages, not data",
    "notifications.PendingNotice": "notices waiting for a digest of the old organisation",
    "notifications.CalendarFeed": "a person's private calendar address is a secret",
    "webhooks.WebhookDelivery": "the log of what was sent out, with the old ids",
    "webhooks.WebhookEventOnce": "marks of events already sent, by the old ids",
    "reviews.Reminder": "reminders fired and waiting to be told; an import schedules anew",
    "api.ApiToken": "a personal key (only its hash is stored) for one person and organisation",
    "exports.OrganisationExport": "the exports themselves",
    "motmap.AuditEntry": "the old organisation's log of who changed what; a new one starts anew",
}

# The spreadsheets: the same data, for people (an import only checks their checksums).
CSV_FILES = ("touchpoints.csv", "ideas.csv", "actions.csv", "review_ratings.csv")


def pack_file(pack_id: object) -> str:
    """The name in the ZIP of a stored pack's PDF (its row in stored_packs.json says `file`)."""
    return f"{PACKS_FOLDER}{pack_id}.pdf"


# --- checks of JSON values beyond their model field ------------------------------------------

Check = Callable[[Any], str | None]  # a value -> what is wrong with it, or None


def _texts(*, choices: tuple[str, ...] = (), max_items: int = 100, max_length: int = 200) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _("a list of texts")
        if len(value) > max_items:
            return _("a list of at most %(n)d texts") % {"n": max_items}
        if any(len(v) > max_length or "\x00" in v for v in value):
            return _("a list of texts of at most %(n)d characters") % {"n": max_length}
        if choices and not set(value) <= set(choices):
            return _("a list of: %(choices)s") % {"choices": ", ".join(choices)}
        return None

    return check


def _translations(value: Any) -> str | None:
    """{language: {"question": text, "reasons": [text, ...]}}, as feedback.services tidies it."""
    wanted = _('an object of languages, each {"question": text, "reasons": [texts]}')
    if not isinstance(value, dict) or not set(value) <= set(Language.values):
        return wanted
    reasons = _texts(max_items=MAX_REASONS, max_length=REASON_MAX_LENGTH)
    for texts in value.values():
        if not isinstance(texts, dict) or not set(texts) <= {"question", "reasons"}:
            return wanted
        question = texts.get("question", "")
        if not isinstance(question, str) or len(question) > QUESTION_MAX_LENGTH:
            return wanted
        if "\x00" in question or reasons(texts.get("reasons", [])):
            return wanted
    return None


def _rating(value: Any) -> str | None:
    return None if value is None or value in Rating.values else _("a rating from -2 to 2, or null")


# (model, field) -> a check the model field itself does not make (JSON fields; ranges the
# database holds as a constraint).
CHECKS: dict[tuple[type[models.Model], str], Check] = {
    (Touchpoint, "habits"): _texts(choices=tuple(Habit.values), max_items=len(Habit.values)),
    (Idea, "habits"): _texts(choices=tuple(Habit.values), max_items=len(Habit.values)),
    (FeedbackPoint, "reasons"): _texts(max_items=MAX_REASONS, max_length=REASON_MAX_LENGTH),
    (FeedbackPoint, "translations"): _translations,
    (WebhookEndpoint, "events"): _texts(choices=tuple(str(e) for e in SUBSCRIBABLE)),
    (ReviewRating, "previous_rating"): _rating,
    (ReviewRating, "rating"): _rating,
    (ReviewRating, "target_rating"): _rating,
}


def organisation_field(name: str) -> models.Field:
    found = Organisation._meta.get_field(name)
    assert isinstance(found, models.Field)
    return found
