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
