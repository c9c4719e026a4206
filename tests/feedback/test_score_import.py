"""Scores imported from other survey tools (CSAT 1-5, NPS 0-10, four faces, the faces): mapped
onto the faces, added to the daily roll-ups beside the answers given in motmap, previewed with
every row's errors, then saved all or nothing; a touchpoint and day imported again replaces
what was imported of it, so a file imported twice counts once."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feedback import score_io
from feedback.models import FeedbackDay, FeedbackImport, FeedbackImportDay
from feedback.selectors import summaries
from feedback.services import (
    SCORE_IMPORT_MAX_ROWS,
    feedback_open,
    response_record,
    scores_import,
)
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from touchpoints.services import FeedRejected


@pytest.fixture
def desk(nordic):
    stage = StageFactory(journey=JourneyFactory(organisation=nordic, name="Business trip"))
    return TouchpointFactory(stage=stage, name="Check-in desk", external_id="desk-1")


@pytest.fixture
def gate(desk):
    return TouchpointFactory(stage=desk.stage, name="Boarding gate", external_id="gate-7")


def today(org):
    return timezone.localdate(timezone=org.tzinfo)


def ago(org, days):
    return (today(org) - timedelta(days=days)).isoformat()


def day_row(touchpoint, days_ago=1):
    return FeedbackDay.objects.get(
        touchpoint=touchpoint, day=today(touchpoint.organisation) - timedelta(days=days_ago)
    )


def faces(row):
    return (row.depresses, row.disappoints, row.neutral, row.pleases, row.wows)


def test_csat_scores_join_the_roll_ups_mapped_onto_the_faces(nordic, bob, desk, gate):
    rows = [
        {"external_id": "desk-1", "date": ago(nordic, 1), "score": score, "count": count}
        for score, count in ((1, 2), (2, 3), (3, 4), (4, 5), (5, 6))
    ] + [{"external_id": "gate-7", "date": ago(nordic, 2), "score": "5"}]  # count: 1
    preview = scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows)
    assert not preview.error_rows and preview.saved is None
    assert (preview.answers, preview.touchpoints, preview.days) == (21, 2, 2)
    assert preview.faces == {-2: 2, -1: 3, 0: 4, 1: 5, 2: 7}
    assert not FeedbackDay.objects.exists()  # a preview writes nothing

    result = scores_import(
        actor=bob, organisation=nordic, scale="csat", rows=rows, source="survey.csv", save=True
    )
    assert result.saved.source == "survey.csv" and result.saved.answers == 21
    assert faces(day_row(desk)) == (2, 3, 4, 5, 6) and day_row(desk).imported == 20
    summary = summaries([desk.pk], today(nordic) - timedelta(days=89), today(nordic))[desk.pk]
    assert (
        summary.answers == 20
        and summary.imported == 20
        and summary.mean == pytest.approx((2 * -2 + 3 * -1 + 5 * 1 + 6 * 2) / 20)
    )


@pytest.mark.parametrize(
    "scale,score,face",
    [
        ("nps", 0, -2),
        ("nps", 4, -2),
        ("nps", 6, -1),
        ("nps", 7, 0),
        ("nps", 8, 1),
        ("nps", 10, 2),
        ("four-faces", 2, -1),
        ("four-faces", 3, 1),
        ("faces", -2, -2),
        ("faces", 0, 0),
    ],
)
def test_each_scale_maps_as_shown(nordic, bob, desk, scale, score, face):
    row = {"external_id": "desk-1", "date": ago(nordic, 1), "score": score, "count": 3}
    result = scores_import(actor=bob, organisation=nordic, scale=scale, rows=[row])
    assert result.rows[0].face == face and result.faces[face] == 3


def test_the_same_file_twice_counts_once_and_answers_given_in_motmap_stay(nordic, bob, desk):
    point = feedback_open(actor=bob, touchpoint=desk)
    response_record(
        point=point,
        submission_id=uuid.uuid4(),
        face=2,
        respondent="",
        now=timezone.now() - timedelta(days=1),
    )
    rows = [{"external_id": "desk-1", "date": ago(nordic, 1), "score": 1, "count": 4}]
    scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows, save=True)
    again = scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows, save=True)
    assert again.days_replaced == 1
    assert faces(day_row(desk)) == (4, 0, 0, 0, 1) and day_row(desk).imported == 4
    # a corrected export of that day replaces what was imported of it
    fixed = [
        {"external_id": "desk-1", "date": ago(nordic, 1), "score": 1, "count": 1},
        {"external_id": "desk-1", "date": ago(nordic, 1), "score": 4, "count": 2},
    ]
    scores_import(actor=bob, organisation=nordic, scale="csat", rows=fixed, save=True)
    assert faces(day_row(desk)) == (1, 0, 0, 2, 1) and day_row(desk).imported == 3
    assert FeedbackImportDay.objects.count() == 1 and FeedbackImport.objects.count() == 3


@pytest.mark.parametrize(
    "row,field,message",
    [
        ({"external_id": "nowhere"}, "external_id", "No touchpoint of this organisation"),
        ({"external_id": ""}, "external_id", "Give the touchpoint's external ID"),
        ({"score": 6}, "score", "is not on the scale CSAT, 1 to 5"),
        ({"score": 0}, "score", "whole number from 1 to 5"),
        ({"score": 4.5}, "score", "is not on the scale"),
        ({"score": "four"}, "score", "is not on the scale"),
        ({"score": True}, "score", "is not on the scale"),
        ({"date": "tomorrow"}, "date", "year-month-day"),
        ({"date": "2026-02-30"}, "date", "year-month-day"),
        ({"date": "1999-12-31"}, "date", "from the year 2000 on"),
        ({"count": 0}, "count", "from 1 to 100,000"),
        ({"count": 100_001}, "count", "from 1 to 100,000"),
        ({"count": "many"}, "count", "whole number"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"external_id": "desk\x00-1"}, "external_id", "No touchpoint"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_saved(nordic, bob, desk, row, field, message):
    good = {"external_id": "desk-1", "date": ago(nordic, 1), "score": 4, "count": 2}
    rows = [good, {**good, "date": ago(nordic, 2), **row}]
    preview = scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows)
    [bad] = preview.error_rows
    assert bad.number == 2 and message in " ".join(bad.errors[field])
    with pytest.raises(FeedRejected) as caught:
        scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows, save=True)
    assert caught.value.rows[0]["index"] == 1 and field in caught.value.rows[0]["errors"]
    assert not FeedbackDay.objects.exists() and not FeedbackImport.objects.exists()


def test_a_date_in_the_future_and_a_row_given_twice_are_refused(nordic, bob, desk):
    tomorrow = (today(nordic) + timedelta(days=1)).isoformat()
    row = {"external_id": "desk-1", "date": ago(nordic, 1), "score": 4}
    rows = [row, {**row, "date": tomorrow}, dict(row)]
    preview = scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows)
    assert "is in the future" in preview.rows[1].errors["date"][0]
    assert "Row 1 has this touchpoint, date and score too" in preview.rows[2].errors["score"][0]


@pytest.mark.parametrize(
    "rows,message",
    [
        ([], "no rows"),
        ("rows", "as a list"),
        ([{}] * (SCORE_IMPORT_MAX_ROWS + 1), "at most 20,000"),
    ],
)
def test_what_is_not_a_list_of_rows_is_refused(nordic, bob, rows, message):
    with pytest.raises(ValidationError) as caught:
        scores_import(actor=bob, organisation=nordic, scale="csat", rows=rows)
    assert message in str(caught.value)


def test_an_unknown_scale_is_refused(nordic, bob, desk):
    with pytest.raises(ValidationError, match="Choose the scale"):
        scores_import(actor=bob, organisation=nordic, scale="stars", rows=[{}])


def test_staff_and_other_organisations_cannot_import(nordic, carol, mallory, other_org, desk):
    row = {"external_id": "desk-1", "date": ago(nordic, 1), "score": 4}
    with pytest.raises(PermissionDenied):
        scores_import(actor=carol, organisation=nordic, scale="csat", rows=[row])
    # Mallory's own organisation has no touchpoint desk-1: Nordic Air's is never found
    result = scores_import(actor=mallory, organisation=other_org, scale="csat", rows=[row])
    assert "external_id" in result.rows[0].errors


# --- the page -----------------------------------------------------------------------------


def url(org):
    return f"/o/{org.slug}/feedback/import/"


def upload(name, text):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_manager_previews_a_csv_and_confirms_it(client_for, bob, nordic, desk):
    client = client_for(bob)
    page = client.get(url(nordic))
    body = page.content.decode()
    assert page.status_code == 200 and "How scores map onto the faces" in body
    assert "NPS, 0 to 10" in body
    csv_text = f"External ID;Date;Score;Count;Comment\r\ndesk-1;{ago(nordic, 3)};5;40;x\r\n"
    csv_text += f"desk-1;{ago(nordic, 3)};2;3;y\r\n"
    preview = client.post(url(nordic), {"scale": "csat", "file": upload("nov.csv", csv_text)})
    body = preview.content.decode()
    assert preview.status_code == 200 and "Preview: nothing is saved yet" in body
    assert "Check-in desk" in body and "Excellent" in body and "Columns ignored: comment" in body
    assert not FeedbackDay.objects.exists()
    payload = body.split('name="payload" value="')[1].split('"')[0]
    saved = client.post(url(nordic), {"payload": payload})
    assert saved.status_code == 302
    assert faces(day_row(desk, 3)) == (0, 3, 0, 0, 40)
    history = client.get(url(nordic)).content.decode()
    assert "43 answers imported onto 1 touchpoint" in history and "nov.csv" in history
    touchpoint_page = client.get(f"/o/{nordic.slug}/touchpoints/{desk.pk}/").content.decode()
    assert "43 answers imported from other survey tools" in touchpoint_page


def test_a_json_file_with_errors_shows_each_row_and_cannot_be_confirmed(
    client_for, bob, nordic, desk
):
    rows = [
        {"external_id": "desk-1", "date": ago(nordic, 1), "score": 9, "count": 2},
        {"external_id": "nobody", "date": ago(nordic, 1), "score": 8},
    ]
    text = json.dumps({"rows": rows})
    page = client_for(bob).post(url(nordic), {"scale": "nps", "file": upload("scores.json", text)})
    body = page.content.decode()
    assert page.status_code == 200 and "The file has errors" in body
    assert "No touchpoint of this organisation has this external ID" in body
    assert 'name="payload"' not in body and not FeedbackDay.objects.exists()


@pytest.mark.parametrize(
    "name,text,message",
    [
        ("a.csv", "", "The file is empty"),
        ("a.csv", "touchpoint,when\r\nx,y\r\n", "date, score is missing"),
        ("a.json", "[{", "cannot be read as JSON"),
        ("a.json", '{"data": 1}', "a list of rows"),
        ("a.csv", "external_id,date,score\r\n", "no rows under its header"),
    ],
)
def test_a_file_that_is_not_scores_gets_a_clear_message(
    client_for, bob, nordic, name, text, message
):
    page = client_for(bob).post(url(nordic), {"scale": "csat", "file": upload(name, text)})
    assert page.status_code == 200 and message in page.content.decode()


def test_a_file_not_in_utf8_and_a_missing_scale_are_refused(client_for, bob, nordic):
    file = SimpleUploadedFile("a.csv", "external_id;date\n\xe5".encode("latin-1"))
    body = client_for(bob).post(url(nordic), {"file": file}).content.decode()
    assert "not in UTF-8" in body and "Choose the scale of the scores" in body


def test_an_altered_payload_saves_nothing(client_for, bob, alice, nordic, desk):
    client = client_for(bob)
    text = f"external_id,date,score\r\ndesk-1,{ago(nordic, 1)},4\r\n"
    body = client.post(url(nordic), {"scale": "csat", "file": upload("a.csv", text)})
    payload = body.content.decode().split('name="payload" value="')[1].split('"')[0]
    assert client.post(url(nordic), {"payload": payload[:-2] + "xx"}).status_code == 400
    assert client_for(alice).post(url(nordic), {"payload": payload}).status_code == 400
    assert not FeedbackDay.objects.exists()


def test_a_file_larger_than_the_limit_is_refused_unread(client_for, bob, nordic, monkeypatch):
    monkeypatch.setattr(score_io, "MAX_SCORE_FILE_BYTES", 100)
    text = "external_id,date,score,count\n" + "desk-1,2026-11-01,5,1\n" * 10
    page = client_for(bob).post(url(nordic), {"scale": "csat", "file": upload("big.csv", text)})
    assert "The file is larger than 100" in page.content.decode()
    assert FeedbackImportDay.objects.count() == 0
