"""A database connection lost under a request answers 503 "try again", keeps what was typed,
and the next request works.

Found from outside: during a 2.4 s PostgreSQL restart, nine requests (idea form, comment, idea
detail, board) got the generic "Something went wrong" 500 page.
"""

import re
import uuid
from html import unescape

import psycopg2
import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from ideas import services as idea_services
from ideas import views as idea_views
from ideas.models import Idea
from tests.factories import PASSWORD

NEW_IDEA = "/o/nordic-air/ideas/new/"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def idea_form(touchpoint, token):
    return {
        "touchpoint": str(touchpoint.pk),
        "title": "Greet by name",
        "today": "The agent says “next”\nand looks at the screen.",
        "proposal": "Read the name from the booking & greet the traveller with it.",
        "habits": ["strokes"],
        "submission_token": token,
        "anonymous": "",
    }


def resend_fields(html):
    return [(name, unescape(value)) for name, value in HIDDEN.findall(html)]


def lose_the_connection_once(monkeypatch, how):
    """The next idea submission meets a lost database connection (`how` loses it)."""
    real = idea_services.idea_submit
    calls = []

    def submit(**kwargs):
        if not calls:
            calls.append(1)
            how()
        return real(**kwargs)

    monkeypatch.setattr(idea_views.services, "idea_submit", submit)


def raise_operational_error():
    raise OperationalError("server closed the connection unexpectedly")


def test_a_lost_connection_answers_503_with_the_typed_text_and_a_resend_form(
    monkeypatch, client_for, carol, touchpoint, caplog
):
    lose_the_connection_once(monkeypatch, raise_operational_error)
    client = client_for(carol)
    token = str(uuid.uuid4())

    response = client.post(NEW_IDEA, idea_form(touchpoint, token))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    assert "Please try again in a moment" in html
    assert "Something went wrong" not in html
    assert "Read the name from the booking &amp; greet the traveller with it." in html
    assert "looks at the screen" in html
    fields = resend_fields(html)
    assert ("submission_token", token) in fields
    assert ("today", "The agent says “next”\nand looks at the screen.") in fields
    assert not Idea.objects.exists()
    assert "Database unavailable for POST /o/nordic-air/ideas/new/" in caplog.text

    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    sent_again = client.post(NEW_IDEA, data)
    assert sent_again.status_code == 302
    assert client.post(NEW_IDEA, data).status_code == 302  # a third time: still one idea
    assert Idea.objects.get().title == "Greet by name"


def test_after_the_view_too_and_passwords_are_never_written_into_the_page(
    monkeypatch, client, alice, caplog
):
    from django.contrib.sessions.backends.db import SessionStore

    real_save = SessionStore.save

    def save(self, must_create=False):
        if not must_create:  # the login creates the session; the middleware's save fails
            raise OperationalError("the database system is shutting down")
        return real_save(self, must_create=must_create)

    monkeypatch.setattr(SessionStore, "save", save)
    client.raise_request_exception = False
    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})

    # The session is saved by SessionMiddleware after the view: handler500 answers 503 too.
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert alice.email in html
    assert PASSWORD not in html
    assert "the database system is shutting down" in caplog.text


def test_the_send_again_form_never_leaves_the_site():
    from django.test import RequestFactory

    from motmap.unavailable import unavailable_response

    request = RequestFactory().post("/", {"title": "Greet by name"})
    request.path = request.path_info = "//evil.example/x"  # as a server passes such a path on
    html = unavailable_response(request, OperationalError("gone")).content.decode()
    assert 'action="/%2Fevil.example/x"' in html
    assert "//evil.example" not in html


def test_the_api_answers_a_json_503_with_retry_after(monkeypatch, client_for, carol):
    from api import ideas as api_ideas

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(api_ideas.IdeaList, "get_queryset", lost)
    response = client_for(carol).get("/api/v1/orgs/nordic-air/ideas/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["errors"] == {}
    assert "try again" in body["detail"]


def test_a_get_offers_to_try_again(monkeypatch, client_for, carol, journey):
    from pages import views as page_views

    monkeypatch.setattr(
        page_views.selectors, "journey_board", lambda *a, **k: raise_operational_error()
    )
    url = f"/o/nordic-air/journeys/{journey.pk}/"
    response = client_for(carol).get(url)
    assert response.status_code == 503
    assert f'href="{url}"' in response.content.decode()


# --- PostgreSQL: the backend really terminated under the request ------------------------------


def _terminate(pid):
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    other = psycopg2.connect(
        dbname=name,
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
        password=db["PASSWORD"] or None,
    )
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


def terminate_this_requests_backend():
    """What a database restart does to the connection the request holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    _terminate(pid)


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="terminates a PostgreSQL backend (CI runs it on PostgreSQL)",
)
def test_a_terminated_postgresql_backend_gives_503_and_the_next_request_works(
    transactional_db, live_server, monkeypatch, carol, touchpoint, caplog
):
    browser = requests.Session()
    client = Client()
    client.force_login(carol)
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    form_page = browser.get(f"{live_server.url}{NEW_IDEA}")
    assert form_page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.text).group(1)
    lose_the_connection_once(monkeypatch, terminate_this_requests_backend)
    token = str(uuid.uuid4())
    headers = {"Referer": f"{live_server.url}{NEW_IDEA}"}

    lost = browser.post(
        f"{live_server.url}{NEW_IDEA}",
        data={**idea_form(touchpoint, token), "csrfmiddlewaretoken": csrf},
        headers=headers,
        allow_redirects=False,
    )

    assert lost.status_code == 503, lost.text[:500]
    assert lost.headers["Retry-After"] == "5"
    assert "Database unavailable for POST /o/nordic-air/ideas/new/" in caplog.text
    assert "Traceback" not in caplog.text  # a lost connection is one line, not a traceback
    assert "Read the name from the booking" in lost.text
    assert not Idea.objects.exists()

    assert browser.get(f"{live_server.url}/o/nordic-air/ideas/").status_code == 200
    resent = browser.post(
        f"{live_server.url}{NEW_IDEA}",
        data=resend_fields(lost.text),
        headers=headers,
        allow_redirects=False,
    )
    assert resent.status_code == 302, resent.text[:500]
    assert Idea.objects.get().submission_token == uuid.UUID(token)
