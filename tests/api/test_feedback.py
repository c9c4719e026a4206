"""The v1 API of customers' feedback: summaries per touchpoint (with the daily series) and per
journey, the comments, and an answer sent by an integrator (same rules, limits and
idempotency as the customer's page)."""

import datetime
import json
import uuid

import pytest

from feedback.models import FeedbackDay, FeedbackResponse
from feedback.services import feedback_close, feedback_open, response_record

BASE = "/api/v1/orgs/nordic-air"


def send(client, url, data):
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def point(bob, touchpoint):
    point = feedback_open(actor=bob, touchpoint=touchpoint, reasons=["Quick"])
    for i, face in enumerate([-2, -1, 1, 2, 2]):
        response_record(
            point=point,
            submission_id=uuid.uuid4(),
            face=face,
            reason="Quick" if face > 0 else "",
            comment="Slow queue" if face < 0 else "",
            respondent=f"r{i}",
        )
    return point


def test_a_touchpoint_summary_with_its_days(client_for, carol, point, touchpoint):
    body = client_for(carol).get(f"{BASE}/touchpoints/{touchpoint.pk}/feedback/").json()
    assert body["answers"] == 5 and body["excluded"] == 0 and body["enough"] is False
    assert body["faces"] == {"very_bad": 1, "bad": 1, "ok": 0, "good": 1, "excellent": 2}
    assert body["mean"] == pytest.approx(0.4) and body["top_two_share"] == pytest.approx(0.6)
    assert body["reasons"] == [{"reason": "Quick", "count": 3}]
    assert body["team_rating"] == touchpoint.rating_current
    assert [day["faces"]["excellent"] for day in body["days"]] == [2]
    assert (
        datetime.date.fromisoformat(body["end"]) - datetime.date.fromisoformat(body["start"])
    ).days == 89


def test_a_journey_summary_lists_every_touchpoint(client_for, carol, point, journey):
    body = client_for(carol).get(f"{BASE}/journeys/{journey.pk}/feedback/").json()
    rows = {row["touchpoint_name"]: row["answers"] for row in body["touchpoints"]}
    assert rows["Check-in desk"] == 5 and len(rows) == journey.touchpoints.count()


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "from=2026-05-02&to=2026-05-01", "from=2020-01-01&to=2026-01-01", "to=x"],
)
def test_a_bad_period_is_a_400(client_for, carol, point, touchpoint, query):
    answer = client_for(carol).get(f"{BASE}/touchpoints/{touchpoint.pk}/feedback/?{query}")
    assert answer.status_code == 400 and answer.json()


def test_the_comments_newest_first_and_filtered(client_for, carol, point):
    body = client_for(carol).get(f"{BASE}/feedback/comments/?face=-2").json()
    assert [c["face"] for c in body["results"]] == [-2]
    assert client_for(carol).get(f"{BASE}/feedback/comments/?face=9").status_code == 400
    unread = client_for(carol).get(f"{BASE}/feedback/comments/?unread=true").json()
    assert len(unread["results"]) == 2


