"""A journey's touchpoints as a CSV file, out and back in.

One row per touchpoint in customer order (stage position, then touchpoint position), under a
header row of stable column names (`COLUMNS`). Choices are written by their key; on import the
key or the label (any case) is taken. Empty cells take the model's default. The export is
UTF-8 with a BOM, comma-separated, CRLF; the import takes UTF-8 with or without a BOM and a
comma or a semicolon. A new column is one more `Column` below.

Reading a file only converts cells into values; what may be saved is decided by
`touchpoints.services.touchpoint_import`, with the same rules as the pages.
"""

import csv
import io
import re
import uuid
from dataclasses import dataclass, field

from django.core import signing
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.forms import org_users
from motmap.spreadsheet import safe_cell, seal, unescape_cell, unseal

from .models import Channel, Habit, Rating, Touchpoint
from .services import ImportRow

MAX_IMPORT_BYTES = 2 * 1024 * 1024
# Every row goes through the same services as the pages, a few milliseconds each, twice
# (preview, then confirm): 1,000 rows stay well inside a web worker's time, and far beyond the
# few dozen touchpoints of a real journey.
MAX_IMPORT_ROWS = 1000
PAYLOAD_MAX_AGE = 60 * 60  # seconds a preview may be confirmed


class CellError(ValueError):
    """A cell that cannot be read; the message says why."""


def _quoted(text):
    return Truncator(text).chars(40)


def _text(text, context):
    return text


def _name(text, context):
    return text.strip()


def _choice(choices, what):
    by_name = {}
    for key, label in choices.choices:
        by_name[str(key).casefold()] = key
        by_name[str(label).casefold()] = key

    def parse(text, context):
        text = " ".join(text.split())
        if text.casefold() in by_name:
            return by_name[text.casefold()]
        keys = ", ".join(str(key) for key in choices.values)
        raise CellError(
            _("“%(value)s” is not a %(what)s. Use one of: %(keys)s (or its name).")
            % {"value": _quoted(text), "what": what, "keys": keys}
        )

    return parse


_channel = _choice(Channel, gettext_lazy("channel"))
_rating_name = _choice(Rating, gettext_lazy("rating"))


def _rating(text, context):
    text = text.strip()
    if re.fullmatch(r"[+-]?\d", text):
        value = int(text)
        if value in Rating.values:
            return value
    try:
        return _rating_name(text, context)
    except CellError:
        raise CellError(
            _(
                "“%(value)s” is not a rating. Use a number from -2 (depresses) to 2 (wows), "
                "or its name: %(names)s."
            )
            % {"value": _quoted(text), "names": ", ".join(str(label) for label in Rating.labels)}
        ) from None


def _whole_number(text, context):
    digits = re.sub(r"[\s\u00a0\u202f']", "", text)  # thousands written 5 000 or 5'000
    if re.fullmatch(r"\d{1,12}(\.0+)?", digits):
        return int(digits.split(".")[0])
    raise CellError(_("“%(value)s” is not a whole number.") % {"value": _quoted(text)})


def _owner(text, context):
    email = text.strip().casefold()
    if email in context["members"]:
        return context["members"][email]
    raise CellError(
        _("No member of this organisation has the email address “%(value)s”.")
        % {"value": _quoted(text.strip())}
    )


_HABITS = {}
for _key, _label in Habit.choices:
    _HABITS[_key.casefold()] = _key
    _HABITS[str(_label).casefold()] = _key


def _habits(text, context):
    keys = []
    for part in re.split(r"[|,]", text):
        part = " ".join(part.split())
        if not part:
            continue
        key = _HABITS.get(part.casefold())
        if key is None:
            raise CellError(
                _("“%(value)s” is not one of the seven habits: %(keys)s.")
                % {"value": _quoted(part), "keys": ", ".join(Habit.values)}
            )
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class Column:
    name: str
    export: object  # touchpoint -> the cell's value
    parse: object = None  # (text, context) -> value; raises CellError
    field: str = ""  # the touchpoint field it fills ("" for id and stage)


def _attr(name):
    return lambda tp: getattr(tp, name)


COLUMNS = (
    Column("id", lambda tp: str(tp.pk)),
    Column("stage", lambda tp: tp.stage.name),
    Column("name", _attr("name"), _name, "name"),
    Column("channel", _attr("channel"), _channel, "channel"),
    Column("moment", _attr("moment"), _text, "moment"),
    Column("desired_outcome", _attr("desired_outcome"), _text, "desired_outcome"),
    Column("customer_wants", _attr("customer_wants"), _text, "customer_wants"),
    Column("rating_current", _attr("rating_current"), _rating, "rating_current"),
    Column("rating_target", _attr("rating_target"), _rating, "rating_target"),
    Column("contacts_per_day", _attr("contacts_per_day"), _whole_number, "contacts_per_day"),
    Column("duration_seconds", _attr("duration_seconds"), _whole_number, "duration_seconds"),
    Column("owner_email", lambda tp: tp.owner.email if tp.owner else "", _owner, "owner"),
    Column("frontline_role", _attr("frontline_role"), _text, "frontline_role"),
    Column("habits", lambda tp: "|".join(tp.habits or []), _habits, "habits"),
    Column("external_id", _attr("external_id"), _text, "external_id"),
)
BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED = ("stage", "name")
HEADER_ALIASES = {"owner": "owner_email", "touchpoint": "name", "stage_name": "stage"}


def _default(field_name):
    return Touchpoint._meta.get_field(field_name).get_default()


# --- export ------------------------------------------------------------------------------------


def write_touchpoints(journey, out):
    """Write the journey's touchpoints as CSV (comma, CRLF) to the text stream `out`."""
    write_touchpoint_rows(journey.touchpoints.in_customer_order(), out)


