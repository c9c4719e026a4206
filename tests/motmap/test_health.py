"""/healthz (readiness: database, migrations, broker) and /healthz/live (the process answers)
for docker-compose, load balancers and Kubernetes probes: nothing private, no version."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import load_backend
from django.test import Client

from motmap import health


def a_database(**changes):
    """A real connection of the project's database engine, with its settings changed."""
    settings_dict = {**connection.settings_dict, **changes}
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="health")


def sqlite_file(path):
    return a_database(ENGINE="django.db.backends.sqlite3", NAME=path)


@pytest.mark.django_db
def test_ready_answers_each_check_and_nothing_else():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "broker": "ok"},
    }
    text = response.content.decode()
    for private in (settings.DATABASES["default"]["NAME"], "version", "django", "motmap"):
        assert str(private).lower() not in text.lower()


@pytest.mark.django_db
def test_live_touches_neither_the_database_nor_the_broker(django_assert_num_queries, broker_away):
    with django_assert_num_queries(0):
        response = Client().get("/healthz/live")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_a_broker_that_is_away_makes_ready_fail_with_503(broker_away):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert json.loads(response.content) == {
        "status": "failing",
        "checks": {"database": "ok", "migrations": "ok", "broker": "failing"},
    }
    assert broker_away.split("@")[-1] not in response.content.decode()


@pytest.mark.django_db
def test_a_database_that_cannot_be_reached_fails_and_the_migrations_are_not_looked_at(
    tmp_path, unused_port
):
    if connection.vendor == "sqlite":
        database = sqlite_file(str(tmp_path / "no" / "such" / "folder" / "db.sqlite3"))
    else:
        database = a_database(HOST="127.0.0.1", PORT=str(unused_port))
    try:
        checks = health.readiness(database)
    finally:
        database.close()
    assert checks["database"] == "failing"
    assert checks["migrations"] == "failing"


@pytest.mark.django_db
def test_a_database_without_the_migrations_applied_fails(tmp_path):
    database = sqlite_file(str(tmp_path / "empty.sqlite3"))
    try:
        checks = health.readiness(database)
    finally:
        database.close()
    assert checks == {"database": "ok", "migrations": "failing", "broker": "ok"}


@pytest.mark.django_db
def test_the_checks_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/healthz/live").status_code == 200
    assert Client().get("/o/").status_code == 301
