"""One rule for a touchpoint saved from an older version, in `touchpoint_update`, for every caller:
the edit form, the quick edit on the board, the review meeting, the CSV import and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from touchpoints import services
from touchpoints.models import Touchpoint, TouchpointChange
from touchpoints.services import EditConflict, same_value, touchpoint_ratings_set


def _someone_saves(bob, touchpoint, **fields):
    return services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=touchpoint.version, **fields
    )


def test_a_stale_save_that_changes_nothing_anyone_saved_goes_through(bob, touchpoint):
    seen = touchpoint.version
    _someone_saves(bob, touchpoint, moment="Queue at the desk")
    saved = services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=seen, moment="Queue at the desk"
    )
    assert saved.version == seen + 1  # the other save's version: nothing more was written


def test_a_stale_save_that_would_overwrite_gets_the_clashing_fields(bob, touchpoint):
    seen = touchpoint.version
    _someone_saves(bob, touchpoint, desired_outcome="Calm", moment="Queue at the desk")
    with pytest.raises(EditConflict) as caught:
        services.touchpoint_update(
            actor=bob,
            touchpoint=touchpoint,
            version=seen,
            desired_outcome="Cheerful",
            moment="Queue at the desk",
        )
    assert caught.value.fields == {"desired_outcome": "Cheerful"}
    assert caught.value.current.desired_outcome == "Calm"
    assert Touchpoint.objects.get(pk=touchpoint.pk).desired_outcome == "Calm"


def test_strict_refuses_any_other_version_even_when_nothing_clashes(bob, touchpoint):
    seen = touchpoint.version
    _someone_saves(bob, touchpoint, moment="Queue at the desk")
    with pytest.raises(EditConflict) as caught:
        services.touchpoint_update(
            actor=bob, touchpoint=touchpoint, version=seen, strict=True, moment="Queue at the desk"
        )
    assert caught.value.fields == {}


def test_a_save_that_changes_nothing_writes_nothing(bob, touchpoint):
    before = touchpoint.version
    saved = services.touchpoint_update(
        actor=bob, touchpoint=touchpoint, version=before, name=f"  {touchpoint.name} "
    )
    assert saved.version == before
    assert not TouchpointChange.objects.filter(touchpoint=touchpoint).exists()


@pytest.mark.parametrize(
    "name,old,new,same",
    [
        ("habits", ["tact", "surprise"], ["surprise", "tact"], True),
        ("name", "Check-in", " Check-in ", True),
        ("moment", "line one\r\nline two", "line one\nline two", True),
        ("moment", "a", "b", False),
        ("rating_current", 1, 1, True),
        ("rating_current", 1, 2, False),
    ],
)
def test_one_comparison_of_values(name, old, new, same):
    assert same_value(name, old, new) is same


def test_many_ratings_at_once_in_three_queries(bob, nordic, journey):
    touchpoints = list(journey.touchpoints.order_by("name"))
    ratings = {tp.pk: 2 for tp in touchpoints}  # from -1, 0 and +1
    versions = {tp.pk: tp.version for tp in touchpoints}
    with CaptureQueriesContext(connection) as queries:
        changed = touchpoint_ratings_set(actor=bob, organisation=nordic, ratings=ratings)
    assert changed == 3
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    # The role check, the locking SELECT, one UPDATE ... FROM (VALUES ...), one INSERT.
    assert len(statements) == 4 and statements[-1] == "INSERT", statements
    for tp in Touchpoint.objects.filter(pk__in=ratings):
        assert (tp.rating_current, tp.version) == (2, versions[tp.pk] + 1)
    assert TouchpointChange.objects.filter(field="rating_current").count() == 3
    assert touchpoint_ratings_set(actor=bob, organisation=nordic, ratings=ratings) == 0


def test_many_ratings_leave_another_organisations_touchpoints_alone(bob, nordic, mallory_journey):
    theirs = mallory_journey.touchpoints.get()
    assert touchpoint_ratings_set(actor=bob, organisation=nordic, ratings={theirs.pk: 2}) == 0
    assert Touchpoint.objects.get(pk=theirs.pk).rating_current == theirs.rating_current


def test_many_ratings_refuse_a_rating_out_of_range(bob, nordic, touchpoint):
    with pytest.raises(ValidationError):
        touchpoint_ratings_set(actor=bob, organisation=nordic, ratings={touchpoint.pk: 3})
