"""An import of a file that is not a valid export: a clear message on the page, never a 500,
and nothing created (no organisation, membership or row of any table an import writes).

One valid export of a small organisation is made for the module; each case spoils a copy of it
the way a broken download, a wrong file, a forger or a ZIP bomb would.
"""

import html
import io
import json
import struct
import uuid
import zipfile

import pytest

from exports import archive
from exports import format as fmt
from journeys.models import Stage
from tests.conftest import built_once, people_and_journeys
from tests.exports.helpers import counts, import_page, rezip, unzip, with_rows
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory


@pytest.fixture(scope="module")
def valid(django_db_setup, django_db_blocker):
    """(the ZIP bytes of a valid export of Nordic Air, mallory's real stage id)."""
    from exports.writer import export_zip
    from ideas.services import idea_submit

    with built_once(django_db_blocker):
        nordic, _other, people, journey, mallory_journey = people_and_journeys()
        second = JourneyFactory(organisation=nordic, name="Lost baggage")
        TouchpointFactory(stage=StageFactory(journey=second, name="Desk", position=1))
        idea_submit(
            actor=people["carol"],
            touchpoint=journey.touchpoints.first(),
            title="Greet by name",
            today="No names",
            proposal="Names",
        )
        mallory_stage = Stage.objects.get(journey=mallory_journey)
        yield export_zip(nordic), str(mallory_stage.pk)


@pytest.fixture
def importer(client_for, db):
    from tests.factories import UserFactory

    return client_for(UserFactory(email="dana@elsewhere.example"))


def refused(client, content, *expected):
    """Import `content`: the page answers 200 with the form and every `expected` text, and no
    row of anything was written."""
    before = counts()
    response = import_page(client, content)
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.content.decode())
    assert 'class="errors"' in page and 'enctype="multipart/form-data"' in page
    for text in expected:
        assert text in page, (text, page[page.find('class="errors"') :][:1500])
    assert counts() == before
    return page


def first_row_change(name, key, value):
    def change(rows):
        rows[0][key] = value

    return name, change


def test_the_valid_export_is_taken(valid, importer):
    """The cases below spoil this file: as it is, it imports (else they would prove nothing)."""
    content, _stage = valid
    before = counts()
    assert import_page(importer, content).status_code == 302
    assert counts()["Organisation"] == before["Organisation"] + 1
    assert counts()["Touchpoint"] == before["Touchpoint"] + 4


