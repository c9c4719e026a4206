"""The bulk feed (touchpoint_feed) and the external ID it finds touchpoints by."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from tests.touchpoints.test_touchpoints import form_data
from touchpoints import services
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.services import FEED_MAX_ROWS, FeedRejected, touchpoint_feed


def make_touchpoints(org, n, prefix="tp-"):
    """n touchpoints of `org` with external IDs prefix0, prefix1, ... (rating 0, 100 a day)."""
    journey = JourneyFactory(organisation=org, name=f"Feed {prefix}")
    stage = StageFactory(journey=journey, name="Stage", position=1)
    Touchpoint.objects.bulk_create(
        (
            Touchpoint(
                organisation=org,
                journey=journey,
                stage=stage,
                position=i + 1,
                name=f"Touchpoint {i}",
                external_id=f"{prefix}{i}",
                rating_current=0,
                contacts_per_day=100,
            )
            for i in range(n)
        ),
        batch_size=1000,
    )
    return journey


def rows_for(n, prefix="tp-", **values):
    values = values or {"contacts_per_day": 250, "rating_current": 1}
    return [{"external_id": f"{prefix}{i}", **values} for i in range(n)]


def snapshot(org):
    return list(
        Touchpoint.objects.filter(organisation=org)
        .order_by("pk")
        .values_list("pk", "contacts_per_day", "rating_current", "version", "updated_at")
    )


def rejected(actor, org, rows):
    with pytest.raises(FeedRejected) as caught:
        touchpoint_feed(actor=actor, organisation=org, rows=rows)
    return caught.value.rows


# --- the feed ------------------------------------------------------------------------------


def test_feed_sets_values_bumps_versions_and_records_rating_history(bob, nordic):
    make_touchpoints(nordic, 3)
    result = touchpoint_feed(
        actor=bob,
        organisation=nordic,
        rows=[
            {"external_id": "tp-0", "contacts_per_day": 900, "rating_current": -2},
            {"external_id": "tp-1", "contacts_per_day": 40},
            {"external_id": " tp-2 ", "rating_current": 2},
        ],
    )
    assert result == {"received": 3, "updated": 3, "unchanged": 0}
    tps = {tp.external_id: tp for tp in Touchpoint.objects.filter(organisation=nordic)}
    assert (tps["tp-0"].contacts_per_day, tps["tp-0"].rating_current) == (900, -2)
    assert (tps["tp-1"].contacts_per_day, tps["tp-1"].rating_current) == (40, 0)
    assert (tps["tp-2"].contacts_per_day, tps["tp-2"].rating_current) == (100, 2)
    assert {tp.version for tp in tps.values()} == {2}
    changes = TouchpointChange.objects.order_by("touchpoint__external_id")
    # History for the tracked field (the rating), by whom; contacts per day is not tracked.
    assert [
        (c.touchpoint.external_id, c.field, c.old_value, c.new_value, c.actor) for c in changes
    ] == [
        ("tp-0", "rating_current", "0", "-2", bob),
        ("tp-2", "rating_current", "0", "2", bob),
    ]


def test_the_same_feed_twice_changes_nothing_the_second_time(bob, nordic):
    make_touchpoints(nordic, 50)
    rows = rows_for(50)
    assert touchpoint_feed(actor=bob, organisation=nordic, rows=rows)["updated"] == 50
    before, history = snapshot(nordic), TouchpointChange.objects.count()
    result = touchpoint_feed(actor=bob, organisation=nordic, rows=rows)
    assert result == {"received": 50, "updated": 0, "unchanged": 50}
    assert snapshot(nordic) == before  # versions and updated_at untouched
    assert TouchpointChange.objects.count() == history


def test_only_rows_that_differ_are_written(bob, nordic):
    make_touchpoints(nordic, 3)
    result = touchpoint_feed(
        actor=bob,
        organisation=nordic,
        rows=[
            {"external_id": "tp-0", "contacts_per_day": 100, "rating_current": 0},  # as it is
            {"external_id": "tp-1", "contacts_per_day": 100},  # as it is
            {"external_id": "tp-2", "contacts_per_day": 101},
        ],
    )
    assert result == {"received": 3, "updated": 1, "unchanged": 2}
    versions = dict(Touchpoint.objects.values_list("external_id", "version"))
    assert versions == {"tp-0": 1, "tp-1": 1, "tp-2": 2}
    assert not TouchpointChange.objects.exists()


def test_one_bad_row_among_500_changes_nothing_and_is_named(bob, nordic):
    make_touchpoints(nordic, 501)
    before = snapshot(nordic)
    rows = rows_for(501)
    rows[250]["rating_current"] = 7
    errors = rejected(bob, nordic, rows)
    assert len(errors) == 1
    assert errors[0]["index"] == 250
    assert errors[0]["external_id"] == "tp-250"
    assert list(errors[0]["errors"]) == ["rating_current"]
    assert "-2, -1, 0, 1, 2" in errors[0]["errors"]["rating_current"][0]
    assert snapshot(nordic) == before
    assert not TouchpointChange.objects.exists()


def test_a_touchpoint_gone_before_the_write_rolls_back_every_row(bob, nordic, monkeypatch):
    """A touchpoint gone between the check and the write (deleted in the same transaction, or
    on SQLite by another, which has no row locks): nothing stays written."""
    make_touchpoints(nordic, 2_000)
    before = snapshot(nordic)
    real_check = services._feed_check

    def check_then_delete(organisation, rows):
        checked, stored = real_check(organisation, rows)
        Touchpoint.objects.filter(pk=checked[-1][0]).delete()
        return checked, stored

    monkeypatch.setattr(services, "_feed_check", check_then_delete)
    errors = rejected(bob, nordic, rows_for(2_000))
    assert len(errors) == 1 and "meanwhile" in errors[0]["errors"]["external_id"][0]
    assert errors[0]["index"] == 1_999
    assert snapshot(nordic) == before  # the other rows' writes (and the delete) rolled back
    assert not TouchpointChange.objects.exists()


BAD_ROWS = [
    ({"external_id": "tp-0", "contacts_per_day": 5, "colour": "red"}, "colour"),
    ({"external_id": "tp-0", "contacts_per_day": "5"}, "contacts_per_day"),
    ({"external_id": "tp-0", "contacts_per_day": 5.0}, "contacts_per_day"),
    ({"external_id": "tp-0", "contacts_per_day": True}, "contacts_per_day"),
    ({"external_id": "tp-0", "contacts_per_day": -1}, "contacts_per_day"),
    ({"external_id": "tp-0", "contacts_per_day": 2**31}, "contacts_per_day"),
    ({"external_id": "tp-0", "contacts_per_day": None}, "contacts_per_day"),
    ({"external_id": "tp-0", "rating_current": 3}, "rating_current"),
    ({"external_id": "tp-0", "rating_current": "wows"}, "rating_current"),
    ({"external_id": "tp-0", "rating_current": [1]}, "rating_current"),
    ({"external_id": "tp-0"}, "non_field_errors"),
    ({"contacts_per_day": 5}, "external_id"),
    ({"external_id": "", "contacts_per_day": 5}, "external_id"),
    ({"external_id": "   ", "contacts_per_day": 5}, "external_id"),
    ({"external_id": 17, "contacts_per_day": 5}, "external_id"),
    ({"external_id": None, "contacts_per_day": 5}, "external_id"),
    ({"external_id": "no-such-id", "contacts_per_day": 5}, "external_id"),
    ({"external_id": "tp-\x00", "contacts_per_day": 5}, "external_id"),
    ({"external_id": "tp-\ud800", "contacts_per_day": 5}, "external_id"),
    ({"external_id": "x" * 101, "contacts_per_day": 5}, "external_id"),
    ("tp-0", "non_field_errors"),
    (None, "non_field_errors"),
    ([{"external_id": "tp-0"}], "non_field_errors"),
]


@pytest.mark.parametrize("row,field", BAD_ROWS, ids=[str(i) for i in range(len(BAD_ROWS))])
def test_bad_rows_get_a_field_error_and_change_nothing(row, field, bob, nordic):
    make_touchpoints(nordic, 2)
    before = snapshot(nordic)
    errors = rejected(bob, nordic, [{"external_id": "tp-1", "rating_current": 2}, row])
    assert [e["index"] for e in errors] == [1]
    assert field in errors[0]["errors"], errors
    assert all(isinstance(m, str) and m for ms in errors[0]["errors"].values() for m in ms)
    assert snapshot(nordic) == before


def test_every_bad_row_is_listed_in_order(bob, nordic):
    make_touchpoints(nordic, 5)
    rows = rows_for(5)
    rows[1] = {"external_id": "tp-1", "contacts_per_day": -5, "extra": 1}
    rows[3] = {"external_id": "tp-0", "rating_current": 1}  # tp-0 again
    rows.append({"external_id": "nope", "rating_current": 1})
    errors = rejected(bob, nordic, rows)
    assert [(e["index"], e["external_id"]) for e in errors] == [
        (1, "tp-1"),
        (3, "tp-0"),
        (5, "nope"),
    ]
    assert set(errors[0]["errors"]) == {"contacts_per_day", "extra"}
    assert "Row 0" in errors[1]["errors"]["external_id"][0]


def test_another_organisations_external_id_is_unknown_and_untouched(bob, nordic, other_org):
    make_touchpoints(other_org, 1, prefix="mm-")
    make_touchpoints(nordic, 1)
    errors = rejected(bob, nordic, [{"external_id": "mm-0", "rating_current": 2}])
    unknown = rejected(bob, nordic, [{"external_id": "never-was", "rating_current": 2}])
    # Word for word what an ID that exists nowhere gets: nothing says it exists elsewhere.
    assert errors[0]["errors"] == unknown[0]["errors"]
    theirs = Touchpoint.objects.get(organisation=other_org)
    assert (theirs.rating_current, theirs.version) == (0, 1)


def test_the_same_external_id_may_be_used_by_two_organisations(bob, nordic, other_org):
    make_touchpoints(other_org, 1)
    make_touchpoints(nordic, 1)
    assert (
        touchpoint_feed(
            actor=bob, organisation=nordic, rows=[{"external_id": "tp-0", "rating_current": 2}]
        )["updated"]
        == 1
    )
    assert Touchpoint.objects.get(organisation=other_org).rating_current == 0


def test_staff_may_not_feed(carol, nordic):
    make_touchpoints(nordic, 1)
    with pytest.raises(PermissionDenied):
        touchpoint_feed(actor=carol, organisation=nordic, rows=rows_for(1))
    assert Touchpoint.objects.get().version == 1


def test_rows_must_be_a_list(bob, nordic):
    with pytest.raises(ValidationError) as caught:
        touchpoint_feed(actor=bob, organisation=nordic, rows={"external_id": "x"})
    assert "rows" in caught.value.message_dict


def test_an_empty_feed_is_fine(bob, nordic):
    assert touchpoint_feed(actor=bob, organisation=nordic, rows=[]) == {
        "received": 0,
        "updated": 0,
        "unchanged": 0,
    }


def test_ten_thousand_rows_are_fed(bob, nordic):
    make_touchpoints(nordic, FEED_MAX_ROWS)
    result = touchpoint_feed(actor=bob, organisation=nordic, rows=rows_for(FEED_MAX_ROWS))
    assert result == {"received": 10_000, "updated": 10_000, "unchanged": 0}
    assert not Touchpoint.objects.filter(organisation=nordic).exclude(version=2).exists()
    assert TouchpointChange.objects.count() == 10_000


def test_ten_thousand_and_one_rows_are_refused_before_any_row_is_read(
    bob, nordic, django_assert_max_num_queries
):
    rows = rows_for(FEED_MAX_ROWS + 1)
    with django_assert_max_num_queries(4), pytest.raises(ValidationError) as caught:
        touchpoint_feed(actor=bob, organisation=nordic, rows=rows)
    assert not isinstance(caught.value, FeedRejected)
    message = caught.value.message_dict["rows"][0]
    assert "10,000" in message and "10,001" in message


def _queries_for(actor, org, n, rating):
    with CaptureQueriesContext(connection) as ctx:
        result = touchpoint_feed(
            actor=actor,
            organisation=org,
            rows=rows_for(n, contacts_per_day=n, rating_current=rating),
        )
    assert result["updated"] == n
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_rows_on_postgresql(bob, nordic):
    make_touchpoints(nordic, 3_000)
    # Every row changes every time (rating 0 -> 1 -> 2 -> -1): an UPDATE and history each.
    one, two, three = (
        _queries_for(bob, nordic, n * 1_000, rating) for n, rating in ((1, 1), (2, 2), (3, -1))
    )
    if connection.vendor == "postgresql":
        # the role check, the savepoint, find and lock, update, history, the audit entry: the
        # same for all
        assert one == two == three <= 7
    else:
        # SQLite caps the parameters of one statement (999 in Django): each statement goes
        # in parts, a fixed number per 1,000 rows
        per_thousand = two - one
        assert three - two == per_thousand <= 20


def test_an_edit_begun_before_a_feed_conflicts(bob, nordic):
    make_touchpoints(nordic, 1)
    tp = Touchpoint.objects.get()
    touchpoint_feed(actor=bob, organisation=nordic, rows=rows_for(1))
    with pytest.raises(services.EditConflict):
        services.touchpoint_update(actor=bob, touchpoint=tp, version=1, name="Renamed")


# --- the external ID -----------------------------------------------------------------------


def test_external_id_is_stripped_and_unique_in_the_organisation(bob, nordic, other_org, journey):
    stage = journey.stages.first()
    tp = services.touchpoint_create(
        actor=bob, journey=journey, stage=stage, name="Kiosk", external_id="  K-1 "
    )
    assert tp.external_id == "K-1"
    with pytest.raises(ValidationError) as caught:
        services.touchpoint_create(
            actor=bob, journey=journey, stage=stage, name="Kiosk 2", external_id="K-1"
        )
    assert "external ID" in caught.value.message_dict["external_id"][0]
    other = journey.touchpoints.get(name="Check-in desk")
    with pytest.raises(ValidationError) as caught:
        services.touchpoint_update(actor=bob, touchpoint=other, version=1, external_id=" K-1")
    assert "external_id" in caught.value.message_dict
    # Blank is no ID: any number of touchpoints have none.
    assert journey.touchpoints.filter(external_id="").count() == 3
    # Saving a touchpoint with its own ID is fine; another organisation may use the same ID.
    services.touchpoint_update(actor=bob, touchpoint=tp, version=1, external_id="K-1")
    TouchpointFactory(
        stage=StageFactory(journey=JourneyFactory(organisation=other_org)), external_id="K-1"
    )


def test_a_race_for_one_external_id_gets_the_field_error_not_a_500(bob, journey, monkeypatch):
    """The check passes for both; the database constraint stops the second save."""
    stage = journey.stages.first()
    services.touchpoint_create(actor=bob, journey=journey, stage=stage, name="A", external_id="X")
    real = services._external_id_taken
    calls = []

    def blind_first(touchpoint):
        calls.append(touchpoint)
        return False if len(calls) == 1 else real(touchpoint)

    monkeypatch.setattr(services, "_external_id_taken", blind_first)
    with pytest.raises(ValidationError) as caught:
        services.touchpoint_create(
            actor=bob, journey=journey, stage=stage, name="B", external_id="X"
        )
    assert "external_id" in caught.value.message_dict
    assert not journey.touchpoints.filter(name="B").exists()
    calls.clear()
    other = journey.touchpoints.get(name="Check-in desk")
    with pytest.raises(ValidationError):
        services.touchpoint_update(actor=bob, touchpoint=other, version=1, external_id="X")
    other.refresh_from_db()
    assert (other.external_id, other.version) == ("", 1)


def test_page_form_sets_the_external_id_and_refuses_a_taken_one(client_for, bob, journey):
    client = client_for(bob)
    first, second = journey.touchpoints.order_by("name")[:2]
    url = f"/o/nordic-air/touchpoints/{first.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="external_id"' in page and "ID in your other systems" in page
    response = client.post(url, form_data(first, external_id=" desk-7 "))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.external_id == "desk-7"
    url = f"/o/nordic-air/touchpoints/{second.pk}/edit/"
    response = client.post(url, form_data(second, external_id="desk-7"))
    assert response.status_code == 200
    assert "Another touchpoint of this organisation has this external ID" in (
        response.content.decode()
    )
    second.refresh_from_db()
    assert (second.external_id, second.version) == ("", 1)


@pytest.mark.django_db(transaction=True)
def test_a_second_feed_waits_for_the_first_and_loses_nothing(alice, bob, nordic):
    """Two feeds on the same rows: the second reads the values the first wrote (row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: one writer at a time anyway")
    make_touchpoints(nordic, 2)
    first_done, release, results = threading.Event(), threading.Event(), {}
    locking = threading.Event()  # the second feed sends its SELECT ... FOR UPDATE

    def tell_when_locking(execute, sql, params, many, context):
        if "FOR UPDATE" in sql:
            locking.set()
        return execute(sql, params, many, context)

    def first():
        try:
            with transaction.atomic():
                touchpoint_feed(
                    actor=bob,
                    organisation=nordic,
                    rows=[
                        {"external_id": "tp-0", "rating_current": 2},
                        {"external_id": "tp-1", "rating_current": 2},
                    ],
                )
                first_done.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            first_done.wait(10)
            with connection.execute_wrapper(tell_when_locking):
                results["second"] = touchpoint_feed(
                    actor=alice,
                    organisation=nordic,
                    rows=[
                        {"external_id": "tp-1", "rating_current": 2},  # what the first wrote
                        {"external_id": "tp-0", "contacts_per_day": 5},
                    ],
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_done.wait(10)
    assert locking.wait(10), "the second feed never asked for the row locks"
    assert "second" not in results  # waiting for the first's row locks
    release.set()
    for thread in threads:
        thread.join(20)
    assert results["second"] == {"received": 2, "updated": 1, "unchanged": 1}
    tps = {tp.external_id: tp for tp in Touchpoint.objects.all()}
    assert (tps["tp-0"].rating_current, tps["tp-0"].contacts_per_day, tps["tp-0"].version) == (
        2,
        5,
        3,
    )
    assert (tps["tp-1"].rating_current, tps["tp-1"].version) == (2, 2)
    assert TouchpointChange.objects.filter(touchpoint=tps["tp-1"]).count() == 1
