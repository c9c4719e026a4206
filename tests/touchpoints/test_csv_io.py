"""A journey's touchpoints out as CSV and back in: preview, row errors, all or nothing."""

import csv
import io
import re
import secrets

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied

from journeys.models import Journey, Stage
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from tests.test_bad_input import HOSTILE
from touchpoints import csv_io, services
from touchpoints.models import Touchpoint, TouchpointChange

HEADER = "id,stage,name,channel,rating_current,rating_target,contacts_per_day,owner_email,habits"
VALUES = (
    "stage__name",
    "name",
    "channel",
    "moment",
    "desired_outcome",
    "customer_wants",
    "rating_current",
    "rating_target",
    "contacts_per_day",
    "duration_seconds",
    "owner__email",
    "frontline_role",
    "habits",
)


def export_url(journey):
    return f"/o/{journey.organisation.slug}/journeys/{journey.pk}/touchpoints.csv"


def import_url(journey):
    return f"/o/{journey.organisation.slug}/journeys/{journey.pk}/touchpoints/import/"


def upload(client, journey, content, name="touchpoints.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    file = io.BytesIO(content)
    file.name = name
    return client.post(import_url(journey), {"file": file})


def payload_of(response):
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "no Confirm button on the preview"
    return match.group(1)


def confirm(client, journey, response):
    return client.post(import_url(journey), {"payload": payload_of(response)})


def snapshot(journey):
    """Every value a touchpoint carries, in customer order, plus its version."""
    return list(
        Touchpoint.objects.filter(journey=journey)
        .in_customer_order()
        .values_list(*VALUES, "version")
    )


@pytest.fixture
def rich_journey(journey, bob, alice):
    """The 'Business trip' journey with the awkward values a spreadsheet meets."""
    tp = journey.touchpoints.get(name="Check-in desk")
    tp.moment = 'Line one, with a comma; a semicolon\r\nand "quotes"\nand a second line'
    tp.desired_outcome = '=HYPERLINK("http://evil.example")'
    tp.customer_wants = "-minus first, then +plus"
    tp.frontline_role = "'=already quoted"
    tp.owner = bob
    tp.habits = ["strokes", "anticipate"]
    tp.channel = "letter"
    tp.rating_current = -2
    tp.save()
    phone = journey.touchpoints.get(name="Phone booking")
    phone.name = "Café phone ☕ booking"
    phone.owner = alice
    phone.save()
    return journey


def test_export_is_utf8_with_bom_comma_crlf_in_customer_order(client_for, carol, rich_journey):
    response = client_for(carol).get(export_url(rich_journey))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="business-trip-touchpoints-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffid,stage,name,channel,moment,")
    assert body.split("\r\n")[0].endswith("owner_email,frontline_role,habits,external_id")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    assert [r["name"] for r in rows] == ["Café phone ☕ booking", "Check-in desk", "Boarding gate"]
    desk = rows[1]
    assert desk["desired_outcome"] == '\'=HYPERLINK("http://evil.example")'  # no formula
    assert desk["customer_wants"] == "'-minus first, then +plus"
    assert desk["frontline_role"] == "''=already quoted"
    assert desk["rating_current"] == "-2"  # numbers stay numbers
    assert desk["channel"] == "letter"
    assert desk["habits"] == "strokes|anticipate"
    assert desk["owner_email"] == "bob@nordic-air.example"
    assert desk["moment"].endswith('"quotes"\nand a second line')


def test_reimporting_the_export_changes_nothing(client_for, bob, rich_journey):
    before = snapshot(rich_journey)
    changes = TouchpointChange.objects.count()
    client = client_for(bob)
    exported = client.get(export_url(rich_journey)).content
    preview = upload(client, rich_journey, exported)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "3 without change" in page and "no change" in page
    assert 'name="payload"' not in page  # nothing to confirm
    assert "Nothing to change" in page
    assert snapshot(rich_journey) == before
    assert TouchpointChange.objects.count() == changes


