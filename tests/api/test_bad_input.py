"""No API input gives a 500: every API endpoint x method, with hostile values in every field."""

import json

import pytest

from tests.api.test_permission_matrix import ACCESS, METHODS, api_world, client_as, url_for  # noqa: F401
from tests.test_bad_input import HOSTILE

API_FIELDS = [
    "name",
    "description",
    "segment",
    "owner",
    "review_cadence",
    "review_every_weeks",
    "journey",
    "stage",
    "channel",
    "moment",
    "desired_outcome",
    "customer_wants",
    "rating_current",
    "rating_target",
    "contacts_per_day",
    "duration_seconds",
    "frontline_role",
    "habits",
    "direction",
    "version",
    "id",
    "external_id",
    "rows",
    "touchpoint",
    "title",
    "today",
    "proposal",
    "anonymous",
    "submission_token",
    "status",
    "note",
    "duplicate_of",
    "body",
    "review",
    "due_on",
]
API_QUERY = [
    "journey",
    "stage",
    "channel",
    "ordering",
    "cursor",
    "page_size",
    "move_to",
    "status",
    "touchpoint",
    "mine",
    "created_after",
    "created_before",
    "held_after",
    "held_before",
    "review",
    "owner",
    "overdue",
    "due_after",
    "due_before",
]
ODD_VALUES = {
    **HOSTILE,
    "null": None,
    "list": ["a", None],
    "object": {"a": 1},
    "float": 1e308,
    "bool": True,
}


@pytest.mark.parametrize("persona", ["alice", "carol"])
@pytest.mark.parametrize("value", list(ODD_VALUES))
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_hostile_api_input_never_gives_a_500(name, value, persona, api_world, personas):  # noqa: F811
    url = url_for(name, api_world)
    client = client_as(persona, personas, api_world)
    body = json.dumps({field: ODD_VALUES[value] for field in API_FIELDS})
    query = {field: ODD_VALUES[value] for field in API_QUERY}
    assert client.get(url, {k: str(v) for k, v in query.items()}).status_code < 500
    for method in METHODS[1:]:
        response = getattr(client, method)(
            url, body, content_type="application/json", HTTP_IF_MATCH=str(ODD_VALUES[value])[:50]
        )
        assert response.status_code < 500, (url, method, value, response.status_code)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_options_describes_every_endpoint(name, api_world, personas):  # noqa: F811
    response = client_as("bob", personas, api_world).options(url_for(name, api_world))
    assert response.status_code == 200, (name, response.status_code)
