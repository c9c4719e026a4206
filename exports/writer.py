"""Writing an organisation's export: read everything in one snapshot, then write the ZIP.

Every table is read inside one read-only transaction, at REPEATABLE READ on PostgreSQL (SQLite's
transactions see one snapshot anyway), so the files agree with each other even while people
work: a touchpoint added between reading the stages and reading the touchpoints cannot point at
a stage the file does not hold. What is read is then written out file by file, each step
reported to `progress`, so the export's row shows how far it is (a write inside the snapshot's
transaction would not be seen by the page until the end).

The format is `exports.format`'s; docs/export.md describes it.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone

from ideas import csv_io as idea_csv
from ideas.models import Idea
from motmap.models import Organisation
from motmap.spreadsheet import safe_cell
from packs.models import PackStatus, StoredPack
from reviews.models import Action, ReviewRating
from touchpoints import csv_io as touchpoint_csv
from touchpoints.models import Touchpoint

from . import format as fmt

Progress = Callable[[int, int], None]  # (steps done, steps in all)
Row = dict[str, Any]


@dataclass
class Snapshot:
    """Everything of one organisation, read at one moment, ready to be written."""

    organisation: Row
    tables: dict[str, list[Row]] = field(default_factory=dict)
    spreadsheets: dict[str, str] = field(default_factory=dict)
    packs: dict[str, bytes] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Reading, one per file written (the PDFs as one), the manifest."""
        files = 1 + len(self.tables) + len(self.spreadsheets) + bool(self.packs)
        return 1 + files + 1


