"""Exporting an organisation to one ZIP file, and importing such a file as a new organisation.

Export: an owner asks (`export_start`), which writes an OrganisationExport row and queues
`exports.tasks.build_export` once the transaction commits; the task builds it (`exports.build`).
A ready export can be downloaded for KEEP_DAYS; then it is gone (404), and the daily prune
deletes it (`prune_expired_exports`).

Import: `organisation_import` reads and checks the whole file first (`exports.reader`), then
writes a new organisation owned by the importing person with every row under a new id, in one
transaction: all or nothing. docs/export.md says what is kept and what is not.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import services as feedback_services
from feedback.models import FeedbackPoint, FeedbackResponse
from ideas.models import Idea
from motmap import audit
from motmap import services as org_services
from motmap.bulk import update_rows
from motmap.enqueue import enqueue_on_commit
from motmap.models import Membership, Organisation, User
from motmap.tenancy import require_owner
from reviews.models import Review
from reviews.reminders import reschedule_organisation
from webhooks.models import WebhookEndpoint

from . import format as fmt
from . import reader
from .archive import Refused
from .models import ExportStatus, OrganisationExport

logger = logging.getLogger(__name__)

# A ready export can be downloaded this long after it was made.
KEEP_DAYS = 7
BUILD_TASK = "exports.tasks.build_export"


# --- export ------------------------------------------------------------------------------------


@transaction.atomic
def export_start(*, actor: User, organisation: Organisation) -> OrganisationExport:
    """Queue an export of everything of the organisation (owners only). While one is queued or
    being made, pressing again gives that one: each export of a large organisation is work."""
    require_owner(actor, organisation)
    pending = OrganisationExport.objects.for_org(organisation).filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    )
    if (export := pending.without_file().first()) is not None:
        return export
    export = OrganisationExport.objects.create(organisation=organisation, requested_by=actor)
    audit.record(
        actor=actor,
        organisation=organisation,
        action="export.requested",
        target=export,
        label=_("everything of the organisation"),
    )
    enqueue_on_commit(BUILD_TASK, str(export.pk), sweep="the export sweep")
    return export


def prune_expired_exports(now: datetime | None = None) -> int:
    """Delete the exports whose time is up, with their files. Returns how many."""
    deleted, _by_model = OrganisationExport.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def export_file(*, actor: User, export: OrganisationExport) -> bytes:
    """The ZIP of a ready export that has not expired (owners only); LookupError otherwise."""
    require_owner(actor, export.organisation)
    content = (
        OrganisationExport.objects.downloadable()
        .filter(pk=export.pk)
        .values_list("file", flat=True)
        .first()
    )
    if content is None:
        raise LookupError("no such export to download")
    audit.record(
        actor=actor,
        organisation=export.organisation,
        action="export.downloaded",
        target=export,
        label=_("the export of %(date)s") % {"date": export.created_at.date().isoformat()},
    )
    return bytes(content)


# --- import ------------------------------------------------------------------------------------


@transaction.atomic
def organisation_import(*, actor: User, name: str, file: IO[bytes]) -> Organisation:
    """A new organisation, owned by `actor`, with everything of the export `file`.

    The file is read and checked whole before anything is written; then every row is written
    under a new id, in this one transaction (all or nothing). People are matched by email: the
    importing person's own rows stay theirs, everyone else's show a former member (no account
    or membership is made for anyone). Raises ValidationError, with what is wrong, and writes
    nothing, for a file that is not a valid export.
    """
    try:
        export = reader.read_export(file, max_bytes=settings.EXPORT_IMPORT_MAX_BYTES)
    except Refused as exc:
        raise ValidationError({"file": exc.messages}) from None
    settings_in = export.organisation
    org = org_services.organisation_create(
        actor=actor, name=name, time_zone=settings_in["time_zone"]
    )
    Organisation.objects.filter(pk=org.pk).update(
        **{key: settings_in[key] for key in fmt.ORGANISATION_IMPORTED if key != "time_zone"}
    )
    org.refresh_from_db()
    membership = Membership.objects.get(organisation=org, user=actor)
    try:
        _Writer(export, org=org, actor=actor, membership=membership).write()
    except Refused as exc:
        raise ValidationError({"file": exc.messages}) from None
    reschedule_organisation(org)
    audit.record(
        actor=actor,
        organisation=org,
        action="organisation.imported",
        target=org,
        changes={
            "from": settings_in.get("name", ""),
            "exported at": export.manifest.get("exported_at", ""),
        },
    )
    return org


# Fields an import sets itself, whatever the file says (they are not in it).
def _extra(model: type[models.Model], now: datetime) -> dict[str, Any]:
    if model is FeedbackPoint:
        # A new code, made as the feedback app makes one: the old cards are the old org's.
        return {"token": feedback_services._new_token()}
    if model is FeedbackResponse:
        return {"submission_id": uuid.uuid4(), "respondent": ""}
    if model is WebhookEndpoint:
        # Off until an owner checks the address and turns it on; a new signing secret.
        return {
            "active": False,
            "disabled_at": now,
            "disabled_reason": _(
                "Imported with the organisation: check the address, then turn it on. It has a "
                "new signing secret."
            ),
        }
    return {}


class _Writer:
    """The rows of a checked export, written under new ids for a new organisation."""

    def __init__(
        self, export: reader.Export, *, org: Organisation, actor: User, membership: Membership
    ) -> None:
        self.export, self.org, self.actor, self.membership = export, org, actor, membership
        self.me = actor.email.lower()
        self.now = timezone.now()
        # Every id of the file gets a new one, per table; none is ever kept.
        self.new_ids = {
            table.name: {row["id"]: uuid.uuid4() for row in export.tables[table.name]}
            for table in fmt.IMPORTED
            if table.has_id
        }
        self.attendees: list[tuple[uuid.UUID, int]] = []

    def write(self) -> None:
        counts = self._idea_counts()
        for table in fmt.IMPORTED:
            objs = [obj for row in self.export.tables[table.name] if (obj := self._obj(table, row))]
            for idea in objs:
                if isinstance(idea, Idea):
                    idea.vote_count, idea.comment_count = counts[idea.pk]
            self._create(table, objs)
        through = Review.attendees.through
        through.objects.bulk_create(
            through(review_id=review_id, user_id=user_id) for review_id, user_id in self.attendees
        )

    def _person(self, email: str | None) -> int | None:
        return self.actor.pk if email is not None and email == self.me else None

    def _idea_counts(self) -> dict[uuid.UUID, tuple[int, int]]:
        """An idea's votes and comments as imported: the counts agree with the rows (a former
        member's vote is not kept, so it is not counted)."""
        ideas = self.new_ids["ideas"]
        mine = [row for row in self.export.tables["votes"] if row["user"] == self.me]
        votes = Counter(row["idea"] for row in mine)
        comments = Counter(row["idea"] for row in self.export.tables["comments"])
        return {new: (votes[old], comments[old]) for old, new in ideas.items()}

    def _obj(self, table: fmt.Table, row: dict[str, Any]) -> models.Model | None:
        """The row as a model object with new ids, or None when it is dropped: a row that must
        name a person (a vote, a notification setting) of someone other than the importer."""
        values: dict[str, Any] = {}
        if table.org == "organisation":
            values["organisation_id"] = self.org.pk
        for column in table.columns:
            value = row[column.key]
            if column.kind == fmt.ID:
                values["id"] = self.new_ids[table.name][value]
            elif column.kind == fmt.REF:
                assert column.field is not None
                target = self.new_ids[column.target]
                values[column.field.attname] = None if value is None else target[value]
            elif column.kind == fmt.PERSON:
                person = self._person(value)
                if person is None and not column.null:
                    return None
                if column.field is None:  # a notification setting's person: their membership
                    values["membership_id"] = self.membership.pk
                else:
                    values[column.field.attname] = person
            elif column.kind == fmt.PEOPLE:
                if self.me in value:
                    self.attendees.append((values["id"], self.actor.pk))
            else:
                assert column.field is not None
                values[column.field.attname] = value
        values.update(_extra(table.model, self.now))
        if table.model is Idea and row["author"] is not None and values["author_id"] is None:
            values["author_left"] = True  # a former member's, never shown as anonymous
        return table.model(**values)

    def _create(self, table: fmt.Table, objs: list[models.Model]) -> None:
        """One table's rows, in a savepoint: a rule of the database the file breaks (two
        journeys of one name, an idea the duplicate of itself) is a message naming the file."""
        auto_now = [f for f in table.model._meta.concrete_fields if getattr(f, "auto_now", False)]
        kept = {f.attname: [getattr(obj, f.attname) for obj in objs] for f in auto_now}
        try:
            with transaction.atomic():
                table.model._default_manager.bulk_create(objs, batch_size=500)
        except (IntegrityError, DataError) as exc:
            logger.info("import refused: %s breaks a rule of the database (%s)", table.file, exc)
            raise Refused(
                _(
                    "%(file)s holds rows that cannot be stored together (for example two of "
                    "one name where names must differ): the export was changed or damaged."
                )
                % {"file": table.file}
            ) from None
        for f in auto_now:  # bulk_create stamped them now: they keep the file's moments
            rows = [(obj.pk, value) for obj, value in zip(objs, kept[f.attname], strict=True)]
            update_rows(table.model, [f.name], rows)