def test_export_imported_into_an_empty_journey_copies_everything(client_for, bob, rich_journey):
    client = client_for(bob)
    exported = client.get(export_url(rich_journey)).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    for row in rows[1:]:
        row[0] = ""  # ids name the other journey's touchpoints: import them as new
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    empty = JourneyFactory(organisation=rich_journey.organisation, name="Copy")
    preview = upload(client, empty, "\ufeff" + out.getvalue())
    page = preview.content.decode()
    assert "3 new touchpoints" in page and "Booking, Airport" in page
    response = confirm(client, empty, preview)
    assert response.status_code == 302
    assert response["Location"] == f"/o/nordic-air/journeys/{empty.pk}/"
    board = client.get(response["Location"]).content.decode()
    assert "3 touchpoints created, 0 updated. 2 new stages." in board
    assert list(empty.stages.order_by("position").values_list("name", flat=True)) == [
        "Booking",
        "Airport",
    ]
    assert [r[:-1] for r in snapshot(empty)] == [r[:-1] for r in snapshot(rich_journey)]


def test_changed_rows_update_with_the_same_rules(client_for, bob, journey):
    desk = journey.touchpoints.get(name="Check-in desk")
    client = client_for(bob)
    content = (
        "id;stage;name;rating_current;habits\r\n"
        f"{desk.pk};Airport;Check-in desk;Pleases;Give strokes, tact\r\n"
        ";Lounge;Lounge welcome;2;\r\n"
    )
    preview = upload(client, journey, content.encode("utf-8"))
    page = preview.content.decode()
    assert "1 new touchpoint" in page and "1 touchpoint updated" in page
    assert "Changes: rating now, habits" in page
    assert "New stages to be created, at the end of the journey:" in page and "Lounge" in page
    assert not Stage.objects.filter(name="Lounge").exists()  # the preview saved nothing
    assert confirm(client, journey, preview).status_code == 302
    desk.refresh_from_db()
    assert (desk.rating_current, desk.habits, desk.version) == (1, ["strokes", "tact"], 2)
    assert desk.changes.filter(field="rating_current", old_value="0", new_value="1").exists()
    lounge = Touchpoint.objects.get(name="Lounge welcome")
    assert (lounge.stage.name, lounge.stage.position, lounge.rating_current) == ("Lounge", 3, 2)
    assert (lounge.rating_target, lounge.contacts_per_day, lounge.channel) == (2, 0, "in_person")


def test_external_ids_go_out_and_come_back_and_stay_unique(client_for, bob, journey):
    """The ID the bulk feed matches on travels with the file; a taken one is a row error."""
    desk = journey.touchpoints.get(name="Check-in desk")
    Touchpoint.objects.filter(pk=desk.pk).update(external_id="desk-1")
    client = client_for(bob)
    exported = client.get(export_url(journey)).content.decode("utf-8-sig")
    assert [
        r["external_id"] for r in csv.DictReader(io.StringIO(exported)) if r["id"] == str(desk.pk)
    ] == ["desk-1"]
    content = "stage,name,external_id\r\nAirport,Kiosk,kiosk-7\r\nAirport,Second desk,desk-1\r\n"
    preview = upload(client, journey, content)
    assert "has this external ID" in preview.content.decode()  # the check-in desk has desk-1
    assert 'name="payload"' not in preview.content.decode()
    assert not Touchpoint.objects.filter(name="Kiosk").exists()
    preview = upload(client, journey, "stage,name,external_id\r\nAirport,Kiosk,kiosk-7\r\n")
    assert confirm(client, journey, preview).status_code == 302
    assert Touchpoint.objects.get(name="Kiosk").external_id == "kiosk-7"


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_reads_bom_delimiters_and_line_ends(client_for, bob, journey, bom, delimiter, newline):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["Stage", "Name", "Moment", "Desired outcome", "contacts_per_day"])
    writer.writerow(["Airport", "Lost luggage", f"A, B; C{newline}second line", "=1+1", "1 200"])
    content = ("\ufeff" if bom else "") + out.getvalue()
    client = client_for(bob)
    preview = upload(client, journey, content.encode("utf-8"))
    assert "1 new touchpoint" in preview.content.decode()
    assert confirm(client, journey, preview).status_code == 302
    tp = Touchpoint.objects.get(name="Lost luggage")
    assert tp.moment == f"A, B; C{newline}second line"
    assert tp.desired_outcome == "=1+1"  # a cell as a spreadsheet writes it is kept
    assert (tp.contacts_per_day, tp.stage.name) == (1200, "Airport")


