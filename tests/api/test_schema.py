"""OpenAPI schema and the docs pages, served from the project (no CDN)."""

import re

import yaml
from django.contrib.staticfiles import finders


def test_schema_is_openapi_3_with_every_endpoint(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/orgs/{org_slug}/journeys/",
        "/api/v1/orgs/{org_slug}/journeys/{journey_id}/stages/",
        "/api/v1/orgs/{org_slug}/touchpoints/{touchpoint_id}/",
    ):
        assert path in paths
    assert "apiToken" in schema["components"]["securitySchemes"]


def _local_assets(html):
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert not [u for u in urls if "://" in u or u.startswith("//")], urls
    return [u for u in urls if u.startswith("/static/")]


def test_swagger_ui_loads_its_scripts_from_static_and_no_inline_script(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html  # CSP: script-src 'self' only
    for url in _local_assets(html):
        assert finders.find(url.removeprefix("/static/")), url
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200
    assert "/api/schema/" in init.content.decode()


def test_redoc_is_served_from_static(client, db):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _local_assets(html)
    assert any("redoc.standalone.js" in u for u in assets)
    assert "<script>" not in html


def test_pages_keep_the_strict_csp(client, db):
    csp = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "unsafe-inline" not in csp


def test_ideas_reviews_and_actions_are_described_with_their_errors(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    prefix = "/api/v1/orgs/{org_slug}/"
    operations = {
        "ideas/": ("get", "post"),
        "ideas/{idea_id}/": ("get", "patch"),
        "ideas/{idea_id}/withdraw/": ("post",),
        "ideas/{idea_id}/vote/": ("post", "delete"),
        "ideas/{idea_id}/status/": ("post",),
        "ideas/{idea_id}/comments/": ("get", "post"),
        "ideas/{idea_id}/comments/{comment_id}/": ("get", "patch", "delete"),
        "reviews/": ("get",),
        "reviews/{review_id}/": ("get",),
        "actions/": ("get", "post"),
        "actions/{action_id}/": ("get", "put", "patch"),
        "actions/{action_id}/close/": ("post",),
    }
    for path, methods in operations.items():
        assert set(paths[prefix + path]) - {"parameters"} == set(methods), path
        for method in methods:
            responses = paths[prefix + path][method]["responses"]
            assert {"401", "403", "404"} <= set(responses), (path, method)
            if method != "get":
                assert "400" in responses, (path, method)
            error = responses["404"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    filters = {p["name"] for p in paths[prefix + "actions/"]["get"]["parameters"]}
    assert {"overdue", "owner", "due_before", "due_after", "ordering", "cursor"} <= filters
    mine = next(p for p in paths[prefix + "ideas/"]["get"]["parameters"] if p["name"] == "mine")
    assert mine["schema"]["type"] == "boolean"
