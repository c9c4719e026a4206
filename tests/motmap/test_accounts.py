"""Sign up, log in, log out and password reset."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from motmap.models import Membership, Organisation, OutboxEmail, Role
from tests.factories import PASSWORD, UserFactory

User = get_user_model()
SIGN_UP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
RESET = "/accounts/password-reset/"
NEW_PASSWORD = "fjord-lantern-ochre-913"

VALID = {
    "full_name": "Dagny Dahl",
    "email": "Dagny.Dahl@Fjord-Ferries.example",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "organisation_name": "Fjord Ferries",
}


def _counts():
    return (User.objects.count(), Organisation.objects.count(), Membership.objects.count())


def _is_logged_in(client):
    return "_auth_user_id" in client.session


# --- sign up ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_creates_user_and_organisation_with_them_as_owner(client):
    response = client.post(SIGN_UP, VALID)

    assert response.status_code == 302
    assert response["Location"] == "/o/fjord-ferries/"
    user = User.objects.get()
    assert user.email == "dagny.dahl@fjord-ferries.example"
    assert user.full_name == "Dagny Dahl"
    assert user.check_password(NEW_PASSWORD)
    org = Organisation.objects.get()
    assert org.name == "Fjord Ferries"
    assert Membership.objects.get(organisation=org).user == user
    assert Membership.objects.get(organisation=org).role == Role.OWNER


@pytest.mark.django_db
def test_sign_up_logs_the_person_in(client):
    response = client.post(SIGN_UP, VALID, follow=True)

    assert response.status_code == 200
    assert _is_logged_in(client)
    assert response.redirect_chain[-1][0] == "/o/fjord-ferries/"
    assert "Fjord Ferries" in response.content.decode()


@pytest.mark.django_db
def test_sign_up_page_renders_for_anonymous(client):
    response = client.get(SIGN_UP)
    assert response.status_code == 200
    assert 'name="organisation_name"' in response.content.decode()


def test_sign_up_page_sends_a_logged_in_person_home(client_for, alice):
    response = client_for(alice).get(SIGN_UP)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, error_fields, kept",
    [
        pytest.param(
            {k: "" for k in VALID},
            {"email", "password1", "password2", "organisation_name"},
            [],
            id="empty",
        ),
        pytest.param({"email": "not-an-email"}, {"email"}, ["not-an-email"], id="bad-email"),
        pytest.param(
            {"password2": "fjord-lantern-ochre-914"},
            {"password2"},
            ["Dagny Dahl"],
            id="mismatched-passwords",
        ),
        pytest.param(
            {"password1": "password", "password2": "password"},
            {"password1"},
            ["Fjord Ferries"],
            id="weak-password",
        ),
        pytest.param(
            {"password1": "12345678901", "password2": "12345678901"},
            {"password1"},
            [],
            id="numeric-password",
        ),
        pytest.param(
            {"organisation_name": "   "},
            {"organisation_name"},
            ["Dagny Dahl"],
            id="blank-organisation",
        ),
        pytest.param(
            {"organisation_name": "O" * 200},
            {"organisation_name"},
            ["O" * 200],
            id="long-organisation",
        ),
        pytest.param({"full_name": "N" * 200}, {"full_name"}, ["N" * 200], id="long-name"),
        pytest.param({"email": "a" * 250 + "@example.com"}, {"email"}, [], id="long-email"),
    ],
)
def test_sign_up_bad_input_shows_field_errors_and_creates_nothing(
    client, changes, error_fields, kept
):
    before = _counts()
    data = {**VALID, **changes}

    response = client.post(SIGN_UP, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == error_fields
    assert _counts() == before
    assert not _is_logged_in(client)
    html = response.content.decode()
    for text in kept:
        assert f'value="{text}"' in html
    for field in error_fields:
        assert f'id="id_{field}_error"' in html
    # Typed passwords are never sent back.
    assert NEW_PASSWORD not in html
    if changes.get("password1"):
        assert f'value="{changes["password1"]}"' not in html


def test_sign_up_with_an_existing_email_in_another_case_is_a_field_error(client, alice):
    before = _counts()

    response = client.post(SIGN_UP, {**VALID, "email": "ALICE@Nordic-Air.Example"})

    assert response.status_code == 200
    assert "already exists" in " ".join(response.context["form"].errors["email"])
    assert 'value="ALICE@Nordic-Air.Example"' in response.content.decode()
    assert _counts() == before


@pytest.mark.django_db
def test_sign_up_gives_each_organisation_its_own_address(client):
    client.post(SIGN_UP, VALID)
    client.logout()
    response = client.post(SIGN_UP, {**VALID, "email": "second@fjord-ferries.example"})
    assert response["Location"] == "/o/fjord-ferries-2/"
    assert Organisation.objects.filter(name="Fjord Ferries").count() == 2


@pytest.mark.django_db
def test_sign_up_never_takes_a_reserved_address(client):
    response = client.post(SIGN_UP, {**VALID, "organisation_name": "Admin"})
    assert response["Location"] == "/o/admin-org/"


@pytest.mark.django_db
def test_sign_up_with_a_name_that_has_no_letters_for_an_address(client):
    response = client.post(SIGN_UP, {**VALID, "organisation_name": "東京 ✈"})
    assert response.status_code == 302
    org = Organisation.objects.get()
    assert org.name == "東京 ✈"
    assert response["Location"] == f"/o/{org.slug}/"


# --- log in, log out ----------------------------------------------------------------------


def test_log_in_with_email_in_any_case(client, alice):
    response = client.post(LOGIN, {"username": "ALICE@Nordic-Air.example", "password": PASSWORD})

    assert response.status_code == 302
    assert _is_logged_in(client)
    assert client.get("/")["Location"] == "/o/nordic-air/"


def test_log_in_with_a_wrong_password_keeps_the_email_and_logs_nobody_in(client, alice):
    response = client.post(LOGIN, {"username": "alice@nordic-air.example", "password": "nope"})

    assert response.status_code == 200
    assert not _is_logged_in(client)
    html = response.content.decode()
    assert "correct email address and password" in html
    assert 'value="alice@nordic-air.example"' in html
    assert 'value="nope"' not in html


def test_log_in_follows_next(client, alice):
    response = client.post(
        LOGIN,
        {
            "username": "alice@nordic-air.example",
            "password": PASSWORD,
            "next": "/o/nordic-air/members/",
        },
    )
    assert response["Location"] == "/o/nordic-air/members/"


def test_log_in_ignores_a_next_to_another_site(client, alice):
    response = client.post(
        LOGIN,
        {
            "username": "alice@nordic-air.example",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_log_in_with_empty_fields_shows_errors(client):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password"}


def test_log_out_by_post(client, alice):
    client.force_login(alice)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not _is_logged_in(client)
    assert client.get("/o/nordic-air/")["Location"].startswith("/accounts/login/")


def test_log_out_by_get_is_refused_and_keeps_the_session(client, alice):
    client.force_login(alice)
    assert client.get(LOGOUT).status_code == 405
    assert _is_logged_in(client)


# --- password reset -----------------------------------------------------------------------

LINK = re.compile(r"http://testserver(/accounts/reset/[\w-]+/[\w-]+/)")


def test_password_reset_email_goes_through_the_outbox_and_the_link_sets_a_new_password(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": "Alice@Nordic-Air.example"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    row = OutboxEmail.objects.get()
    assert row.to == "alice@nordic-air.example"
    assert row.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@nordic-air.example"]
    assert message.subject == "Choose a new password for motmap"
    text_link = LINK.search(message.body).group(1)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert LINK.search(html).group(1) == text_link
    assert "alice@nordic-air.example" in message.body

    page = client.get(text_link, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"]
    set_password_url = page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

    # The link works once.
    again = client.get(text_link, follow=True)
    assert not again.context["validlink"]
    assert "not valid any more" in again.content.decode()


def test_password_reset_with_a_weak_new_password_is_a_field_error(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "alice@nordic-air.example"})
    link = LINK.search(mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": "abc", "new_password2": "abc"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(RESET, {"email": "alice@nordic-air.example"}, follow=True)
    mail.outbox.clear()
    OutboxEmail.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        unknown = client.post(RESET, {"email": "nobody@nordic-air.example"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert "Check your email" in unknown.content.decode()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []
    assert callbacks == []


@pytest.mark.django_db
def test_password_reset_with_a_bad_address_is_a_field_error(client):
    response = client.post(RESET, {"email": "not an email"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert 'value="not an email"' in response.content.decode()


def test_password_reset_with_a_forged_link_says_it_is_not_valid(client, alice):
    response = client.get("/accounts/reset/MQ/abc-def/", follow=True)
    assert response.status_code == 200
    assert "not valid any more" in response.content.decode()


def test_inactive_user_gets_no_reset_email(client, django_capture_on_commit_callbacks, db):
    UserFactory(email="gone@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "gone@example.com"})
    assert mail.outbox == []