def test_formula_prefix_is_stripped_on_import(client_for, bob, journey):
    client = client_for(bob)
    preview = upload(client, journey, "stage,name,moment\nAirport,'@Gate,'-- wait\n")
    assert confirm(client, journey, preview).status_code == 302
    tp = Touchpoint.objects.get(name="@Gate")
    assert tp.moment == "-- wait"


def nothing_saved(journey, before):
    assert snapshot(journey) == before
    assert Stage.objects.filter(journey=journey).count() == 2


@pytest.mark.parametrize(
    "content,message",
    [
        ("id,name,channel\n,Lounge,phone\n", "the column(s) stage are missing"),
        ("Moment;Notes\nLounge;x\n", "the column(s) stage, name are missing"),
        ("stage,name,stage\nA,B,C\n", "The column(s) stage appear more than once."),
        ("\ufeff", "The file is empty."),
        ("\n\n", "The file is empty."),
    ],
    ids=["no-stage", "no-stage-no-name", "twice", "only-bom", "blank"],
)
def test_a_file_it_cannot_use_gets_one_clear_error(client_for, bob, journey, content, message):
    before = snapshot(journey)
    response = upload(client_for(bob), journey, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    if "missing" in message:
        assert "The columns are: id, stage, name, channel, moment" in page
    assert 'name="payload"' not in page
    nothing_saved(journey, before)


def test_an_empty_upload_is_refused(client_for, bob, journey):
    page = upload(client_for(bob), journey, b"").content.decode()
    assert "The file is empty." in page


def test_a_file_that_is_not_utf8_says_how_to_save_it(client_for, bob, journey):
    before = snapshot(journey)
    content = "stage;name\nAirport;Café\n".encode("cp1252")
    page = upload(client_for(bob), journey, content).content.decode()
    assert "not in UTF-8" in page and "“CSV UTF-8”" in page
    utf16 = "stage,name\nAirport,Gate\n".encode("utf-16")
    assert "not in UTF-8" in upload(client_for(bob), journey, utf16).content.decode()
    nothing_saved(journey, before)


def test_a_binary_file_is_refused(client_for, bob, journey):
    page = upload(client_for(bob), journey, b"stage,name\nA,B\x00C\n").content.decode()
    assert "not a CSV text file" in page


def test_a_too_large_file_is_refused(client_for, bob, journey, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_IMPORT_BYTES", 100)
    page = upload(client_for(bob), journey, "stage,name\n" + "Airport,Gate\n" * 20).content
    assert "The file is larger than 100" in page.decode()


def test_too_many_rows_are_refused(client_for, bob, journey, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_IMPORT_ROWS", 3)
    page = upload(client_for(bob), journey, "stage,name\n" + "Airport,Gate\n" * 4).content
    assert "more than 3 rows" in page.decode()


@pytest.mark.usefixtures("alice")
def test_one_bad_row_among_good_ones_saves_nothing(client_for, bob, journey, mallory_journey):
    before = snapshot(journey)
    desk = journey.touchpoints.get(name="Check-in desk")
    other_journey_tp = TouchpointFactory(
        stage=StageFactory(journey=JourneyFactory(organisation=journey.organisation))
    )
    mallory_tp = mallory_journey.touchpoints.get()
    content = "\n".join(
        [
            "id,stage,name,channel,rating_current,rating_target,contacts_per_day,"
            "duration_seconds,owner_email,habits",
            ",Airport,Good one,phone,1,2,10,5,alice@nordic-air.example,tact",  # row 2
            ",Airport,Bad rating,phone,7,2,10,5,,",  # row 3
            ",Airport,Bad number,phone,1,2,ten,5,,",  # row 4
            ",Airport,Unknown owner,phone,1,2,10,5,mallory@mallory-mart.example,",  # row 5
            f"{mallory_tp.pk},Airport,Mallory's,phone,1,2,10,5,,",  # row 6
            f"{other_journey_tp.pk},Airport,Other journey,phone,1,2,10,5,,",  # row 7
            f"{desk.pk},Airport,Desk,phone,1,2,10,5,,",  # row 8
            f"{desk.pk},Airport,Desk again,phone,1,2,10,5,,",  # row 9
            ",Airport,,phone,1,2,10,5,,",  # row 10: no name
            ",Airport,Bad channel,pigeon,1,2,10,5,,",  # row 11
            ",Airport,Too long,phone,1,2,99999999,5,,",  # row 12
            ",Airport,Bad habit,phone,1,2,10,5,,telepathy",  # row 13
            f",Airport,{'x' * 121},phone,1,2,10,5,,",  # row 14
            f",{'S' * 81},Long stage,phone,1,2,10,5,,",  # row 15
            "not-an-id,Airport,Bad id,phone,1,2,10,5,,",  # row 16
        ]
    )
    client = client_for(bob)
    response = upload(client, journey, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has errors" in page and "Nothing can be saved" in page
    assert 'name="payload"' not in page
    result = services.touchpoint_import(
        actor=bob,
        journey=journey,
        rows=csv_io.read_touchpoints(content, organisation=journey.organisation).rows,
        save=True,
    )
    assert not result.saved
    errors = {row.number: row.errors for row in result.rows if row.errors}
    assert sorted(errors) == list(range(3, 8)) + list(range(9, 17))
    assert errors[3][0][0] == "rating_current" and "not a rating" in errors[3][0][1]
    assert errors[4] == [("contacts_per_day", "“ten” is not a whole number.")]
    assert errors[5][0][0] == "owner_email" and "No member" in errors[5][0][1]
    assert errors[6][0][0] == "id" and "No touchpoint of this journey" in errors[6][0][1]
    assert errors[7][0][0] == "id"
    assert errors[9] == [("id", "This id is on an earlier row too.")]
    assert errors[10] == [("name", "Give the touchpoint a name.")]
    assert errors[11][0][0] == "channel" and "pigeon" in errors[11][0][1]
    assert errors[12][0][0] == "contacts_per_day"
    assert errors[13][0][0] == "habits"
    assert errors[14][0][0] == "name"
    assert errors[15] == [("stage", "Keep the stage name under 80 characters.")]
    assert errors[16][0][0] == "id"
    assert "Mallory" not in page.replace("Mallory&#x27;s", "")  # nothing of mallory's shown
    nothing_saved(journey, before)
    assert not Touchpoint.objects.filter(name="Good one").exists()


def test_a_change_made_after_the_preview_stops_the_whole_import(client_for, bob, alice, journey):
    desk = journey.touchpoints.get(name="Check-in desk")
    client = client_for(bob)
    preview = upload(
        client, journey, f"id,stage,name,rating_current\n{desk.pk},Airport,Desk,2\n,Airport,New,0\n"
    )
    services.touchpoint_update(actor=alice, touchpoint=desk, version=1, moment="Alice was here")
    response = confirm(client, journey, preview)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone changed this touchpoint since the preview" in page
    desk.refresh_from_db()
    assert (desk.name, desk.version, desk.rating_current) == ("Check-in desk", 2, 0)
    assert not Touchpoint.objects.filter(name="New").exists()


def test_a_tampered_payload_is_refused(client_for, bob, journey):
    client = client_for(bob)
    preview = upload(client, journey, "stage,name\nAirport,Gate 9\n")
    payload = payload_of(preview)
    before = snapshot(journey)
    for forged in (payload[:-2] + "xx", "garbage", "", "a:b:c"):
        response = client.post(import_url(journey), {"payload": forged})
        assert response.status_code == 400
        assert "expired or was altered" in response.content.decode()
    # A payload signed for another journey or another person does not work either.
    other = JourneyFactory(organisation=journey.organisation)
    assert client.post(import_url(other), {"payload": payload}).status_code == 400
    nothing_saved(journey, before)


def test_a_payload_for_someone_else_is_refused(client_for, bob, alice, journey):
    preview = upload(client_for(bob), journey, "stage,name\nAirport,Gate 9\n")
    response = client_for(alice).post(import_url(journey), {"payload": payload_of(preview)})
    assert response.status_code == 400
    assert not Touchpoint.objects.filter(name="Gate 9").exists()


def test_an_expired_payload_is_refused(client_for, bob, journey, time_machine):
    time_machine.move_to("2026-03-02 09:00Z")
    preview = upload(client_for(bob), journey, "stage,name\nAirport,Gate 9\n")
    time_machine.move_to("2026-03-02 10:01Z")
    response = client_for(bob).post(import_url(journey), {"payload": payload_of(preview)})
    assert response.status_code == 400


def test_unpack_refuses_a_well_signed_but_malformed_payload(journey, bob):
    salt = csv_io._salt(journey, bob)
    token = signing.TimestampSigner(salt=salt).sign("not-zlib")
    with pytest.raises(signing.BadSignature):
        csv_io.unpack(token, journey=journey, user=bob)


def test_staff_cannot_import_but_can_export(client_for, carol, journey):
    client = client_for(carol)
    assert client.get(import_url(journey)).status_code == 403
    assert upload(client, journey, "stage,name\nAirport,Gate 9\n").status_code == 403
    assert client.get(export_url(journey)).status_code == 200
    assert not Touchpoint.objects.filter(name="Gate 9").exists()


def test_the_service_refuses_staff(carol, journey):
    rows = csv_io.read_touchpoints("stage,name\nAirport,X\n", organisation=journey.organisation)
    with pytest.raises(PermissionDenied):
        services.touchpoint_import(actor=carol, journey=journey, rows=rows.rows, save=True)


def test_mallory_gets_404(client_for, mallory, journey):
    client = client_for(mallory)
    assert client.get(export_url(journey)).status_code == 404
    assert client.get(import_url(journey)).status_code == 404
    assert upload(client, journey, "stage,name\nAirport,Gate 9\n").status_code == 404
    own = f"/o/mallory-mart/journeys/{journey.pk}/touchpoints.csv"
    assert client.get(own).status_code == 404


def test_board_links_export_for_all_and_import_for_editors(client_for, bob, carol, journey):
    board = f"/o/nordic-air/journeys/{journey.pk}/"
    staff_page = client_for(carol).get(board).content.decode()
    assert export_url(journey) in staff_page and import_url(journey) not in staff_page
    assert import_url(journey) in client_for(bob).get(board).content.decode()


def test_ignored_columns_are_named_and_labels_are_accepted(client_for, bob, journey):
    content = "Stage;Name;Channel;Rating now;Notes\nAirport;Gate;letter or invoice;x;mine\n"
    page = upload(client_for(bob), journey, content).content.decode()
    assert "Columns ignored (not touchpoint columns): Rating now, Notes" in page
    rows = csv_io.read_touchpoints(content, organisation=journey.organisation).rows
    assert rows[0].fields == {"name": "Gate", "channel": "letter"}


def test_a_row_with_too_many_cells_is_an_error(journey):
    content = "stage,name\nAirport,Gate,7,extra\n"
    rows = csv_io.read_touchpoints(content, organisation=journey.organisation).rows
    assert "must be in quotes" in rows[0].errors[0][1]


def test_empty_cells_take_the_defaults_on_update(bob, journey):
    desk = journey.touchpoints.get(name="Check-in desk")
    content = (
        "id,stage,name,rating_current,rating_target,contacts_per_day\n"
        f"{desk.pk},Airport,Check-in desk,,,\n"
    )
    rows = csv_io.read_touchpoints(content, organisation=journey.organisation).rows
    result = services.touchpoint_import(actor=bob, journey=journey, rows=rows, save=True)
    assert result.saved
    desk.refresh_from_db()
    assert (desk.rating_current, desk.rating_target, desk.contacts_per_day) == (0, 2, 0)
    assert desk.duration_seconds == 90  # a column not in the file is left as it is


def test_export_queries_do_not_grow(client_for, bob, journey, django_assert_max_num_queries):
    stage = journey.stages.first()
    for n in range(30):
        TouchpointFactory(stage=stage, name=f"Extra {n}", owner=bob)
    client = client_for(bob)
    with django_assert_max_num_queries(10):
        response = client.get(export_url(journey))
    assert response.content.decode().count("\r\n") == 34


def test_export_filename_falls_back_for_names_without_ascii(client_for, bob, nordic):
    journey = JourneyFactory(organisation=nordic, name="旅行")
    response = client_for(bob).get(export_url(journey))
    assert 'filename="journey-touchpoints-' in response["Content-Disposition"]
    assert Journey.objects.filter(pk=journey.pk).exists()


@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_cells_never_give_a_500(client_for, bob, journey, value):
    """Every column holding a hostile value: a preview with row errors, nothing saved."""
    before = snapshot(journey)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.name for column in csv_io.COLUMNS])
    writer.writerow([HOSTILE[value]] * len(csv_io.COLUMNS))
    writer.writerow(["", HOSTILE[value], "ok"])
    client = client_for(bob)
    response = upload(client, journey, out.getvalue().encode("utf-8", "surrogatepass"))
    assert response.status_code == 200
    if 'name="payload"' in response.content.decode():
        assert confirm(client, journey, response).status_code < 500
    else:
        nothing_saved(journey, before)


def test_line_breaks_saved_as_lf_by_a_spreadsheet_change_nothing(bob, journey):
    desk = journey.touchpoints.get(name="Check-in desk")
    desk.moment = "First line\r\nsecond line"
    desk.save()
    content = f'id,stage,name,moment\n{desk.pk},Airport,Check-in desk,"First line\nsecond line"\n'
    rows = csv_io.read_touchpoints(content, organisation=journey.organisation).rows
    result = services.touchpoint_import(actor=bob, journey=journey, rows=rows, save=True)
    assert [row.action for row in result.rows] == ["unchanged"]
    desk.refresh_from_db()
    assert (desk.moment, desk.version) == ("First line\r\nsecond line", 1)


def test_a_preview_too_large_to_post_back_asks_to_split(client_for, bob, journey, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_100
    content = "stage,name,moment\n" + "".join(
        f"Airport,Gate {n},{secrets.token_hex(40)}\n" for n in range(60)
    )
    page = upload(client_for(bob), journey, content).content.decode()
    assert "too large to confirm in one go" in page
    assert 'name="payload"' not in page


def test_a_payload_the_confirm_cannot_read_whole_saves_nothing(
    client_for, bob, journey, monkeypatch
):
    client = client_for(bob)
    preview = upload(client, journey, "stage,name\nAirport,Gate 8\nAirport,Gate 9\n")
    monkeypatch.setattr(csv_io, "MAX_IMPORT_ROWS", 1)
    assert confirm(client, journey, preview).status_code == 400
    assert not Touchpoint.objects.filter(name__startswith="Gate").exists()


@pytest.mark.parametrize(
    "content",
    [
        "stage,name\rAirport,Counter\r",  # "CSV (Macintosh)": lines end with CR alone
        'stage,name,"x\ry"\r\nAirport,Counter,\r\n',  # a CR inside a quoted header cell
    ],
    ids=["mac-line-ends", "cr-in-header"],
)
def test_lines_ended_by_cr_alone_are_read(client_for, bob, journey, content):
    preview = upload(client_for(bob), journey, content)
    assert preview.status_code == 200
    assert "1 new touchpoint" in preview.content.decode()


def test_a_header_cell_over_the_csv_field_limit_is_a_clear_error(client_for, bob, journey):
    before = snapshot(journey)
    preview = upload(client_for(bob), journey, "a" * 200_000 + ",stage,name\r\nAirport,x\r\n")
    assert preview.status_code == 200
    assert "cannot be read as CSV" in preview.content.decode()
    assert snapshot(journey) == before
