"""Reading an organisation's export back: the ZIP checked, the manifest checked, every row of
every file checked against `exports.format`, and every reference inside the file resolved.

Nothing here writes; `exports.services.organisation_import` writes what `read_export` returns,
and only when it returned. Each check refuses with `Refused` and a message naming the file,
the row and the field, so the person who uploaded it knows what is wrong; a file with many
faults gets the first MAX_MESSAGES of them.

What is trusted: nothing. A value must have its field's JSON type (a number is not text, text
is not a number), then pass the model field's own checks (length, choices, ranges) and those
of `format.CHECKS`. An id is a UUID, unique in its file. A reference must point at a row of
the file it names: an id of another organisation's real row is only an unknown id here, so it
is refused, never linked.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from . import format as fmt
from .archive import Refused, read_zip

MAX_MESSAGES = 10
EMAIL_MAX_LENGTH = 254
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Export:
    """A checked export: the settings, and the rows of each imported table, their values
    converted (ids and references as UUIDs, people as lower-case emails)."""

    manifest: dict[str, Any]
    organisation: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class _Problems:
    """The messages of one check, up to MAX_MESSAGES; `done()` refuses if there are any."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.more = 0

    def add(self, message: str) -> None:
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)
        else:
            self.more += 1

    def done(self) -> None:
        if not self.messages:
            return
        messages = list(self.messages)
        if self.more:
            messages.append(_("… and %(n)d more problems of the same kind.") % {"n": self.more})
        raise Refused(*messages)


class _Bad(Exception):
    """One value that is not what its column holds; the message says what it should be."""


def read_export(upload: IO[bytes], *, max_bytes: int) -> Export:
    """The checked content of an uploaded export. Raises Refused, with what is wrong."""
    files = read_zip(upload, max_bytes=max_bytes)
    manifest = _manifest(files)
    _check_checksums(files, manifest)
    export = Export(manifest=manifest, organisation=_organisation(files))
    problems = _Problems()
    for table in fmt.IMPORTED:
        export.tables[table.name] = _table_rows(table, files, problems)
        problems.done()
    _check_references(export, problems)
    problems.done()
    return export


# --- the manifest and the checksums ------------------------------------------------------------


