"""Schemathesis against /api/schema/: every operation, authenticated as bob (manager).

Bodies, query strings and headers are generated from the schema (valid and invalid ones); the
path's organisation and object ids are those of a real Nordic Air map, so that the requests
reach the views and their services rather than stopping at a 404. Checked on every response:
never a 5xx, the status code and the content type are documented, and the body matches the
documented schema.
"""

import datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from api import services
from ideas import services as idea_services
from reviews import services as review_services
from tests.factories import ActionFactory, StageFactory
from touchpoints.models import Touchpoint

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
]


def _load_schema():
    """The schema as /api/schema/ serves it; the requests then go to the same WSGI app."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = _load_schema()


@pytest.fixture
def keep_the_test_connection():
    """The requests go through the WSGI handler, which closes the database connection after
    each one (as in production); the test's transaction needs it open, as Django's test client
    keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bob_world(keep_the_test_connection, personas, journey, bob, carol, nordic):
    """The ids a path may name: bob's organisation and one object of each kind."""
    touchpoint = journey.touchpoints.order_by("position").first()
    stage = StageFactory(journey=journey, name="Spare stage", position=9)
    idea, _ = idea_services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Warm towels", today="Cold.", proposal="Warm."
    )
    comment = idea_services.comment_add(actor=bob, idea=idea, body="Hot ones, please")
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=datetime.date.today(), attendees=[bob, carol]
    )
    action = ActionFactory(journey=journey, review=review, owner=carol, created_by=bob)
    _, raw = services.api_token_create(actor=bob, organisation=nordic, name="schemathesis")
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "path": {
            "org_slug": nordic.slug,
            "journey_id": str(journey.pk),
            "stage_id": str(stage.pk),
            "touchpoint_id": str(touchpoint.pk),
            "idea_id": str(idea.pk),
            "comment_id": str(comment.pk),
            "review_id": str(review.pk),
            "action_id": str(action.pk),
        },
    }


def real_path(case, world):
    """Keep generated path values only where no real object of that kind is known."""
    for name, value in world["path"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value


def current_etag_or_not(generated, world):
    """Half the writes send the touchpoint's current ETag (so they get past the lock)."""
    if len(str(generated)) % 2:
        return str(generated)
    touchpoint = Touchpoint.objects.filter(pk=world["path"]["touchpoint_id"]).first()
    return f'"{touchpoint.version}"' if touchpoint else '"1"'


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_schema(case, bob_world):
    real_path(case, bob_world)
    headers = dict(bob_world["headers"])
    if case.headers and "If-Match" in case.headers:
        headers["If-Match"] = current_etag_or_not(case.headers["If-Match"], bob_world)
    case.call_and_validate(headers=headers, checks=CHECKS)
