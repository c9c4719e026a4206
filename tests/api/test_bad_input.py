"""No API input gives a 500: every API endpoint x method, with hostile values, as alice (owner)
and carol (staff).

One hostile value in one field at a time, the rest of the body valid: a serializer checks
every field, and nothing behind it (a service, a query) runs unless all are valid. The query
parameters, headers and body fields of each operation are those the OpenAPI schema documents
(/api/schema/), the valid bodies the permission matrix's. Every request runs in a savepoint
rolled back after it, so that each meets the same world (tests/api/conftest.py `api_world`,
built once for the module).
"""

import copy
import functools
import json
import re
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client

from tests.api.test_permission_matrix import (
    ACCESS,
    AUTHOR,
    MEMBER_WRITE,
    METHODS,
    READ,
    WRITE,
    body_for,
    client_as,
    url_for,
)
from tests.conftest import reset_shared_state
from tests.test_bad_input import HOSTILE
from touchpoints.models import Touchpoint

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


# The docs pages read only a few parameters of drf-spectacular's (no form, no service), and the
# schema is made anew for each request (more than a second): one request each, with hostile
# values spread over them, in the spread request below.
DOCS = {"schema": ["format", "lang", "version"], "swagger-ui": ["script"], "redoc": []}


@pytest.mark.parametrize("persona", ["alice", "carol"])
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_hostile_api_input_never_gives_a_500(name, persona, api_world, db):
    """Each hostile value in each query parameter, header and body field the schema documents
    for the operation, one at a time, the rest of the body valid; then every name in API_FIELDS
    and API_QUERY at once with the values spread over them, for every method (also one the
    endpoint does not have, and for a persona refused before the serializer)."""
    url = url_for(name, api_world)
    sweep = ApiSweep(client_as(persona, api_world), url, persona)
    for method in METHODS:
        if not reaches(name, method, persona):
            continue
        op = operation(url, method)
        assert op is not None, f"{method.upper()} {url}: not in the schema"
        valid = body_for(name, method, api_world) if method != "get" else None
        headers = valid_headers(name, api_world)
        mine, shares = share_of(name, method, persona)
        taken = sweep.send(method, {}, valid, headers)
        assert taken.status_code < 400, (
            f"{method.upper()} {url} as {persona} refused the valid body {valid}: fix body_for,"
            f" or no hostile value gets past the other fields: {taken.content[:300]}"
        )
        for k, value in enumerate(ODD_VALUES.values()):
            if k % shares != mine:
                continue
            for param in op["query"]:
                sweep.send(method, {param: value}, valid, headers)
            for header in op["headers"]:
                sweep.send(method, {}, valid, {**headers, header: value})
            for path in op["body"]:
                sweep.send(method, {}, replaced(valid, path, value), headers)

    values = list(ODD_VALUES.values())
    spread = {field: values[i % len(values)] for i, field in enumerate(API_FIELDS)}
    query = {
        field: values[i % len(values)] for i, field in enumerate(API_QUERY + DOCS.get(name, []))
    }
    sweep.send("get", query)
    for k, method in enumerate(METHODS[1:]):
        odd = str(values[k % len(values)])[:50]
        sweep.send(method, {}, spread, {"HTTP_IF_MATCH": odd})


def reaches(name, method, persona):
    """Whether the persona's request gets past the view's checks to the serializer: any member
    reads; managers and owners write; any member writes where members may (the services
    decide); only the author changes her idea or comment."""
    level = ACCESS[name].get(method)
    if level == READ:
        return True
    if level == WRITE:
        return persona == "alice"
    if level == MEMBER_WRITE:
        return True
    if level == AUTHOR:
        return persona == "carol"
    return False  # the docs: no operation in the schema; the spread request covers them


def share_of(name, method, persona):
    """(this case's share, shares) of the hostile values: alice and carol share them where both
    get through (reading, and what any member may write), PUT and PATCH (one serializer) too."""
    level = ACCESS[name][method]
    mine, shares = 0, 1
    if level in (READ, MEMBER_WRITE):
        mine, shares = ("alice", "carol").index(persona), 2
    if method in ("put", "patch") and {"put", "patch"} <= set(ACCESS[name]):
        mine, shares = mine * 2 + ("put", "patch").index(method), shares * 2
    return mine, shares


def valid_headers(name, world):
    if name == "touchpoint-detail":
        version = Touchpoint.objects.get(pk=world["touchpoint_id"]).version
        return {"HTTP_IF_MATCH": f'"{version}"'}
    return {}


def replaced(body, path, value):
    """The body with the field at `path` (("rows", 0, "external_id") for a field of a row) set."""
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


class ApiSweep:
    """Each request in a savepoint rolled back after it, the cache as it was before it."""

    def __init__(self, client, url, persona):
        self.client, self.url, self.persona = client, url, persona

    def send(self, method, query, body=None, headers=None):
        query = {k: v if isinstance(v, list) else str(v) for k, v in query.items()}
        url = f"{self.url}?{urlencode(query, doseq=True)}" if query else self.url
        headers = {k: str(v) for k, v in (headers or {}).items()}
        try:
            with transaction.atomic():
                if method == "get":
                    response = self.client.get(url, **headers)
                else:
                    response = getattr(self.client, method)(
                        url, json.dumps(body), content_type="application/json", **headers
                    )
                transaction.set_rollback(True)
        finally:
            reset_shared_state()
        assert response.status_code < 500, (url, method, self.persona, response.status_code)
        return response


@functools.cache
def operations():
    """[(path as a regular expression, method, {"query", "headers", "body"})] from the schema;
    body: the path of each writable field, a row's fields for a list of rows."""
    schema = Client().get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    def resolved(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def body_paths(node, prefix=()):
        paths = []
        for field, spec in resolved(node).get("properties", {}).items():
            spec = resolved(spec)
            if spec.get("readOnly"):
                continue
            items = resolved(spec.get("items", {}))
            if spec.get("type") == "array" and "properties" in items:
                paths.append((*prefix, field))
                paths += body_paths(items, (*prefix, field, 0))
            else:
                paths.append((*prefix, field))
        return paths

    found = []
    for path, methods in schema["paths"].items():
        parts = re.split(r"(\{[^/}]+\})", path)
        pattern = re.compile("".join("[^/]+" if p[:1] == "{" else re.escape(p) for p in parts))
        for method, op in methods.items():
            params = op.get("parameters", [])
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                (
                    pattern,
                    method,
                    {
                        "query": [p["name"] for p in params if p["in"] == "query"],
                        "headers": [
                            "HTTP_" + p["name"].upper().replace("-", "_")
                            for p in params
                            if p["in"] == "header"
                        ],
                        "body": body_paths(content["schema"]) if content else [],
                    },
                )
            )
    return found


def operation(url, method):
    for pattern, op_method, op in operations():
        if op_method == method and pattern.fullmatch(url):
            return op
    return None


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_options_describes_every_endpoint(name, api_world, db):
    response = client_as("bob", api_world).options(url_for(name, api_world))
    assert response.status_code == 200, (name, response.status_code)