def _json(files: dict[str, bytes], name: str) -> Any:
    try:
        text = files[name].decode("utf-8")
        return json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(
            _("%(file)s is not valid JSON text (UTF-8): the export cannot be read.")
            % {"file": name}
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _manifest(files: dict[str, bytes]) -> dict[str, Any]:
    if fmt.MANIFEST not in files:
        raise Refused(
            _(
                "This ZIP file has no manifest.json at its top, so it is not an organisation "
                "export of motmap. Choose the .zip file that “Export everything” gave you."
            )
        )
    manifest = _json(files, fmt.MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT:
        name = manifest.get("format") if isinstance(manifest, dict) else None
        raise Refused(
            _(
                "This ZIP file is not an organisation export of motmap (its manifest names the "
                "format “%(format)s”, not “%(expected)s”)."
            )
            % {"format": _quoted(name), "expected": fmt.FORMAT}
        )
    version = manifest.get("version")
    readable = ", ".join(str(v) for v in fmt.READABLE_VERSIONS)
    if not isinstance(version, int) or isinstance(version, bool):
        raise Refused(
            _("The manifest gives no format version (this server reads version %(versions)s).")
            % {"versions": readable}
        )
    if version not in fmt.READABLE_VERSIONS:
        if version > max(fmt.READABLE_VERSIONS):
            message = _(
                "This export was made by a newer motmap, in format version %(version)d; this "
                "server reads format version %(versions)s. Import it on a server that is up to "
                "date, or update this one."
            )
        else:
            message = _(
                "This export is in format version %(version)d, which this server does not read "
                "(it reads format version %(versions)s)."
            )
        raise Refused(message % {"version": version, "versions": readable})
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
        for entry in listed.values()
    ):
        raise Refused(_("The manifest does not list the files with their checksums."))
    return manifest


def _check_checksums(files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    """Every file is listed in the manifest with its SHA-256, and has it; none is missing."""
    listed: dict[str, dict[str, Any]] = manifest["files"]
    problems = _Problems()
    for name in sorted(set(files) - {fmt.MANIFEST}):
        if name not in listed:
            problems.add(
                _("%(file)s is in the ZIP file but not in its manifest: it was added afterwards.")
                % {"file": _quoted(name)}
            )
        elif hashlib.sha256(files[name]).hexdigest() != str(listed[name]["sha256"]).lower():
            problems.add(
                _(
                    "%(file)s does not match its checksum in the manifest: it was changed after "
                    "the export, or damaged."
                )
                % {"file": name}
            )
    for name in sorted(set(listed) - set(files)):
        problems.add(
            _("%(file)s is listed in the manifest but missing from the ZIP file.")
            % {"file": _quoted(name)}
        )
    needed = [fmt.ORGANISATION_FILE, *(table.file for table in fmt.IMPORTED)]
    for name in needed:
        if name not in files and name not in listed:
            problems.add(_("The export has no %(file)s.") % {"file": name})
    problems.done()


# --- the rows ----------------------------------------------------------------------------------


def _organisation(files: dict[str, bytes]) -> dict[str, Any]:
    data = _json(files, fmt.ORGANISATION_FILE)
    problems = _Problems()
    if not isinstance(data, dict):
        raise Refused(_("%(file)s does not hold an object.") % {"file": fmt.ORGANISATION_FILE})
    values: dict[str, Any] = {}
    for name in fmt.ORGANISATION_FIELDS:
        column = fmt.Column(name, name, fmt.VALUE, fmt.organisation_field(name))
        if name not in data:
            problems.add(_where(fmt.ORGANISATION_FILE, None, name, _("it is missing")))
            continue
        try:
            values[name] = value_in(data[name], column, model=None)
        except _Bad as exc:
            problems.add(_where(fmt.ORGANISATION_FILE, None, name, str(exc)))
    problems.done()
    return values


def _table_rows(
    table: fmt.Table, files: dict[str, bytes], problems: _Problems
) -> list[dict[str, Any]]:
    data = _json(files, table.file)
    if not isinstance(data, list):
        raise Refused(_("%(file)s does not hold a list of rows.") % {"file": table.file})
    keys = [column.key for column in table.columns]
    rows = []
    ids: set[uuid.UUID] = set()
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            problems.add(_where(table.file, number, None, _("the row is not an object")))
            continue
        for key in sorted(set(raw) - set(keys)):
            problems.add(_where(table.file, number, key, _("this file has no such field")))
        row: dict[str, Any] = {}
        for column in table.columns:
            if column.key not in raw:
                problems.add(_where(table.file, number, column.key, _("it is missing")))
                continue
            try:
                row[column.key] = value_in(raw[column.key], column, model=table.model)
            except _Bad as exc:
                problems.add(_where(table.file, number, column.key, str(exc)))
        if table.has_id and "id" in row:
            if row["id"] in ids:
                problems.add(_where(table.file, number, "id", _("another row has this id")))
            ids.add(row["id"])
        rows.append(row)
    return rows


def _where(file: str, row: int | None, key: str | None, problem: str) -> str:
    if row is None:
        return _("%(file)s, “%(field)s”: %(problem)s.") % {
            "file": file,
            "field": key,
            "problem": problem,
        }
    if key is None:
        return _("%(file)s, row %(row)d: %(problem)s.") % {
            "file": file,
            "row": row,
            "problem": problem,
        }
    return _("%(file)s, row %(row)d, “%(field)s”: %(problem)s.") % {
        "file": file,
        "row": row,
        "field": key,
        "problem": problem,
    }


def _quoted(value: object) -> str:
    return Truncator(str(value)).chars(60)


def _uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise _Bad(_("it should be an id (a UUID as text)"))
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _Bad(_("“%(value)s” is not an id") % {"value": _quoted(value)}) from None


def _person(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > EMAIL_MAX_LENGTH:
        raise _Bad(_("it should be an email address"))
    return value.strip().lower()


def value_in(value: Any, column: fmt.Column, *, model: type[models.Model] | None) -> Any:
    """A value from the file as the model stores it, or _Bad saying what it should be."""
    if column.kind == fmt.ID:
        return _uuid(value)
    if column.kind in (fmt.REF, fmt.PERSON):
        if value is None:
            if column.null:
                return None
            raise _Bad(_("it may not be null"))
        return _uuid(value) if column.kind == fmt.REF else _person(value)
    if column.kind == fmt.PEOPLE:
        if not isinstance(value, list):
            raise _Bad(_("it should be a list of email addresses"))
        return [_person(v) for v in value]
    model_field = column.field
    assert model_field is not None
    if value is None:
        if model_field.null:
            return None
        raise _Bad(_("it may not be null"))
    python = _typed(value, model_field)
    check = fmt.CHECKS.get((model, model_field.name)) if model else None
    if check and (wrong := check(python)):
        raise _Bad(_("it should be %(what)s") % {"what": wrong})
    try:
        return model_field.clean(python, None)
    except ValidationError as exc:
        raise _Bad(" ".join(str(m).rstrip(".") for m in exc.messages)) from None


def _typed(value: Any, model_field: models.Field) -> Any:
    """The JSON value as the field's Python type, when it has the field's JSON type."""
    if isinstance(model_field, models.BooleanField):
        if isinstance(value, bool):
            return value
        raise _Bad(_("it should be true or false"))
    if isinstance(model_field, models.IntegerField):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Bad(_("it should be a whole number"))
    if isinstance(model_field, models.DateTimeField):
        moment = _parsed(value, datetime.fromisoformat, _("a moment (ISO 8601 with its offset)"))
        if moment.tzinfo is None:
            raise _Bad(_("it should be a moment with its offset from UTC"))
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # "0001-01-01T00:00:00+14:00" is before the first moment
            raise _Bad(_("it should be a moment after the year 1")) from None
    if isinstance(model_field, models.DateField):
        return _parsed(value, date.fromisoformat, _("a date (YYYY-MM-DD)"))
    if isinstance(model_field, models.JSONField):
        return value
    if isinstance(model_field, models.CharField | models.TextField):
        if not isinstance(value, str):
            raise _Bad(_("it should be text"))
        if "\x00" in value or _unencodable(value):
            raise _Bad(_("it holds characters that cannot be stored"))
        limit = model_field.max_length
        if limit and len(value) > limit:
            raise _Bad(
                _("it should be at most %(max)d characters (it has %(n)d)")
                % {"max": limit, "n": len(value)}
            )
        return value
    raise _Bad(_("this field cannot be imported"))


def _parsed(value: Any, parse: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return parse(value)
        except ValueError:
            pass
    raise _Bad(_("it should be %(what)s") % {"what": what})


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"), which JSON allows
        return True
    return False


# --- references --------------------------------------------------------------------------------


def _references(table: fmt.Table) -> Iterator[fmt.Column]:
    return (column for column in table.columns if column.kind == fmt.REF)


def _check_references(export: Export, problems: _Problems) -> None:
    """Every reference points at a row of the file it names; a touchpoint's stage is of its
    journey, an action's review of its journey."""
    ids = {name: {row["id"] for row in rows if "id" in row} for name, rows in export.tables.items()}
    for table in fmt.IMPORTED:
        for number, row in enumerate(export.tables[table.name], start=1):
            for column in _references(table):
                value = row.get(column.key)
                if value is not None and value not in ids[column.target]:
                    problems.add(
                        _where(
                            table.file,
                            number,
                            column.key,
                            _("it points to %(id)s, which %(file)s does not hold")
                            % {"id": value, "file": f"{column.target}.json"},
                        )
                    )
    _check_same_journey(export, problems, "touchpoints", "stage", "stages")
    _check_same_journey(export, problems, "actions", "review", "reviews")


def _check_same_journey(
    export: Export, problems: _Problems, name: str, key: str, parents: str
) -> None:
    journey_of = {row["id"]: row.get("journey") for row in export.tables[parents]}
    for number, row in enumerate(export.tables[name], start=1):
        parent = row.get(key)
        if parent is not None and parent in journey_of and journey_of[parent] != row["journey"]:
            problems.add(
                _where(
                    f"{name}.json",
                    number,
                    key,
                    _("it belongs to another journey than the row’s “journey”"),
                )
            )