def test_a_large_upload_is_read_from_its_file_on_disk(valid, importer, settings):
    """Django keeps an upload over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    before = counts()
    assert import_page(importer, valid[0]).status_code == 302
    assert counts()["Organisation"] == before["Organisation"] + 1


def test_a_file_that_is_not_a_zip(valid, importer):
    refused(importer, b"name,stage\r\nDesk,Airport\r\n", "This file is not a ZIP file.")


def test_an_empty_file(valid, importer):
    refused(importer, b"", "The file is empty.")


def test_a_truncated_zip(valid, importer):
    content, _stage = valid
    refused(importer, content[: len(content) // 2], "damaged or incomplete")
    refused(importer, content[:-30], "damaged or incomplete")


def test_a_zip_with_a_damaged_file(valid, importer):
    content, _stage = valid
    files = unzip(content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    damaged = bytearray(buffer.getvalue())
    at = damaged.index(b'"Business trip"')  # inside journeys.json, stored as it is
    damaged[at + 2] ^= 0x20
    refused(importer, bytes(damaged), "damaged or incomplete")


def test_a_file_changed_after_the_export(valid, importer):
    content, _stage = valid
    files = unzip(content)
    files["journeys.json"] = files["journeys.json"].replace(b"Business trip", b"Business trap")
    refused(
        importer,
        rezip(files, fix_checksums=False),
        "journeys.json does not match its checksum in the manifest",
    )


def test_a_file_added_or_missing(valid, importer):
    content, _stage = valid
    files = unzip(content)
    refused(
        importer,
        rezip({**files, "extra.json": b"[]"}, fix_checksums=False),
        "extra.json is in the ZIP file but not in its manifest",
    )
    del files["stages.json"]
    refused(
        importer,
        rezip(files, fix_checksums=False),
        "stages.json is listed in the manifest but missing from the ZIP file",
    )
    refused(importer, rezip(files), "The export has no stages.json.")


def test_no_manifest(valid, importer):
    content, _stage = valid
    files = unzip(content)
    del files[fmt.MANIFEST]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
    refused(importer, buffer.getvalue(), "has no manifest.json")


@pytest.mark.parametrize(
    "change,message",
    [
        ({"format": "another-tool-backup"}, "not an organisation export of motmap"),
        ({"version": 2}, "made by a newer motmap, in format version 2; this server reads "
         "format version 1"),
        ({"version": 0}, "format version 0, which this server does not read (it reads format "
         "version 1)"),
        ({"version": "1"}, "gives no format version (this server reads version 1)"),
        ({"version": True}, "gives no format version"),
        ({"files": ["journeys.json"]}, "does not list the files with their checksums"),
    ],
)  # fmt: skip
def test_a_manifest_of_another_format_or_version(valid, importer, change, message):
    content, _stage = valid
    files = unzip(content)
    manifest = {**json.loads(files[fmt.MANIFEST]), **change}
    refused(importer, rezip(files, fix_checksums=False, manifest=manifest), message)


def test_a_manifest_that_is_not_json(valid, importer):
    content, _stage = valid
    files = unzip(content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in {**files, fmt.MANIFEST: b"{not json"}.items():
            out.writestr(name, data)
    refused(importer, buffer.getvalue(), "manifest.json is not valid JSON text")


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("journeys.json", b'[{"id": ', "journeys.json is not valid JSON text"),
        ("journeys.json", b"\xff\xfe[]", "journeys.json is not valid JSON text"),
        ("journeys.json", b"[NaN]", "journeys.json is not valid JSON text"),
        ("journeys.json", b"[" * 100_000, "journeys.json is not valid JSON text"),
        ("journeys.json", b'{"rows": []}', "journeys.json does not hold a list of rows"),
        ("journeys.json", b"[1]", "journeys.json, row 1: the row is not an object."),
        (fmt.ORGANISATION_FILE, b"[]", "organisation.json does not hold an object"),
    ],
)
def test_malformed_json(valid, importer, name, content, message):
    files = unzip(valid[0])
    refused(importer, rezip({**files, name: content}), message)


@pytest.mark.parametrize(
    "file,key,value,message",
    [
        ("touchpoints", "contacts_per_day", "many", "“contacts_per_day”: it should be a whole "
         "number."),
        ("touchpoints", "rating_current", True, "“rating_current”: it should be a whole number."),
        ("touchpoints", "rating_current", 3, "“rating_current”: Value 3 is not a valid choice."),
        ("touchpoints", "contacts_per_day", -1, "“contacts_per_day”: Ensure this value is "
         "greater than or equal to 0."),
        ("touchpoints", "contacts_per_day", 10**30, "“contacts_per_day”: Ensure this value is"),
        ("touchpoints", "channel", "pigeon", "“channel”: Value 'pigeon' is not a valid choice."),
        ("touchpoints", "habits", ["fly"], "“habits”: it should be a list of: strokes"),
        ("touchpoints", "name", 7, "“name”: it should be text."),
        ("touchpoints", "name", "", "“name”: This field cannot be blank."),
        ("touchpoints", "name", "x" * 121, "“name”: it should be at most 120 characters (it "
         "has 121)."),
        ("touchpoints", "moment", "x" * 5001, "“moment”: it should be at most 5000 characters"),
        ("touchpoints", "name", "a\x00b", "“name”: it holds characters that cannot be stored."),
        ("touchpoints", "name", "\ud800", "“name”: it holds characters that cannot be stored."),
        ("touchpoints", "name", None, "“name”: it may not be null."),
        ("touchpoints", "stage", "not-an-id", "“stage”: “not-an-id” is not an id."),
        ("touchpoints", "stage", None, "“stage”: it may not be null."),
        ("touchpoints", "owner", 12, "“owner”: it should be an email address."),
        ("touchpoints", "created_at", "yesterday", "“created_at”: it should be a moment"),
        ("touchpoints", "created_at", "2026-03-01T09:30:00", "“created_at”: it should be a "
         "moment with its offset from UTC."),
        ("touchpoints", "created_at", "0001-01-01T00:00:00+14:00", "“created_at”: it should be "
         "a moment after the year 1."),
        ("journeys", "next_review_on", "1 March", "“next_review_on”: it should be a date"),
        ("journeys", "review_every_weeks", 500, "“review_every_weeks”: Ensure this value is "
         "less than or equal to 104."),
        ("ideas", "from_customer", "yes", "“from_customer”: it should be true or false."),
        ("ideas", "title", "", "“title”: This field cannot be blank."),
    ],
)  # fmt: skip
def test_a_row_with_a_wrong_value(valid, importer, file, key, value, message):
    files = with_rows(unzip(valid[0]), f"{file}.json", lambda rows: rows[0].update({key: value}))
    refused(importer, rezip(files), f"{file}.json, row 1, {message}")


def test_a_row_with_a_missing_or_unknown_field(valid, importer):
    files = unzip(valid[0])
    refused(
        importer,
        rezip(with_rows(files, "journeys.json", lambda rows: rows[0].pop("name"))),
        "journeys.json, row 1, “name”: it is missing.",
    )
    refused(
        importer,
        rezip(with_rows(files, "stages.json", lambda rows: rows[1].update(colour="red"))),
        "stages.json, row 2, “colour”: this file has no such field.",
    )


def test_organisation_settings_that_are_not_valid(valid, importer):
    files = unzip(valid[0])
    settings = json.loads(files[fmt.ORGANISATION_FILE])
    spoilt = {**settings, "time_zone": "Mars/Olympus_Mons", "paper_size": "A0"}
    page = refused(
        importer,
        rezip({**files, fmt.ORGANISATION_FILE: json.dumps(spoilt).encode()}),
        "organisation.json, “time_zone”: “Mars/Olympus_Mons” is not a known time zone.",
    )
    assert "organisation.json, “paper_size”: Value 'A0' is not a valid choice." in page


def test_a_reference_to_another_organisations_real_row_is_refused_not_linked(valid, importer):
    content, mallory_stage = valid
    files = with_rows(
        unzip(content), "touchpoints.json", lambda rows: rows[0].update(stage=mallory_stage)
    )
    touchpoints_of_mallory = Stage.objects.get(pk=mallory_stage).touchpoints.count()
    refused(
        importer,
        rezip(files),
        f"touchpoints.json, row 1, “stage”: it points to {mallory_stage}, which stages.json does "
        "not hold.",
    )
    assert Stage.objects.get(pk=mallory_stage).touchpoints.count() == touchpoints_of_mallory


def test_references_to_ids_not_in_the_file(valid, importer):
    files = unzip(valid[0])
    unknown = str(uuid.uuid4())
    refused(
        importer,
        rezip(with_rows(files, "ideas.json", lambda rows: rows[0].update(touchpoint=unknown))),
        f"ideas.json, row 1, “touchpoint”: it points to {unknown}, which touchpoints.json",
    )
    # An id of the right file, but of another kind of row, is not one either.
    journey = json.loads(files["journeys.json"])[0]["id"]
    refused(
        importer,
        rezip(with_rows(files, "touchpoints.json", lambda rows: rows[0].update(stage=journey))),
        f"touchpoints.json, row 1, “stage”: it points to {journey}, which stages.json",
    )


def test_a_touchpoint_on_a_stage_of_another_journey(valid, importer):
    files = unzip(valid[0])
    journeys = json.loads(files["journeys.json"])
    stages = json.loads(files["stages.json"])
    lost = next(j["id"] for j in journeys if j["name"] == "Lost baggage")
    desk = next(s["id"] for s in stages if s["journey"] == lost)

    def move(rows):
        row = next(r for r in rows if r["journey"] != lost)
        row["stage"] = desk

    refused(
        importer,
        rezip(with_rows(files, "touchpoints.json", move)),
        "“stage”: it belongs to another journey than the row’s “journey”.",
    )


def test_two_rows_of_one_id(valid, importer):
    files = with_rows(unzip(valid[0]), "stages.json", lambda rows: rows[1].update(id=rows[0]["id"]))
    refused(importer, rezip(files), "stages.json, row 2, “id”: another row has this id.")


def test_rows_the_database_refuses_together(valid, importer):
    def same_name(rows):
        rows[1]["name"] = rows[0]["name"].upper()

    files = with_rows(unzip(valid[0]), "journeys.json", same_name)
    refused(importer, rezip(files), "journeys.json holds rows that cannot be stored together")


def test_many_problems_are_listed_up_to_ten(valid, importer):
    def spoil(rows):
        for row in rows:
            row.update(position="first", name=5, moment=None)

    files = with_rows(unzip(valid[0]), "touchpoints.json", spoil)
    page = refused(importer, rezip(files), "touchpoints.json, row 1, “name”: it should be text.")
    assert "more problems of the same kind" in page


# --- ZIP bombs, names and sizes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../journeys.json", "/etc/motmap.json", "packs/../../x.pdf", "C:/x.json", "..\\x.json",
     "packs//x.pdf"],
)  # fmt: skip
def test_a_name_that_points_outside_is_refused(valid, importer, name):
    files = {**unzip(valid[0]), name: b"[]"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for entry, data in files.items():
            out.writestr(zipfile.ZipInfo(entry), data)
    refused(importer, buffer.getvalue(), "whose name points outside the export")


def test_two_entries_of_one_name(valid, importer):
    files = unzip(valid[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
        with pytest.warns(UserWarning):
            out.writestr("journeys.json", b"[]")
    refused(importer, buffer.getvalue(), "holds “journeys.json” twice")


def test_too_many_entries(valid, importer, monkeypatch):
    monkeypatch.setattr(archive, "MAX_ENTRIES", len(unzip(valid[0])) - 1)
    refused(importer, valid[0], "holds more than")


def bomb(size):
    """A ZIP of the export plus one file of `size` zero bytes (a few kilobytes packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("zeros.json", b"\x00" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_by_the_sizes_it_gives(valid, importer, monkeypatch):
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1024 * 1024)
    content = bomb(20 * 1024 * 1024)
    assert len(content) < 100_000
    refused(importer, content, "unpacks to more than this server imports")


def test_files_over_the_total_are_refused(valid, importer, monkeypatch):
    files = unzip(valid[0])
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", sum(map(len, files.values())) - 1)
    refused(importer, valid[0], "unpacks to more than this server imports")


def lying(content, name, size):
    """The ZIP with the size of `name` in its directory and its local header replaced."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as packed:
        info, entry = packed.getinfo(name), packed.start_dir
        for other in packed.infolist():  # walk the central directory to `name`'s entry
            if other.filename == name:
                break
            lengths = struct.unpack_from("<HHH", data, entry + 28)
            entry += 46 + sum(lengths)
    assert data[entry : entry + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, entry + 24, size)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    return bytes(data)


def test_a_header_that_lies_about_the_size_cannot_make_the_server_read_more(
    valid, importer, monkeypatch
):
    """The directory says 100 bytes of a file that unpacks to 20 MB: every read is bounded by
    what the directory said, so the rest is never unpacked, and the file is refused."""
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1024 * 1024)
    reads = []
    original = zipfile.ZipExtFile.read

    def read(self, n=-1):
        reads.append(n)
        return original(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    refused(importer, lying(bomb(20 * 1024 * 1024), "zeros.json", 100), "damaged or incomplete")
    assert reads and all(0 < n <= 101 for n in reads), reads
    # One that says more than the limit is refused before anything is unpacked.
    reads.clear()
    refused(importer, lying(bomb(1000), "zeros.json", 10**9), "unpacks to more than")
    assert reads == []


def test_an_upload_over_the_size_limit(valid, importer, settings):
    settings.EXPORT_IMPORT_MAX_BYTES = len(valid[0]) - 1
    refused(importer, valid[0], "The file is larger than")


def test_the_service_refuses_a_file_over_the_limit_too(valid, db, settings):
    """Not only the form: the service measures the file it is given."""
    from django.core.exceptions import ValidationError

    from exports.services import organisation_import
    from tests.factories import UserFactory

    settings.EXPORT_IMPORT_MAX_BYTES = 1000
    dana = UserFactory()
    before = counts()
    with pytest.raises(ValidationError, match="larger than"):
        organisation_import(actor=dana, name="Big", file=io.BytesIO(valid[0]))
    assert counts() == before


def test_a_name_is_needed(valid, importer):
    before = counts()
    response = import_page(importer, valid[0], name="")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert counts() == before


def test_the_anonymous_are_sent_to_log_in(client):
    response = client.get("/orgs/import/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
