"""One's own account (name, email, password: the last two need the current password), the
password asked again before creating an API token or a webhook (motmap.reauth), and sessions
that end."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from motmap.models import OutboxEmail
from tests.factories import PASSWORD
from webhooks.models import WebhookEndpoint

ACCOUNT = "/accounts/me/"
NEW_PASSWORD = "fjord-lantern-ochre-913"


def logged_in(user, password=PASSWORD):
    client = Client()
    answer = client.post(reverse("login"), {"username": user.email, "password": password})
    assert answer.status_code == 302, answer.content.decode()
    return client


def later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


# --- the account page -------------------------------------------------------------------------


def test_the_account_page_is_in_the_menu_and_changes_the_name(alice, client_for):
    client = client_for(alice)
    assert ACCOUNT in client.get(reverse("organisation_list")).content.decode()
    page = client.get(ACCOUNT).content.decode()
    assert "alice@nordic-air.example" in page
    answer = client.post(ACCOUNT, {"change": "name", "name-full_name": "  Alice A.  "})
    assert answer.status_code == 302
    alice.refresh_from_db()
    assert alice.full_name == "Alice A."


def test_a_new_email_needs_the_password_and_tells_the_old_address(alice, bob, client_for):
    client = client_for(alice)
    wrong = client.post(
        ACCOUNT,
        {"change": "email", "email-email": "a@new.example", "email-current_password": "nope"},
    )
    assert wrong.status_code == 200
    assert "That is not your password." in wrong.content.decode()
    assert 'value="a@new.example"' in wrong.content.decode(), "what was typed is kept"
    taken = client.post(
        ACCOUNT,
        {"change": "email", "email-email": bob.email.upper(), "email-current_password": PASSWORD},
    )
    assert "An account with this email address already exists." in taken.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@nordic-air.example"
    assert not OutboxEmail.objects.exists()

    done = client.post(
        ACCOUNT,
        {"change": "email", "email-email": "Alice@New.example", "email-current_password": PASSWORD},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    (notice,) = OutboxEmail.objects.all()
    assert notice.to == "alice@nordic-air.example"
    assert "alice@new.example" in notice.body_text
    logged_in(alice)  # with the new address


def test_a_new_password_needs_the_current_one_and_logs_out_other_browsers(alice):
    here, elsewhere = logged_in(alice), logged_in(alice)
    wrong = here.post(
        ACCOUNT,
        {
            "change": "password",
            "password-current_password": "nope",
            "password-password1": NEW_PASSWORD,
            "password-password2": NEW_PASSWORD,
        },
    )
    assert "That is not your password." in wrong.content.decode()
    assert NEW_PASSWORD not in wrong.content.decode(), "passwords are never sent back"
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)

    done = here.post(
        ACCOUNT,
        {
            "change": "password",
            "password-current_password": PASSWORD,
            "password-password1": NEW_PASSWORD,
            "password-password2": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert here.get(ACCOUNT).status_code == 200, "this browser stays logged in"
    assert elsewhere.get(ACCOUNT).status_code == 302, "the other one is logged out"
    (notice,) = OutboxEmail.objects.all()
    assert notice.to == alice.email and "/accounts/reset/" in notice.body_text


def test_wrong_current_passwords_count_towards_the_login_pause(alice, client_for, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = client_for(alice)
    answers = [
        client.post(
            ACCOUNT,
            {"change": "email", "email-email": "a@new.example", "email-current_password": "x"},
        ).status_code
        for _ in range(4)
    ]
    assert answers[:2] == [200, 200]
    assert answers[-1] == 429


def test_bad_input_on_the_account_page_changes_nothing(alice, client_for):
    client = client_for(alice)
    for data in (
        {"change": "email", "email-email": "not an email", "email-current_password": PASSWORD},
        {"change": "email", "email-email": "x" * 300 + "@a.example"},
        {"change": "password", "password-current_password": PASSWORD},
        {"change": "nothing-of-ours"},
        {"change": "name", "name-full_name": "x" * 500},
    ):
        assert client.post(ACCOUNT, data).status_code == 200
    alice.refresh_from_db()
    assert (alice.email, alice.full_name) == ("alice@nordic-air.example", "Alice Andersson")


def test_the_account_page_needs_a_login(client):
    answer = client.get(ACCOUNT)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


# --- the password asked again -----------------------------------------------------------------


def test_a_token_made_soon_after_login_needs_nothing_more(alice, nordic):
    client = logged_in(alice)
    url = reverse("api_token_list", args=[nordic.slug])
    assert client.post(url, {"name": "Power BI"}).status_code == 200
    assert ApiToken.objects.get().name == "Power BI"


def test_later_the_password_is_asked_and_the_typed_form_goes_on_once_it_is_right(alice, nordic):
    client = logged_in(alice)
    url = reverse("api_token_list", args=[nordic.slug])
    with later(16):
        assert "Confirm your password" not in client.get(url).content.decode(), "showing asks not"
        asked = client.post(url, {"name": "Power BI", "read_only": "on"})
        page = asked.content.decode()
        assert asked.status_code == 200
        assert "Confirm your password" in page and "create an API token" in page
        assert 'name="name" value="Power BI"' in page, "the typed form is kept"
        assert not ApiToken.objects.exists()

        wrong = client.post(url, {"name": "Power BI", "read_only": "on", "confirm_password": "x"})
        assert "That is not your password." in wrong.content.decode()
        assert 'name="name" value="Power BI"' in wrong.content.decode()
        assert not ApiToken.objects.exists()

        right = client.post(
            url, {"name": "Power BI", "read_only": "on", "confirm_password": PASSWORD}
        )
        assert right.status_code == 200
        token = ApiToken.objects.get()
        assert (token.name, token.read_only) == ("Power BI", True)
        assert "mm_" in right.content.decode() or token.prefix in right.content.decode()
        # The password counts for a while now.
        assert client.post(url, {"name": "Second"}).status_code == 200
        assert ApiToken.objects.count() == 2


def test_the_password_alone_leads_back_to_the_page(alice, nordic):
    client = logged_in(alice)
    url = reverse("webhook_create", args=[nordic.slug])
    with later(16):
        answer = client.post(url, {"confirm_password": PASSWORD})
        assert answer.status_code == 302 and answer["Location"] == url


def test_a_webhook_later_needs_the_password(alice, nordic, local_hooks):
    client = logged_in(alice)
    url = reverse("webhook_create", args=[nordic.slug])
    data = {"url": "http://127.0.0.1:9/hook", "events": ["idea.created"], "description": "CRM"}
    with later(16):
        asked = client.post(url, data)
        assert "add a webhook" in asked.content.decode()
        assert not WebhookEndpoint.objects.exists()
        assert 'name="events" value="idea.created"' in asked.content.decode()
        done = client.post(url, {**data, "confirm_password": PASSWORD})
        assert done.status_code == 302
        assert WebhookEndpoint.objects.get().description == "CRM"


def test_a_staff_member_is_still_refused_after_confirming(carol, nordic):
    client = logged_in(carol)
    with later(16):
        answer = client.post(
            reverse("webhook_create", args=[nordic.slug]),
            {"url": "https://example.com/", "confirm_password": PASSWORD},
        )
    assert answer.status_code == 403
    assert not WebhookEndpoint.objects.exists()


# --- sessions end -----------------------------------------------------------------------------


def test_a_login_ends_after_session_days(alice, settings):
    client = logged_in(alice)
    assert client.get(ACCOUNT).status_code == 200
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    with later(14 * 24 * 60 - 5):
        assert client.get(ACCOUNT).status_code == 200
    with later(2 * 14 * 24 * 60 + 5):
        assert client.get(ACCOUNT).status_code == 302


@pytest.fixture
def local_hooks(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
