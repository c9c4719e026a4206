"""Customers' feedback, below the pages: opening a touchpoint, its code, recording answers once,
repeats excluded, the day's roll-ups, and what the team reads of them."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count

from feedback.models import (
    DailySalt,
    FeedbackDay,
    FeedbackPoint,
    FeedbackReasonDay,
    FeedbackResponse,
)
from feedback.selectors import summaries
from feedback.services import (
    feedback_close,
    feedback_open,
    feedback_rotate,
    feedback_update,
    forget_respondents,
    is_taking_answers,
    point_for_code,
    public_code,
    respondent_hash,
    response_add_details,
    response_record,
)
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from tests.threads import at_once

NOON = datetime(2027, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Stockholm


def new_touchpoint(org, **fields):
    stage = StageFactory(journey=JourneyFactory(organisation=org))
    return TouchpointFactory(stage=stage, **fields)


@pytest.fixture
def touchpoint(nordic):
    return new_touchpoint(nordic, name="Check-in desk")


@pytest.fixture
def point(bob, touchpoint):
    return feedback_open(
        actor=bob, touchpoint=touchpoint, reasons=["Quick", "Friendly staff", "Clear signs"]
    )


def answer(point, face, who="203.0.113.7", **kwargs):
    kwargs.setdefault("now", NOON)
    return response_record(
        point=point,
        submission_id=kwargs.pop("submission_id", uuid.uuid4()),
        face=face,
        respondent=respondent_hash(who, "Firefox", now=kwargs["now"]),
        **kwargs,
    )


def day_row(touchpoint, day=date(2027, 3, 10)):
    return FeedbackDay.objects.get(touchpoint=touchpoint, day=day)


# --- opening, the code ------------------------------------------------------------------------


def test_a_manager_opens_a_touchpoint_and_staff_cannot(bob, carol, touchpoint):
    with pytest.raises(PermissionDenied):
        feedback_open(actor=carol, touchpoint=touchpoint)
    point = feedback_open(actor=bob, touchpoint=touchpoint, question="How was check-in?")
    assert point.is_open and point.question == "How was check-in?"
    assert is_taking_answers(point)
    with pytest.raises(PermissionDenied):
        feedback_rotate(actor=carol, point=point)


def test_another_organisation_cannot_open_or_close_it(mallory, touchpoint, point):
    with pytest.raises(PermissionDenied):
        feedback_open(actor=mallory, touchpoint=touchpoint)
    with pytest.raises(PermissionDenied):
        feedback_close(actor=mallory, point=point)


def test_the_code_is_signed_and_a_forged_one_is_turned_away_without_a_query(
    point, django_assert_num_queries
):
    code = public_code(point)
    assert point_for_code(code) == point
    token, signature = code.split(".")
    for forged in (f"{token}.{'A' * len(signature)}", token, f"x{code}", "", "." * 3):
        with django_assert_num_queries(0):
            assert point_for_code(forged) is None


def test_a_rotated_or_closed_card_takes_no_answers(bob, point):
    old = public_code(point)
    feedback_rotate(actor=bob, point=point)
    assert point_for_code(old) is None
    assert point_for_code(public_code(point)) == point
    feedback_close(actor=bob, point=point)
    assert not is_taking_answers(point)
    with pytest.raises(ValidationError, match="no longer in use"):
        answer(point, 2)
    reopened = feedback_open(actor=bob, touchpoint=point.touchpoint)
    assert reopened.pk == point.pk and public_code(reopened) == public_code(point)


def test_an_archived_journey_takes_no_answers(bob, point):
    from journeys.services import journey_archive

    journey_archive(actor=bob, journey=point.touchpoint.journey)
    point.refresh_from_db()
    assert not is_taking_answers(FeedbackPoint.objects.get(pk=point.pk))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"question": "x" * 201}, "question"),
        ({"reasons": [f"Reason {i}" for i in range(7)]}, "reasons"),
        ({"reasons": ["x" * 61]}, "reasons"),
        ({"reasons": ["Quick", "quick"]}, "reasons"),
        ({"reasons": "Quick"}, "reasons"),
        ({"reasons": [1, 2]}, "reasons"),
        ({"kiosk_pause_seconds": 61}, "kiosk_pause_seconds"),
        ({"question": "Bad\x00"}, "question"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(bob, point, fields, error):
    with pytest.raises(ValidationError) as caught:
        feedback_update(actor=bob, point=point, **fields)
    assert error in caught.value.message_dict
    stored = FeedbackPoint.objects.get(pk=point.pk)
    assert stored.reasons == ["Quick", "Friendly staff", "Clear signs"] and stored.question == ""


# --- answers ------------------------------------------------------------------------------------


def test_an_answer_is_counted_in_its_day(point):
    response, created = answer(point, 2, reason="Quick", comment="Fast and kind")
    assert created and response.counted and response.day == date(2027, 3, 10)
    row = day_row(point.touchpoint)
    assert (row.wows, row.depresses, row.excluded) == (1, 0, 0)
    assert FeedbackReasonDay.objects.get(touchpoint=point.touchpoint, reason="Quick").count == 1


def test_the_same_submission_again_is_stored_once(point):
    submission = uuid.uuid4()
    first, created = answer(point, 1, submission_id=submission)
    again, created_again = answer(point, 1, submission_id=submission)
    assert created and not created_again and again.pk == first.pk
    assert FeedbackResponse.objects.count() == 1
    assert day_row(point.touchpoint).pleases == 1


def test_the_same_submission_for_another_moment_is_refused(bob, nordic, point):
    other = feedback_open(actor=bob, touchpoint=new_touchpoint(nordic))
    submission = uuid.uuid4()
    answer(point, 1, submission_id=submission)
    with pytest.raises(ValidationError) as caught:
        answer(other, 1, submission_id=submission)
    assert "submission_id" in caught.value.message_dict


def test_a_repeat_within_ten_minutes_is_stored_as_excluded(point):
    answer(point, -2)
    repeat, created = answer(point, -2, now=NOON + timedelta(minutes=9))
    assert created and not repeat.counted
    other_person, _ = answer(point, 0, who="198.51.100.1", now=NOON + timedelta(minutes=9))
    later, _ = answer(point, -1, now=NOON + timedelta(minutes=11))
    assert other_person.counted and later.counted
    row = day_row(point.touchpoint)
    assert (row.depresses, row.disappoints, row.neutral, row.excluded) == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"face": 3}, "face"),
        ({"face": -3}, "face"),
        ({"face": True}, "face"),
        ({"face": "2"}, "face"),
        ({"face": 1, "reason": "Cheap"}, "reason"),
        ({"face": 1, "comment": "x" * 10_000}, "comment"),
        ({"face": 1, "comment": "nul\x00"}, "comment"),
    ],
)
def test_bad_answers_are_refused_and_count_nothing(point, kwargs, error):
    face = kwargs.pop("face")
    with pytest.raises(ValidationError) as caught:
        answer(point, face, **kwargs)
    assert error in caught.value.message_dict
    assert not FeedbackResponse.objects.exists() and not FeedbackDay.objects.exists()


def test_a_reason_of_another_touchpoint_is_refused(bob, nordic, point):
    feedback_open(actor=bob, touchpoint=new_touchpoint(nordic), reasons=["Legroom"])
    with pytest.raises(ValidationError):
        answer(point, 1, reason="Legroom")


def test_details_after_the_tap_count_the_reason_once(point):
    response, _ = answer(point, 2)
    response_add_details(
        point=point, submission_id=response.submission_id, reason="Quick", comment="Great"
    )
    response_add_details(
        point=point, submission_id=response.submission_id, reason="Clear signs", comment="Great"
    )
    response.refresh_from_db()
    assert (response.reason, response.comment) == ("Quick", "Great")
    assert list(FeedbackReasonDay.objects.values_list("reason", "count")) == [("Quick", 1)]
    with pytest.raises(ValidationError):
        response_add_details(point=point, submission_id=uuid.uuid4(), reason="Quick")


def test_an_excluded_answer_adds_no_reason(point):
    answer(point, 1)
    repeat, _ = answer(point, 1, now=NOON + timedelta(minutes=1))
    response_add_details(point=point, submission_id=repeat.submission_id, reason="Quick")
    assert not FeedbackReasonDay.objects.exists()


def test_the_day_is_the_organisations_own(point):
    late = datetime(2027, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 March in Stockholm
    response, _ = answer(point, 0, now=late)
    assert response.day == date(2027, 3, 11)


# --- the respondent hash ------------------------------------------------------------------------


def test_the_hash_changes_with_the_day_and_is_forgotten_after_it(point):
    today = respondent_hash("203.0.113.7", "Firefox", now=NOON)
    assert today == respondent_hash("203.0.113.7", "Firefox", now=NOON + timedelta(hours=5))
    tomorrow = respondent_hash("203.0.113.7", "Firefox", now=NOON + timedelta(days=1))
    assert tomorrow != today and "203.0.113.7" not in today
    answer(point, 1)
    assert FeedbackResponse.objects.get().respondent == today
    assert forget_respondents(now=NOON + timedelta(days=1)) == 1
    assert FeedbackResponse.objects.get().respondent == ""
    assert list(DailySalt.objects.values_list("day", flat=True)) == [date(2027, 3, 11)]


# --- what the team reads ------------------------------------------------------------------------


def test_the_summary_of_a_period(point, settings):
    settings.FEEDBACK_MIN_ANSWERS = 4
    faces = [2, 2, 1, 0, -2]
    for i, face in enumerate(faces):
        answer(point, face, who=f"198.51.100.{i}", reason="Quick" if face > 0 else "")
    answer(point, 2, who="198.51.100.0", now=NOON + timedelta(minutes=1))  # a repeat
    summary = summaries([point.touchpoint_id], date(2027, 3, 1), date(2027, 3, 31))[
        point.touchpoint_id
    ]
    assert summary.faces == {-2: 1, -1: 0, 0: 1, 1: 1, 2: 2}
    assert summary.answers == 5 and summary.excluded == 1 and summary.enough
    assert summary.mean == pytest.approx(0.6)
    assert summary.top_two_share == pytest.approx(0.6)
    low, high = summary.interval
    assert -2 <= low < 0.6 < high <= 2
    assert summary.reasons == [("Quick", 3)]
    nothing = summaries([point.touchpoint_id], date(2027, 4, 1), date(2027, 4, 30))
    assert nothing[point.touchpoint_id].answers == 0
    assert nothing[point.touchpoint_id].mean is None and not nothing[point.touchpoint_id].enough


def test_summaries_take_two_queries_whatever_the_number(bob, nordic, django_assert_num_queries):
    points = [feedback_open(actor=bob, touchpoint=new_touchpoint(nordic)) for _ in range(5)]
    for i, point in enumerate(points):
        for j in range(i + 1):
            answer(point, 1, who=f"192.0.2.{j}")
    with django_assert_num_queries(2):
        result = summaries([p.touchpoint_id for p in points], date(2027, 3, 1), date(2027, 3, 31))
    assert [result[p.touchpoint_id].answers for p in points] == [1, 2, 3, 4, 5]


# --- under concurrency --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_roll_ups_equal_the_answers_when_sent_at_once(nordic, bob):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race needs PostgreSQL")
    point = feedback_open(actor=bob, touchpoint=new_touchpoint(nordic))

    def send(worker):
        for i in range(15):
            # half of them a repeat of the worker's previous answer: excluded
            answer(point, (worker + i) % 5 - 2, who=f"10.0.{worker}.{i // 2}")

    assert not at_once(*(lambda w=w: send(w) for w in range(6)))
    assert FeedbackResponse.objects.count() == 90
    raw = dict(
        FeedbackResponse.objects.filter(counted=True)
        .values_list("face")
        .annotate(n=Count("pk"))
        .order_by()
    )
    row = day_row(point.touchpoint)
    assert {face: getattr(row, name) for face, name in FeedbackDay.FACE_FIELDS.items()} == {
        face: raw.get(face, 0) for face in FeedbackDay.FACE_FIELDS
    }
    assert row.excluded == FeedbackResponse.objects.filter(counted=False).count() > 0


@pytest.mark.django_db(transaction=True)
def test_two_taps_of_one_respondent_at_once_are_one_counted_answer(nordic, bob):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race needs PostgreSQL")
    point = feedback_open(actor=bob, touchpoint=new_touchpoint(nordic))
    assert not at_once(*[lambda: answer(point, 2, who="203.0.113.99")] * 4)
    assert sorted(FeedbackResponse.objects.values_list("counted", flat=True)) == [
        False,
        False,
        False,
        True,
    ]
    row = day_row(point.touchpoint)
    assert (row.wows, row.excluded) == (1, 3)


def test_the_admin_shows_points_and_answers_but_adds_or_changes_no_answer(rf, db):
    from django.contrib import admin

    from tests.factories import UserFactory

    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not admin.site._registry[FeedbackPoint].has_add_permission(request)
    for model in (FeedbackResponse, FeedbackDay, FeedbackReasonDay, DailySalt):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)


@pytest.mark.django_db(transaction=True)
def test_the_days_salt_is_read_once_per_process(django_assert_num_queries):
    from datetime import UTC, datetime

    from feedback import services

    day = datetime(2026, 12, 3, 9, tzinfo=UTC)
    first = services.respondent_hash("198.51.100.7", "phone", now=day)
    with django_assert_num_queries(0):  # committed, so kept: no query for the next answer
        assert services.respondent_hash("198.51.100.7", "phone", now=day) == first
        other = services.respondent_hash("198.51.100.8", "phone", now=day)
    assert other != first
    tomorrow = services.respondent_hash("198.51.100.7", "phone", now=day.replace(day=4))
    assert tomorrow != first  # a new day, a new salt
