"""The manager's side of a touchpoint's feedback: opening it (question, reasons, pause,
translations), closing and reopening, a new code, the card and QR code, and what the touchpoint
page says of the customers' answers."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import FeedbackPoint
from feedback.services import public_code, response_record
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory


@pytest.fixture
def touchpoint(nordic):
    stage = StageFactory(journey=JourneyFactory(organisation=nordic, name="Business trip"))
    return TouchpointFactory(stage=stage, name="Check-in desk", rating_current=1)


def base(nordic, touchpoint):
    return f"/o/{nordic.slug}/touchpoints/{touchpoint.pk}/"


def test_a_manager_opens_a_touchpoint_for_feedback(client_for, bob, nordic, touchpoint):
    client = client_for(bob)
    page = client.get(base(nordic, touchpoint) + "feedback/")
    assert page.status_code == 200 and "Ask customers how this moment went" in page.content.decode()
    answer = client.post(
        base(nordic, touchpoint) + "feedback/",
        {
            "question": "How was check-in?",
            "reasons": "Quick\n\nFriendly staff\n",
            "kiosk_pause_seconds": "5",
            "question_sv": "Hur var incheckningen?",
            "reasons_sv": "Snabbt\nVänlig personal",
        },
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#customers-say")
    point = FeedbackPoint.objects.get(touchpoint=touchpoint)
    assert point.is_open and point.question == "How was check-in?"
    assert point.reasons == ["Quick", "Friendly staff"] and point.kiosk_pause_seconds == 5
    assert point.translations == {
        "sv": {"question": "Hur var incheckningen?", "reasons": ["Snabbt", "Vänlig personal"]}
    }
    body = client.get(base(nordic, touchpoint)).content.decode()
    assert "Open for feedback" in body
    assert f"/f/{public_code(point)}/?via=link" in body  # the link for emails and receipts
    assert "/kiosk/" in body and "Printable feedback card" in body


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"reasons": "\n".join(f"r{i}" for i in range(7))}, "at most 6 reasons"),
        ({"reasons": "Quick\nquick"}, "Each reason once"),
        ({"kiosk_pause_seconds": "99"}, "from 0 to 60 seconds"),
        ({"kiosk_pause_seconds": "soon"}, "from 0 to 60 seconds"),
        ({"question": "x" * 201}, "200 characters"),
        ({"reasons": "Quick", "reasons_fi": "Nopea\nYstävällinen"}, "more reasons than the 1"),
    ],
)
def test_bad_settings_are_said_and_change_nothing(
    client_for, bob, nordic, touchpoint, fields, message
):
    data = {"question": "", "reasons": "Quick", "kiosk_pause_seconds": "3", **fields}
    page = client_for(bob).post(base(nordic, touchpoint) + "feedback/", data)
    assert page.status_code == 200 and message in page.content.decode()
    assert not FeedbackPoint.objects.exists()


def test_close_reopen_and_a_new_code(client_for, bob, nordic, touchpoint, client):
    manager = client_for(bob)
    manager.post(
        base(nordic, touchpoint) + "feedback/", {"reasons": "", "kiosk_pause_seconds": "3"}
    )
    point = FeedbackPoint.objects.get()
    card = f"/f/{public_code(point)}/"
    assert client.get(card).status_code == 200
    manager.post(base(nordic, touchpoint) + "feedback/close/")
    assert client.get(card).status_code == 410
    assert "Closed for feedback" in manager.get(base(nordic, touchpoint)).content.decode()
    manager.post(base(nordic, touchpoint) + "feedback/reopen/")
    assert client.get(card).status_code == 200
    confirm = manager.get(base(nordic, touchpoint) + "feedback/new-code/")
    assert "stop taking answers" in confirm.content.decode()
    manager.post(base(nordic, touchpoint) + "feedback/new-code/")
    point.refresh_from_db()
    assert client.get(card).status_code == 404
    assert client.get(f"/f/{public_code(point)}/").status_code == 200


def test_the_feedback_card_and_its_qr_code(client_for, carol, bob, nordic, touchpoint):
    client_for(bob).post(
        base(nordic, touchpoint) + "feedback/", {"reasons": "", "kiosk_pause_seconds": "3"}
    )
    staff = client_for(carol)
    card = staff.get(base(nordic, touchpoint) + "feedback/card/").content.decode()
    assert "Tell us how we did" in card and "How was Check-in desk today?" in card
    assert "Got an idea" not in card  # not the staff's idea card
    svg = staff.get(base(nordic, touchpoint) + "feedback/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = staff.get(base(nordic, touchpoint) + "feedback/qr.png")
    assert png.content.startswith(b"\x89PNG")


def test_no_feedback_yet_and_no_point_is_a_404_for_its_screens(client_for, bob, nordic, touchpoint):
    client = client_for(bob)
    body = client.get(base(nordic, touchpoint)).content.decode()
    assert "Customers are not asked about this moment yet." in body and "Ask customers" in body
    for path in ("feedback/card/", "feedback/qr.svg", "feedback/new-code/"):
        assert client.get(base(nordic, touchpoint) + path).status_code == 404


def answer(point, face, count, *, days_ago=0):
    now = timezone.now() - timedelta(days=days_ago)
    for i in range(count):
        response_record(
            point=point,
            submission_id=uuid.uuid4(),
            face=face,
            respondent=f"r{face}-{days_ago}-{i}",
            now=now,
        )


def test_the_touchpoint_page_says_too_few_answers_then_the_figures(
    client_for, bob, nordic, touchpoint
):
    client = client_for(bob)
    client.post(base(nordic, touchpoint) + "feedback/", {"reasons": "", "kiosk_pause_seconds": "3"})
    point = FeedbackPoint.objects.get()
    answer(point, -1, 12)
    body = client.get(base(nordic, touchpoint)).content.decode()
    assert "too few answers (12 of 30)" in body and "customers disagree" not in body
    answer(point, -1, 20, days_ago=20)
    answer(point, -2, 8, days_ago=40)
    answer(point, 2, 5, days_ago=120)  # outside the 90 days
    body = client.get(base(nordic, touchpoint)).content.decode()
    assert "40 answers" in body and "\u22121.2" in body  # mean of 32 x -1 and 8 x -2
    assert "0% good" in body
    assert "customers disagree" in body  # the team says +1
    assert 'class="fb-chart"' in body and "dashed line is the team" in body


def test_the_board_shows_customers_beside_the_team_and_where_they_disagree(
    client_for, bob, carol, nordic, touchpoint
):
    client = client_for(bob)
    client.post(base(nordic, touchpoint) + "feedback/", {"reasons": "", "kiosk_pause_seconds": "3"})
    point = FeedbackPoint.objects.get()
    board = f"/o/{nordic.slug}/journeys/{touchpoint.journey_id}/"
    answer(point, 0, 10)
    body = client.get(board).content.decode()
    assert "too few answers (10 of 30)" in body and "Where customers disagree" not in body
    answer(point, -1, 25, days_ago=3)
    body = client_for(carol).get(board).content.decode()  # a new card: the counts changed
    assert "35 answers" in body and "customers disagree" in body
    assert "Where customers disagree" in body and "#customers-say" in body
