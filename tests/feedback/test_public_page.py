"""The customer's page at a moment, /f/<code>/: the faces, the optional details, the thanks;
no cookie, a form token of its own, every bad input a clear answer that counts nothing."""

import re
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from feedback.models import FeedbackResponse
from feedback.services import feedback_close, feedback_open, feedback_rotate, public_code
from feedback.views import _form_token
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from tests.feedback import new_address

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture
def point(bob, nordic):
    stage = StageFactory(journey=JourneyFactory(organisation=nordic, name="Business trip"))
    touchpoint = TouchpointFactory(stage=stage, name="Check-in desk")
    return feedback_open(actor=bob, touchpoint=touchpoint, reasons=["Quick", "Friendly staff"])


@pytest.fixture
def customer():
    return Client(HTTP_USER_AGENT="Mozilla/5.0 (phone)", REMOTE_ADDR=new_address())


def url(point):
    return f"/f/{public_code(point)}/"


def token_on(page):
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode())[1]


def tap(customer, point, face, **extra):
    page = customer.get(url(point))
    return customer.post(url(point), {"form_token": token_on(page), "face": face, **extra})


def test_the_page_asks_one_question_with_five_faces_and_sets_no_cookie(customer, point):
    page = customer.get(url(point))
    assert page.status_code == 200
    body = page.content.decode()
    assert "How was Check-in desk today?" in body
    for word in ("Very bad", "Bad", "OK", "Good", "Excellent"):
        assert word in body
    assert body.count('name="face"') == 5
    assert not page.cookies and "Set-Cookie" not in page
    assert page["X-Robots-Tag"] == "noindex"
    # nothing of the organisation beyond the moment's public name and question
    assert "Nordic Air" not in body and "Business trip" not in body


def test_the_page_is_light_one_stylesheet_and_no_script(customer, point):
    body = customer.get(url(point)).content
    assert b"<script" not in body
    assert len(re.findall(rb'rel="stylesheet"', body)) == 1
    css = (STATIC / "css" / "feedback.css").stat().st_size
    assert len(body) + css < 30_000


def test_a_tap_then_the_details_then_thanks(customer, point):
    details = tap(customer, point, "2")
    assert details.status_code == 200 and "What mattered most?" in details.content.decode()
    response = FeedbackResponse.objects.get()
    assert (response.face, response.counted, response.channel) == (2, True, "qr")
    assert response.respondent and customer.defaults["REMOTE_ADDR"] not in response.respondent
    thanks = customer.post(
        url(point),
        {
            "form_token": token_on(details),
            "step": "details",
            "reason": "Quick",
            "comment": "Fast and kind",
        },
    )
    assert thanks.status_code == 200 and "Thank you!" in thanks.content.decode()
    response.refresh_from_db()
    assert (response.reason, response.comment) == ("Quick", "Fast and kind")
    assert not customer.cookies


def test_the_same_tap_sent_twice_is_one_answer(customer, point):
    page = customer.get(url(point))
    for _ in range(2):
        again = customer.post(url(point), {"form_token": token_on(page), "face": "1"})
        assert again.status_code == 200
    assert FeedbackResponse.objects.count() == 1


def test_a_link_in_an_email_says_where_the_answer_came_from(customer, point):
    page = customer.get(url(point) + "?via=link")
    customer.post(url(point), {"form_token": token_on(page), "face": "0", "via": "link"})
    assert FeedbackResponse.objects.get().channel == "link"


@pytest.mark.parametrize("token", ["", "forged", None])
def test_a_post_without_the_pages_token_is_refused_and_counts_nothing(customer, point, token):
    data = {"face": "2"} if token is None else {"face": "2", "form_token": token}
    refused = customer.post(url(point), data)
    assert refused.status_code == 400
    assert "out of date" in refused.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_a_token_made_for_another_card_is_refused(bob, nordic, customer, point):
    other = feedback_open(
        actor=bob,
        touchpoint=TouchpointFactory(stage=StageFactory(journey=point.touchpoint.journey)),
    )
    refused = customer.post(
        url(point), {"form_token": _form_token(other, uuid.uuid4()), "face": "2"}
    )
    assert refused.status_code == 400 and not FeedbackResponse.objects.exists()