@contextmanager
def one_snapshot() -> Iterator[None]:
    """A read-only transaction in which every query sees the same moment. Inside a transaction
    that is already open (a test's), its own isolation is kept."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def value_out(value: Any, column: fmt.Column) -> Any:
    """A value as the file holds it (see exports.format)."""
    if value is None:
        return None
    if column.kind in (fmt.ID, fmt.REF) or isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def read_table(table: fmt.Table, org: Organisation) -> list[Row]:
    """The rows of one table of the organisation, in the file's order: one query (two with a
    list of people)."""
    queryset = table.model._default_manager.filter(**{table.org: org}, **_only(table))
    plain = [c for c in table.columns if c.kind != fmt.PEOPLE]
    rows = []
    for values in queryset.order_by(*table.order.split()).values_list(*(c.lookup for c in plain)):
        rows.append({c.key: value_out(v, c) for c, v in zip(plain, values, strict=True)})
    for column in table.columns:
        if column.kind == fmt.PEOPLE:
            _add_people(table, column, org, rows)
    # Keep the columns in the table's order.
    return [{c.key: row[c.key] for c in table.columns} for row in rows]


def _only(table: fmt.Table) -> dict[str, Any]:
    """Stored packs: only those made (a queued or failed one has no PDF to keep)."""
    return {"status": PackStatus.DONE, "pdf__isnull": False} if table.model is StoredPack else {}


def _add_people(table: fmt.Table, column: fmt.Column, org: Organisation, rows: list[Row]) -> None:
    """A many-to-many of people (a review's attendees): their emails, sorted, per row."""
    assert isinstance(column.field, models.ManyToManyField)
    through = column.field.remote_field.through
    assert through is not None
    own, other = column.field.m2m_field_name(), column.field.m2m_reverse_field_name()
    emails: dict[str, list[str]] = defaultdict(list)
    pairs = through._default_manager.filter(**{f"{own}__{table.org}": org}).values_list(
        f"{own}_id", f"{other}__email"
    )
    for row_id, email in pairs:
        emails[str(row_id)].append(email)
    for row in rows:
        row[column.key] = sorted(emails.get(row["id"], []))


def read_snapshot(org: Organisation) -> Snapshot:
    """Read everything of `org`, its spreadsheets and its stored PDFs, at one moment."""
    with one_snapshot(), timezone.override(org.tzinfo):
        org = Organisation.objects.get(pk=org.pk)
        snapshot = Snapshot(
            organisation={
                name: value_out(getattr(org, name), fmt.Column(name, name, fmt.VALUE))
                for name in fmt.ORGANISATION_FIELDS
            }
        )
        for table in fmt.TABLES:
            snapshot.tables[table.file] = read_table(table, org)
        for row in snapshot.tables["stored_packs.json"]:
            row["file"] = fmt.pack_file(row["id"])
        pdfs = StoredPack.objects.filter(organisation=org, **_only(fmt.BY_NAME["stored_packs"]))
        for pack_id, pdf in pdfs.values_list("id", "pdf"):
            if pdf is not None:
                snapshot.packs[fmt.pack_file(pack_id)] = bytes(pdf)
        snapshot.spreadsheets = spreadsheets(org)
    return snapshot


# --- the spreadsheets --------------------------------------------------------------------------


def spreadsheets(org: Organisation) -> dict[str, str]:
    """The CSV files of the export (UTF-8 with a BOM, as the pages' exports): the touchpoints
    and the ideas as the board's and the ideas board's CSV exports write them, the actions and
    the review ratings."""
    files = {}
    touchpoints = Touchpoint.objects.for_org(org).order_by(
        "journey__name", "journey_id", "stage__position", "position"
    )
    files["touchpoints.csv"] = _csv(
        lambda out: touchpoint_csv.write_touchpoint_rows(touchpoints, out, journey_column=True)
    )
    ideas = (
        Idea.objects.for_org(org)
        .select_related("touchpoint", "touchpoint__journey", "touchpoint__stage", "author")
        .order_by("number")
    )
    files["ideas.csv"] = _csv(lambda out: idea_csv.write_ideas(ideas, out))
    files["actions.csv"] = _csv(lambda out: _write_actions(org, out))
    files["review_ratings.csv"] = _csv(lambda out: _write_review_ratings(org, out))
    return files


def _csv(write: Callable[[io.StringIO], None]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    write(out)
    return out.getvalue()


ACTION_COLUMNS = (
    "journey touchpoint title owner_email due_on status review_held_on created_at closed_at"
)
RATING_COLUMNS = (
    "journey review_held_on review_status position stage touchpoint previous_rating rating "
    "target_rating note"
)


def _write_actions(org: Organisation, out: io.StringIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ACTION_COLUMNS.split())
    actions = (
        Action.objects.for_org(org)
        .select_related("journey", "touchpoint", "owner", "review")
        .order_by("journey__name", "due_on", "created_at")
    )
    for action in actions.iterator(chunk_size=500):
        writer.writerow(
            safe_cell(value)
            for value in (
                action.journey.name,
                action.touchpoint.name if action.touchpoint else "",
                action.title,
                action.owner.email if action.owner else "",
                action.due_on.isoformat(),
                action.status,
                action.review.held_on.isoformat() if action.review else "",
                _local(action.created_at),
                _local(action.closed_at),
            )
        )


def _write_review_ratings(org: Organisation, out: io.StringIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RATING_COLUMNS.split())
    ratings = (
        ReviewRating.objects.filter(review__organisation=org)
        .select_related("review", "review__journey", "touchpoint", "touchpoint__stage")
        .order_by("review__journey__name", "review__held_on", "review_id", "position")
    )
    for row in ratings.iterator(chunk_size=500):
        stage = row.stage_name or (row.touchpoint.stage.name if row.touchpoint else "")
        name = row.touchpoint_name or (row.touchpoint.name if row.touchpoint else "")
        writer.writerow(
            safe_cell(value)
            for value in (
                row.review.journey.name,
                row.review.held_on.isoformat(),
                row.review.status,
                row.position,
                stage,
                name,
                row.previous_rating,
                row.rating,
                row.target_rating,
                row.note,
            )
        )


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- the ZIP -------------------------------------------------------------------------------------


def json_bytes(rows: list[Row] | Row) -> bytes:
    """A JSON file of the export: a list with one row per line (or one object), UTF-8."""
    if isinstance(rows, dict):
        return (json.dumps(rows, ensure_ascii=False, allow_nan=False, indent=1) + "\n").encode()
    lines = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in rows]
    return ("[\n" + ",\n".join(lines) + ("\n]\n" if lines else "]\n")).encode()


def motmap_version() -> str | None:
    try:
        return importlib.metadata.version("motmap")
    except importlib.metadata.PackageNotFoundError:
        return None


def write_zip(snapshot: Snapshot, *, exported_at: datetime, progress: Progress) -> bytes:
    """The ZIP of a snapshot, `progress` told after each file (the snapshot's read is step 1)."""
    total = snapshot.steps
    done = 1
    progress(done, total)
    buffer = io.BytesIO()
    files: dict[str, dict[str, Any]] = {}
    stamp = exported_at.astimezone(UTC).timetuple()[:6]

    def add(name: str, content: bytes, rows: int | None, *, listed: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, content)
        if listed:
            files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
            if rows is not None:
                files[name]["rows"] = rows

    with zipfile.ZipFile(buffer, "w") as archive:
        add(fmt.ORGANISATION_FILE, json_bytes(snapshot.organisation), 1)
        done += 1
        progress(done, total)
        for name, rows in snapshot.tables.items():
            add(name, json_bytes(rows), len(rows))
            done += 1
            progress(done, total)
        for name, text in snapshot.spreadsheets.items():
            content = text.encode()
            add(name, content, max(0, len(list(csv.reader(io.StringIO(text)))) - 1))
            done += 1
            progress(done, total)
        if snapshot.packs:
            for name, content in snapshot.packs.items():
                add(name, content, None)
            done += 1
            progress(done, total)
        manifest = {
            "format": fmt.FORMAT,
            "version": fmt.VERSION,
            "motmap_version": motmap_version(),
            "exported_at": exported_at.astimezone(UTC).isoformat(),
            "organisation": {
                "name": snapshot.organisation["name"],
                "slug": snapshot.organisation["slug"],
            },
            "files": files,
        }
        add(fmt.MANIFEST, json_bytes(manifest), None, listed=False)
    progress(total, total)
    return buffer.getvalue()


def export_zip(
    org: Organisation, *, exported_at: datetime | None = None, progress: Progress | None = None
) -> bytes:
    """The whole export of `org` as ZIP bytes."""
    snapshot = read_snapshot(org)
    return write_zip(
        snapshot,
        exported_at=exported_at or timezone.now(),
        progress=progress or (lambda done, total: None),
    )
