"""Scores from another survey tool as a file: CSV (a header row naming the columns, comma or
semicolon separated, UTF-8 with or without a BOM) or JSON (a list of objects, or an object
with a "rows" list). The columns: `external_id`, `date` (year-month-day), `score` and
`count` (empty: 1); other columns are ignored and listed.

Reading a file only turns it into rows; what the rows mean, and whether they may be saved, is
decided by `feedback.services.scores_import`, the same for a file and for the API.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field

from django.core import signing
from django.utils.translation import gettext as _

from motmap.spreadsheet import seal, unescape_cell, unseal

from .services import SCORE_FIELDS, SCORE_IMPORT_MAX_ROWS

MAX_SCORE_FILE_BYTES = 2 * 1024 * 1024
PAYLOAD_MAX_AGE = 60 * 60  # seconds a preview may be confirmed
HEADER_ALIASES = {
    "touchpoint": "external_id",
    "touchpoint_external_id": "external_id",
    "id": "external_id",
    "day": "date",
    "rating": "score",
    "answers": "count",
    "responses": "count",
    "n": "count",
}
LONE_CR = re.compile(r"\r(?!\n)")


class FileError(ValueError):
    """A file that cannot be read as scores; the message says why."""


@dataclass
class ScoreFile:
    rows: list = field(default_factory=list)  # dicts of SCORE_FIELDS, as the service takes
    first_number: int = 1  # the number the file shows for the first row
    ignored: list = field(default_factory=list)  # columns or keys not read


def decode(raw):
    """The text of an uploaded file, or FileError."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(
            _(
                "This file is not in UTF-8. Save it from your spreadsheet as “CSV UTF-8”, or "
                "export it from your survey tool as UTF-8."
            )
        ) from None
    if "\x00" in text:
        raise FileError(_("This file is not a CSV or JSON text file."))
    if not text.strip():
        raise FileError(_("The file is empty."))
    return text


def read_scores(text):
    """A ScoreFile of CSV or JSON text (JSON when it starts with [ or {), or FileError."""
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        return _read_json(stripped)
    return _read_csv(text)


def _normalise(name):
    name = re.sub(r"[\s\-]+", "_", str(name).strip().lower())
    return HEADER_ALIASES.get(name, name)


def _too_many():
    return FileError(
        _("The file has more than %(max)s rows. Split it into smaller files.")
        % {"max": f"{SCORE_IMPORT_MAX_ROWS:,}"}
    )


def _read_json(text):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FileError(_("The file cannot be read as JSON: %(error)s") % {"error": exc}) from None
    if isinstance(data, dict):
        data = data.get("rows")
    if not isinstance(data, list):
        raise FileError(_("A JSON file holds a list of rows, or an object with a “rows” list."))
    if len(data) > SCORE_IMPORT_MAX_ROWS:
        raise _too_many()
    parsed = ScoreFile(first_number=1)
    ignored = set()
    for item in data:
        if isinstance(item, dict):
            row = {}
            for key, value in item.items():
                name = _normalise(key)
                if name in SCORE_FIELDS:
                    row[name] = value
                else:
                    ignored.add(str(key)[:40])
            item = row
        parsed.rows.append(item)
    parsed.ignored = sorted(ignored)
    return parsed


def _delimiter(first_line):
    def known(delimiter):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return (
            len({_normalise(c) for c in cells} & set(SCORE_FIELDS)),
            first_line.count(delimiter),
        )

    return max((",", ";", "\t"), key=known)


def _read_csv(text):
    text = LONE_CR.sub("\n", text)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    parsed = ScoreFile(first_number=2)
    try:
        header = [_normalise(cell) for cell in next(reader)]
        missing = [name for name in ("external_id", "date", "score") if name not in header]
        if missing:
            raise FileError(
                _(
                    "The first row must name the columns, and %(missing)s is missing. The "
                    "columns are: external_id, date, score, count (count may be left out)."
                )
                % {"missing": ", ".join(missing)}
            )
        twice = sorted({name for name in header if name in SCORE_FIELDS and header.count(name) > 1})
        if twice:
            raise FileError(
                _("The column(s) %(names)s appear more than once.") % {"names": ", ".join(twice)}
            )
        parsed.ignored = [name for name in header if name not in SCORE_FIELDS and name]
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # spreadsheets leave empty rows at the end
            if len(parsed.rows) >= SCORE_IMPORT_MAX_ROWS:
                raise _too_many()
            parsed.rows.append(
                {
                    name: unescape_cell(cell).strip()
                    for name, cell in zip(header, record, strict=False)
                    if name in SCORE_FIELDS
                }
            )
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise FileError(
            _("The file cannot be read as CSV (near line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None
    if not parsed.rows:
        raise FileError(_("The file has no rows under its header."))
    return parsed


# --- carrying an upload from the preview to the confirmation ----------------------------------


def _salt(organisation, user):
    return f"feedback.scores:{organisation.pk}:{user.pk}"


def pack(text, *, scale, source, organisation, user):
    """The uploaded text, its scale and name, sealed for the preview's hidden field: only this
    user can confirm it, for this organisation, within the hour."""
    data = {"text": text, "scale": scale, "source": source}
    return seal(data, salt=_salt(organisation, user))


def unpack(token, *, organisation, user):
    """(text, scale, source) of a packed upload, or signing.BadSignature."""
    data = unseal(token, salt=_salt(organisation, user), max_age=PAYLOAD_MAX_AGE)
    try:
        return str(data["text"]), str(data["scale"]), str(data["source"])
    except (KeyError, TypeError) as exc:
        raise signing.BadSignature(str(exc)) from None