def test_an_integrator_sends_an_answer_once(client_for, bob, point, touchpoint):
    url = f"{BASE}/touchpoints/{touchpoint.pk}/feedback/responses/"
    answer = {"submission_id": str(uuid.uuid4()), "face": 2, "reason": "Quick", "respondent": "t1"}
    first = send(client_for(bob), url, answer)
    assert first.status_code == 201 and first.json()["counted"] is True
    again = send(client_for(bob), url, answer)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    repeat = send(client_for(bob), url, {**answer, "submission_id": str(uuid.uuid4())})
    assert repeat.status_code == 201 and repeat.json()["counted"] is False  # same respondent
    assert FeedbackResponse.objects.filter(channel="api").count() == 2
    day = FeedbackDay.objects.get(touchpoint=touchpoint)
    assert (day.wows, day.excluded) == (3, 1)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"face": 3}, "face"),
        ({"face": "2"}, None),  # a number as text is taken (as DRF does)
        ({"reason": "Not offered"}, "reason"),
        ({"comment": "x" * 10_000}, "comment"),
        ({"comment": "a\x00b"}, "comment"),
        ({"language": "xx"}, "language"),
        ({"submission_id": "nope"}, "submission_id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_answers_are_400_and_count_nothing(client_for, bob, point, touchpoint, body, field):
    before = FeedbackResponse.objects.count()
    data = {"submission_id": str(uuid.uuid4()), "face": 1, **body}
    answer = send(client_for(bob), f"{BASE}/touchpoints/{touchpoint.pk}/feedback/responses/", data)
    if field is None:
        assert answer.status_code == 201
        return
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert FeedbackResponse.objects.count() == before


def test_a_closed_touchpoint_takes_no_answers(client_for, bob, point, touchpoint):
    feedback_close(actor=bob, point=point)
    data = {"submission_id": str(uuid.uuid4()), "face": 1}
    answer = send(client_for(bob), f"{BASE}/touchpoints/{touchpoint.pk}/feedback/responses/", data)
    assert answer.status_code == 400 and "not open for feedback" in answer.content.decode()


def test_a_burst_from_one_respondent_is_429(client_for, bob, point, touchpoint, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 3
    url = f"{BASE}/touchpoints/{touchpoint.pk}/feedback/responses/"
    codes = [
        send(
            client_for(bob), url, {"submission_id": str(uuid.uuid4()), "face": 0, "respondent": "k"}
        ).status_code
        for _ in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    assert FeedbackDay.objects.get(touchpoint=touchpoint).throttled == 2
    summary = client_for(bob).get(f"{BASE}/touchpoints/{touchpoint.pk}/feedback/").json()
    assert summary["throttled"] == 2 and summary["days"][-1]["throttled"] == 2


# --- scores imported from other survey tools ------------------------------------------------


def _yesterday():
    return (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


def test_scores_are_previewed_then_imported(client_for, bob, touchpoint):
    touchpoint.external_id = "desk-1"
    touchpoint.save()
    url = f"{BASE}/feedback/imports/"
    rows = [
        {"external_id": "desk-1", "date": _yesterday(), "score": 10, "count": 30},
        {"external_id": "desk-1", "date": _yesterday(), "score": 3, "count": 5},
    ]
    preview = send(client_for(bob), url, {"scale": "nps", "rows": rows, "dry_run": True})
    assert preview.status_code == 200 and preview.json()["saved"] is False
    assert preview.json()["faces"]["excellent"] == 30 and not FeedbackDay.objects.exists()
    saved = send(client_for(bob), url, {"scale": "nps", "rows": rows, "source": "Survey tool"})
    assert saved.status_code == 201 and saved.json()["answers"] == 35
    again = send(client_for(bob), url, {"scale": "nps", "rows": rows})
    assert again.json()["days_replaced"] == 1
    day = FeedbackDay.objects.get(touchpoint=touchpoint)
    assert (day.depresses, day.wows, day.imported) == (5, 30, 35)
    mapping = client_for(bob).get(url).json()
    assert {m["scale"] for m in mapping} == {"csat", "nps", "four-faces", "faces"}
    nps = next(m for m in mapping if m["scale"] == "nps")
    assert nps["faces"]["6"] == -1 and nps["faces"]["9"] == 2


@pytest.mark.parametrize(
    "body,field",
    [
        ({"scale": "csat", "rows": [{"external_id": "nope", "score": 4}]}, "rows"),
        ({"scale": "stars", "rows": []}, "scale"),
        ({"scale": "csat", "rows": "all of them"}, "rows"),
        ({"scale": "csat", "rows": [], "extra": 1}, "extra"),
    ],
)
def test_a_bad_import_is_a_400_listing_the_rows(client_for, bob, body, field):
    answer = send(client_for(bob), f"{BASE}/feedback/imports/", body)
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert not FeedbackDay.objects.exists()


def test_an_import_with_row_errors_names_each_row(client_for, bob, touchpoint):
    touchpoint.external_id = "desk-1"
    touchpoint.save()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    rows = [
        {"external_id": "desk-1", "date": _yesterday(), "score": 4},
        {"external_id": "desk-1", "date": tomorrow, "score": 6},
    ]
    answer = send(client_for(bob), f"{BASE}/feedback/imports/", {"scale": "csat", "rows": rows})
    [row] = answer.json()["errors"]["rows"]
    assert answer.status_code == 400 and row["index"] == 1
    assert set(row["errors"]) == {"date", "score"} and not FeedbackDay.objects.exists()