def write_touchpoint_rows(touchpoints, out, *, journey_column=False):
    """The same CSV of any touchpoints; with `journey_column`, each row's journey first (a
    whole organisation's touchpoints, as in its export)."""
    writer = csv.writer(out, lineterminator="\r\n")
    header, related = [column.name for column in COLUMNS], ["stage", "owner"]
    if journey_column:
        header, related = ["journey", *header], [*related, "journey"]
    writer.writerow(header)
    for tp in touchpoints.select_related(*related).iterator(chunk_size=500):
        cells = [safe_cell(column.export(tp)) for column in COLUMNS]
        writer.writerow([safe_cell(tp.journey.name), *cells] if journey_column else cells)


# --- import ------------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # about the whole file
    ignored_columns: list = field(default_factory=list)
    delimiter: str = ","


def _normalise(header):
    name = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return HEADER_ALIASES.get(name, name)


LONE_CR = re.compile(r"\r(?!\n)")


def _delimiter(text):
    """Comma or semicolon: the one that splits the header into more known column names."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]

    def score(delimiter):
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:  # e.g. a header cell over the field limit: reading it says so
            cells = []
        names = {_normalise(h) for h in cells}
        return (len(names & set(BY_NAME)), first_line.count(delimiter))

    return max((",", ";"), key=score)


def decode(raw):
    """The text of an uploaded file (UTF-8, with or without BOM), or CellError."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CellError(
            _(
                "This file is not in UTF-8, so its accented letters would come out wrong. "
                "In your spreadsheet choose Save as (or Download as) “CSV UTF-8” and upload "
                "that file."
            )
        ) from None
    if "\x00" in text:
        raise CellError(
            _("This file is not a CSV text file. Save it from your spreadsheet as “CSV UTF-8”.")
        )
    return text


def read_touchpoints(text, *, organisation):
    """Read CSV text into ImportRows; what is wrong with the file as a whole is in `errors`."""
    parsed = ParsedFile()
    if not text.strip():
        parsed.errors.append(_("The file is empty."))
        return parsed
    text = LONE_CR.sub("\n", text)  # "CSV (Macintosh)" ends lines with CR alone
    parsed.delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    try:
        columns = _header(next(reader), parsed)
        if parsed.errors:
            return parsed
        context = {
            "members": {u.email.casefold(): u for u in org_users(organisation)},
        }
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue  # spreadsheets leave empty rows at the end
            if len(parsed.rows) >= MAX_IMPORT_ROWS:
                parsed.errors.append(
                    _("The file has more than %(max)d rows. Split it into smaller files.")
                    % {"max": MAX_IMPORT_ROWS}
                )
                break
            parsed.rows.append(_row(number, columns, record, context))
    except csv.Error as exc:
        parsed.errors.append(
            _("The file cannot be read as CSV (near line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": exc}
        )
    return parsed


def _header(cells, parsed):
    columns = [_normalise(cell) for cell in cells]
    expected = ", ".join(column.name for column in COLUMNS)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        parsed.errors.append(
            _(
                "The first row must name the columns, and the column(s) %(missing)s are missing. "
                "The columns are: %(expected)s (only stage and name are required)."
            )
            % {"missing": ", ".join(missing), "expected": expected}
        )
    twice = sorted({name for name in columns if name in BY_NAME and columns.count(name) > 1})
    if twice:
        parsed.errors.append(
            _("The column(s) %(names)s appear more than once.") % {"names": ", ".join(twice)}
        )
    parsed.ignored_columns = [
        cell.strip()
        for cell, name in zip(cells, columns, strict=True)
        if name not in BY_NAME and cell.strip()
    ]
    return [name if name in BY_NAME else None for name in columns]


def _row(number, columns, record, context):
    row = ImportRow(number=number)
    extra = [cell for cell in record[len(columns) :] if cell.strip()]
    if extra:
        row.errors.append(
            (
                "",
                _(
                    "This row has more cells than the header has columns. A cell that "
                    "holds a comma or a semicolon must be in quotes."
                ),
            )
        )
    cells = dict(zip(columns, record, strict=False))
    cells.pop(None, None)
    for name in columns:
        if name is None:
            continue
        column = BY_NAME[name]
        text = unescape_cell(cells.get(name, ""))
        if name == "id":
            row.id = _touchpoint_id(text, row)
        elif name == "stage":
            row.stage = " ".join(text.split())
        elif not text.strip():
            row.fields[column.field] = _default(column.field)
        else:
            try:
                row.fields[column.field] = column.parse(text, context)
            except CellError as exc:
                row.errors.append((name, str(exc)))
    return row


def _touchpoint_id(text, row):
    text = text.strip()
    if not text:
        return ""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        row.errors.append(
            (
                "id",
                _("“%(value)s” is not a touchpoint id. Leave it empty for a new touchpoint.")
                % {"value": _quoted(text)},
            )
        )
        return ""


# --- carrying an upload from the preview to the confirmation ----------------------------------


def _salt(journey, user):
    return f"touchpoints.import:{journey.organisation_id}:{journey.pk}:{user.pk}"


def pack(text, *, versions, journey, user):
    """The uploaded text and the versions seen in the preview, compressed and signed for a
    hidden field: only this user can confirm it, for this journey, within the hour."""
    return seal({"text": text, "versions": versions}, salt=_salt(journey, user))


def unpack(token, *, journey, user):
    """(text, versions) of a packed upload, or signing.BadSignature (expired or altered)."""
    data = unseal(token, salt=_salt(journey, user), max_age=PAYLOAD_MAX_AGE)
    try:
        return data["text"], {str(k): int(v) for k, v in data["versions"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise signing.BadSignature(str(exc)) from None