@pytest.mark.parametrize("face", ["7", "-3", "", "two", "1.5", "9" * 5000, "\x00"])
def test_a_face_outside_the_five_is_a_clear_answer(customer, point, face):
    refused = tap(customer, point, face)
    assert refused.status_code == 400
    assert "Tap one of the five faces." in refused.content.decode()
    assert not FeedbackResponse.objects.exists()


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"comment": "x" * 10_000}, "Keep the comment to 500 characters"),
        ({"comment": "nul\x00"}, "control characters"),
        ({"reason": "Legroom"}, "Choose one of the reasons shown."),
    ],
)
def test_bad_details_keep_the_answer_and_say_what_is_wrong(customer, point, details, message):
    page = tap(customer, point, "-1")
    refused = customer.post(
        url(point), {"form_token": token_on(page), "step": "details", **details}
    )
    assert refused.status_code == 400 and message in refused.content.decode()
    response = FeedbackResponse.objects.get()
    assert (response.face, response.reason, response.comment) == (-1, "", "")


def test_a_rotated_or_closed_card_says_it_is_no_longer_in_use(bob, customer, point):
    old = url(point)
    feedback_rotate(actor=bob, point=point)
    for address in (old, "/f/made-up.code/", "/f/x/"):
        page = customer.get(address)
        assert page.status_code == 404 and "no longer in use" in page.content.decode()
    feedback_close(actor=bob, point=point)
    page = customer.post(url(point), {"face": "2"})
    assert page.status_code == 410 and "no longer in use" in page.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_a_flood_from_one_address_is_answered_429(customer, point, settings, one_minute):
    settings.FEEDBACK_POSTS_PER_MINUTE = 5
    page = customer.get(url(point))
    answers = [
        customer.post(url(point), {"form_token": token_on(page), "face": "2"}).status_code
        for _ in range(8)
    ]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
    assert FeedbackResponse.objects.count() == 1  # one submission, however often sent
    another = Client(REMOTE_ADDR="198.51.100.2")
    assert another.get(url(point)).status_code == 200


def test_only_get_and_post(customer, point):
    assert customer.put(url(point)).status_code == 405
    assert django_settings.FEEDBACK_POSTS_PER_MINUTE >= 1


def test_the_details_step_keeps_the_answer_when_the_tap_never_arrived(customer, point):
    page = customer.get(url(point))
    thanks = customer.post(
        url(point),
        {
            "form_token": token_on(page),
            "step": "details",
            "face": "-2",
            "reason": "Quick",
            "comment": "Not quick at all",
        },
    )
    assert thanks.status_code == 200 and "Thank you!" in thanks.content.decode()
    response = FeedbackResponse.objects.get()
    assert (response.face, response.reason, response.comment) == (-2, "Quick", "Not quick at all")


class OneMinute:
    """The burst limit's clock held in one minute, however long a flood takes to send (a test
    that crossed into the next minute would see the count start again)."""

    monotonic = staticmethod(time.monotonic)

    def __init__(self):
        self.at = time.time()

    def time(self):
        return self.at


@pytest.fixture
def one_minute(monkeypatch):
    from motmap import ratelimit

    monkeypatch.setattr(ratelimit, "time", OneMinute())


def test_a_flood_of_1000_posts_in_a_minute_counts_each_answer_once(point, one_minute):
    """The issue's flood, at the default limit: fresh pages (new submissions) and resends from
    one address. Within the limit each submission is stored once (the same person's later
    ones as excluded repeats); beyond it every post is a 429 that stores nothing; the roll-up
    equals the rows."""
    from feedback.models import FeedbackDay

    customer = Client(HTTP_USER_AGENT="Mozilla/5.0 (phone)", REMOTE_ADDR=new_address())
    limit = django_settings.FEEDBACK_POSTS_PER_MINUTE
    tokens = [token_on(customer.get(url(point))) for _ in range(limit)]
    answers = [
        customer.post(url(point), {"form_token": tokens[i % limit], "face": str(i % 5 - 2)})
        for i in range(1000)
    ]
    codes = [answer.status_code for answer in answers]
    assert codes[:limit] == [200] * limit and set(codes[limit:]) == {429}
    assert all(a["Retry-After"].isdigit() for a in answers[limit:])
    assert FeedbackResponse.objects.count() == limit  # one row per submission
    assert FeedbackResponse.objects.filter(counted=True).count() == 1  # one person, one answer
    day = FeedbackDay.objects.get()
    counted = day.depresses + day.disappoints + day.neutral + day.pleases + day.wows
    assert (counted, day.excluded, day.throttled) == (1, limit - 1, 1000 - limit)
