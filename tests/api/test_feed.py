"""POST /api/v1/orgs/<org>/touchpoints/feed/: the bulk feed, and external_id over the API."""

import json

import pytest
from django.conf import settings

from tests.api.test_bad_input import ODD_VALUES
from tests.touchpoints.test_feed import make_touchpoints, rows_for, snapshot
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.services import FEED_MAX_ROWS

BASE = "/api/v1/orgs/nordic-air"
FEED = f"{BASE}/touchpoints/feed/"


def post(client, body, url=FEED):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def feeder(token_client, bob, nordic):
    return token_client(bob, nordic)


def test_feed_answers_counts_and_the_etag_moves(feeder, nordic):
    make_touchpoints(nordic, 3)
    response = post(
        feeder,
        {
            "rows": [
                {"external_id": "tp-0", "contacts_per_day": 900, "rating_current": -1},
                {"external_id": "tp-1", "rating_current": 0},  # as it is
                {"external_id": "tp-2", "contacts_per_day": 7},
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 3, "updated": 2, "unchanged": 1}
    tp = Touchpoint.objects.get(external_id="tp-0")
    detail = feeder.get(f"{BASE}/touchpoints/{tp.pk}/")
    assert detail["ETag"] == '"2"'
    assert detail.json()["contacts_per_day"] == 900
    assert detail.json()["external_id"] == "tp-0"


def test_the_same_request_twice_changes_nothing_the_second_time(feeder, nordic):
    make_touchpoints(nordic, 20)
    body = {"rows": rows_for(20)}
    assert post(feeder, body).json()["updated"] == 20
    before, history = snapshot(nordic), TouchpointChange.objects.count()
    response = post(feeder, body)
    assert response.json() == {"received": 20, "updated": 0, "unchanged": 20}
    assert snapshot(nordic) == before
    assert TouchpointChange.objects.count() == history


def test_one_bad_row_among_500_is_a_400_naming_it_and_nothing_changes(feeder, nordic):
    make_touchpoints(nordic, 501)
    before = snapshot(nordic)
    rows = rows_for(501)
    rows[321] = {"external_id": "tp-321", "contacts_per_day": "many"}
    response = post(feeder, {"rows": rows})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errors", "detail"}
    assert body["detail"] == "1 row has errors; nothing was changed."
    [error] = body["errors"]["rows"]
    assert error["index"] == 321 and error["external_id"] == "tp-321"
    assert list(error["errors"]) == ["contacts_per_day"]
    assert snapshot(nordic) == before


def test_ten_thousand_rows_with_long_ids_fit_the_default_body_limit(feeder, nordic):
    prefix = "x" * 95 + "-"
    make_touchpoints(nordic, FEED_MAX_ROWS, prefix=prefix)
    rows = rows_for(FEED_MAX_ROWS, prefix=prefix, contacts_per_day=1_000_000, rating_current=2)
    body = json.dumps({"rows": rows}, indent=2)
    assert len(body) < settings.API_MAX_BODY_BYTES
    response = post(feeder, body)
    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"received": 10_000, "updated": 10_000, "unchanged": 0}


def test_ten_thousand_and_one_rows_are_a_400_with_a_clear_message(feeder, nordic):
    make_touchpoints(nordic, 1)
    response = post(feeder, {"rows": rows_for(FEED_MAX_ROWS + 1)})
    assert response.status_code == 400
    [message] = response.json()["errors"]["rows"]
    assert "At most 10,000 rows" in message and "10,001" in message
    assert Touchpoint.objects.get().version == 1


def test_a_ten_megabyte_body_is_a_413(feeder, nordic):
    make_touchpoints(nordic, 1)
    body = json.dumps({"rows": [{"external_id": "tp-0", "contacts_per_day": 1}] * 220_000})
    assert len(body) > 10_000_000
    response = post(feeder, body)
    assert response.status_code == 413
    assert Touchpoint.objects.get().version == 1


@pytest.mark.parametrize(
    "body",
    [
        "{bad json",
        '{"rows": [',
        "[]",
        "{}",
        '{"rows": "all"}',
        '{"rows": {"external_id": "tp-0"}}',
        '{"rows": null}',
        '{"rows": [], "dry_run": true}',
        '{"rows": [{"\\ud800": 1, "external_id": "tp-0", "rating_current": 1}]}',
        '{"rows": [{"external_id": "tp-\\udc00", "rating_current": 1}]}',
        "[" * 5000,
    ],
)
def test_a_malformed_body_is_a_400(body, feeder, nordic):
    make_touchpoints(nordic, 1)
    response = post(feeder, body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"errors", "detail"}
    assert Touchpoint.objects.get().version == 1


@pytest.mark.parametrize("value", list(ODD_VALUES))
def test_odd_values_in_every_row_field_are_row_errors_never_a_500(value, feeder, nordic):
    make_touchpoints(nordic, 1)
    odd = ODD_VALUES[value]
    rows = [
        odd,
        {"external_id": odd, "contacts_per_day": 1},
        {"external_id": "tp-0", "contacts_per_day": odd},
        {"external_id": "tp-0", "rating_current": odd},
        {"external_id": "tp-0", "rating_current": 1, "colour": odd},
    ]
    response = post(feeder, {"rows": rows})
    assert response.status_code == 400, response.content[:300]
    assert [e["index"] for e in response.json()["errors"]["rows"]][0] == 0
    assert Touchpoint.objects.get().version == 1


def test_staff_and_read_only_tokens_get_403(token_client, client_for, carol, alice, nordic):
    make_touchpoints(nordic, 1)
    body = {"rows": rows_for(1)}
    assert post(client_for(carol), body).status_code == 403
    assert post(token_client(alice, nordic, read_only=True), body).status_code == 403
    assert Touchpoint.objects.get().version == 1


def test_another_organisations_external_id_is_a_row_error_that_says_nothing_of_it(
    token_client, mallory, other_org, nordic
):
    make_touchpoints(nordic, 1, prefix="nordic-")
    make_touchpoints(other_org, 1, prefix="mm-")
    client = token_client(mallory, other_org)
    url = "/api/v1/orgs/mallory-mart/touchpoints/feed/"
    theirs = post(client, {"rows": [{"external_id": "nordic-0", "rating_current": 2}]}, url)
    nowhere = post(client, {"rows": [{"external_id": "nowhere-0", "rating_current": 2}]}, url)
    assert theirs.status_code == nowhere.status_code == 400
    assert (
        theirs.json()["errors"]["rows"][0]["errors"]
        == (nowhere.json()["errors"]["rows"][0]["errors"])
    )
    assert "Nordic" not in theirs.content.decode()
    nordic_tp = Touchpoint.objects.get(organisation=nordic)
    assert (nordic_tp.rating_current, nordic_tp.version) == (0, 1)
    # And her token on Nordic Air's address: 404, as for everything there.
    assert (
        post(client, {"rows": [{"external_id": "nordic-0", "rating_current": 2}]}).status_code
        == 404
    )


def test_queries_do_not_grow_within_a_batch(feeder, nordic, django_assert_max_num_queries):
    make_touchpoints(nordic, 1000)
    with django_assert_max_num_queries(40):
        response = post(feeder, {"rows": rows_for(1000)})
    assert response.json()["updated"] == 1000


# --- external_id on touchpoints ------------------------------------------------------------


def test_external_id_is_read_and_written_and_unique_in_the_organisation(feeder, journey):
    stage = journey.stages.first()
    create = {"journey": str(journey.pk), "stage": str(stage.pk), "name": "Kiosk"}
    response = post(feeder, {**create, "external_id": " kiosk-1 "}, f"{BASE}/touchpoints/")
    assert response.status_code == 201, response.content
    assert response.json()["external_id"] == "kiosk-1"
    response = post(feeder, {**create, "external_id": "kiosk-1"}, f"{BASE}/touchpoints/")
    assert response.status_code == 400
    assert "external ID" in response.json()["errors"]["external_id"][0]
    desk = journey.touchpoints.get(name="Check-in desk")
    response = feeder.patch(
        f"{BASE}/touchpoints/{desk.pk}/",
        json.dumps({"external_id": "kiosk-1"}),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert "external_id" in response.json()["errors"]
    desk.refresh_from_db()
    assert (desk.external_id, desk.version) == ("", 1)
    response = feeder.patch(
        f"{BASE}/touchpoints/{desk.pk}/",
        json.dumps({"external_id": "desk-1"}),
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    assert response.json()["external_id"] == "desk-1"
    response = post(feeder, {**create, "external_id": "x" * 101}, f"{BASE}/touchpoints/")
    assert response.status_code == 400


def test_the_documented_row_is_the_row_the_service_checks():
    """The feed's rows are checked once, by touchpoints.services with FEED_VALUES (every error
    of every row); the row serializer is built from the same FEED_VALUES to document them."""
    from api.serializers import TouchpointFeedRowSerializer
    from touchpoints.models import MAX_CONTACTS_PER_DAY, Rating, Touchpoint
    from touchpoints.services import FEED_ROW_FIELDS, _feed_row

    fields = TouchpointFeedRowSerializer().fields
    assert tuple(fields) == FEED_ROW_FIELDS
    assert fields["external_id"].max_length == Touchpoint._meta.get_field("external_id").max_length
    assert (fields["contacts_per_day"].min_value, fields["contacts_per_day"].max_value) == (
        0,
        MAX_CONTACTS_PER_DAY,
    )
    assert list(fields["rating_current"].choices) == Rating.values
    # and the service takes exactly what is documented
    for value, ok in (
        (0, True),
        (MAX_CONTACTS_PER_DAY, True),
        (-1, False),
        (MAX_CONTACTS_PER_DAY + 1, False),
    ):
        _ext, values, errors = _feed_row({"external_id": "x", "contacts_per_day": value})
        assert ("contacts_per_day" in values) is ok and ("contacts_per_day" in errors) is not ok
    for value in range(-3, 4):
        _ext, values, errors = _feed_row({"external_id": "x", "rating_current": value})
        assert ("rating_current" in values) is (value in Rating.values)
    assert (
        "0 to" in _feed_row({"external_id": "x", "contacts_per_day": -1})[2]["contacts_per_day"][0]
    )
