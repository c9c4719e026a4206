"""The login pause, driven through the real login view with several client addresses.

Found from outside: after the pause began the right password still logged in (so guessing could
go on, telling right from wrong), and the failures were counted without the account, so one
person's guessing paused everyone else's logins from that address.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from motmap.models import OutboxEmail
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
HERE, THERE = "203.0.113.10", "198.51.100.20"
LIMIT = 10
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


@pytest.fixture(autouse=True)
def _axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.BEHIND_TLS_PROXY = False


def attempt(email, password, address=HERE, **extra):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": email, "password": password}, **extra)
    response.logged_in = "_auth_user_id" in client.session
    return response


def pause(email, address=HERE):
    """LIMIT wrong passwords: the last one starts the pause."""
    answers = [attempt(email, "wrong-guess", address).status_code for _ in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]


def page(response):
    return CSRF.sub(b"", response.content)


def test_the_right_password_gets_the_same_refusal_as_a_wrong_one_while_paused(alice):
    pause(alice.email)

    right = attempt(alice.email, PASSWORD)
    wrong = attempt(alice.email, "another-guess")

    assert right.status_code == wrong.status_code == 429
    assert not right.logged_in
    assert page(right) == page(wrong)
    assert "paused" in right.content.decode()
    assert right["Retry-After"] == wrong["Retry-After"] == "3600"


def test_another_account_from_the_same_address_is_not_paused(alice, bob):
    pause(alice.email)

    first_wrong = attempt(bob.email, "wrong-guess")
    assert first_wrong.status_code == 200
    assert "correct email address and password" in first_wrong.content.decode()
    assert attempt(bob.email, PASSWORD).logged_in


def test_the_same_account_from_another_address_logs_in(alice):
    pause(alice.email)

    assert attempt(alice.email, PASSWORD, THERE).logged_in
    assert attempt(alice.email, PASSWORD, HERE).status_code == 429  # still paused here


def test_the_failures_are_counted_per_account_and_address(alice):
    pause(alice.email)
    rows = list(AccessAttempt.objects.values_list("username", "ip_address"))
    assert rows == [("alice@nordic-air.example", HERE)]


def test_case_variants_of_an_email_share_one_counter(alice):
    variants = ["ALICE@nordic-air.example", "Alice@Nordic-Air.Example", " alice@NORDIC-air.example"]
    answers = [attempt(variants[i % 3], "wrong-guess").status_code for i in range(LIMIT)]
    assert answers[-1] == 429
    assert attempt("alice@nordic-air.example", PASSWORD).status_code == 429


def test_a_forged_x_forwarded_for_does_not_get_around_the_pause(alice):
    for i in range(LIMIT):
        attempt(alice.email, "wrong-guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = attempt(alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HERE}


def test_behind_the_proxy_a_client_that_reaches_the_app_server_directly_cannot_pose_as_it(
    alice, settings
):
    settings.BEHIND_TLS_PROXY = True
    for i in range(LIMIT):  # from a public address: not one of TRUSTED_PROXIES
        attempt(alice.email, "wrong-guess", HERE, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt(alice.email, PASSWORD, HERE, HTTP_X_FORWARDED_FOR=THERE).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HERE}


def test_behind_the_proxy_the_address_it_appended_counts(alice, settings):
    settings.BEHIND_TLS_PROXY = True
    proxy = "10.0.0.5"
    for i in range(LIMIT):  # the client writes what it likes in front; the proxy appends
        attempt(alice.email, "wrong-guess", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {HERE}")
    assert attempt(alice.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=HERE).status_code == 429
    assert attempt(alice.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=THERE).logged_in


def test_the_pause_ends_after_the_cool_off_and_a_login_clears_the_count(alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pause(alice.email)
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert attempt(alice.email, PASSWORD).status_code == 429
    # The attempt at minute 59 moved the end on: an hour after it, the right password works.
    with time_machine.travel(start + timedelta(minutes=59 + 61), tick=False):
        assert attempt(alice.email, PASSWORD).logged_in
        assert not AccessAttempt.objects.exists()
        assert attempt(alice.email, "wrong-guess").status_code == 200  # counting from zero


def test_the_admin_login_is_paused_too(alice):
    pause(alice.email)
    client = Client(REMOTE_ADDR=HERE)
    response = client.post(ADMIN_LOGIN, {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 429


def test_the_account_holder_is_emailed_once_with_a_link_to_choose_a_new_password(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pause(alice.email)
        attempt(alice.email, "wrong-guess")  # more guessing from here ...
        pause(alice.email, THERE)  # ... and from elsewhere: still the one email

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@nordic-air.example"]
    assert message.subject == "Logins to your motmap account were paused"
    assert HERE in message.body
    assert "unsubscribe" not in message.body.lower()  # a security notice, not a notification
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)
    html, _ = message.alternatives[0]
    assert link in html

    client = Client(REMOTE_ADDR=HERE)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    new_password = "a-new-long-password-77"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == "/accounts/reset/done/"
    # The new password ends the pause: logging in from the paused address works at once.
    assert attempt(alice.email, new_password).logged_in
    assert attempt(alice.email, new_password, THERE).logged_in


def test_guesses_counted_past_the_limit_at_once_still_send_the_email(
    alice, django_capture_on_commit_callbacks
):
    """Parallel guesses can be counted together, so that no attempt sees the limit exactly."""
    AccessAttempt.objects.create(
        username=alice.email,
        ip_address=HERE,
        user_agent="<unknown>",
        failures_since_start=LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info=LOGIN,
        attempt_time=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert attempt(alice.email, "wrong-guess").status_code == 429  # the 11th failure
        attempt(alice.email, "wrong-guess")
    assert [m.to for m in mail.outbox] == [[alice.email]]


def test_no_email_for_an_email_address_without_an_account(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pause("nobody@nordic-air.example")
    assert not OutboxEmail.objects.exists()


def test_a_new_pause_after_the_cool_off_sends_a_new_email(
    alice, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(start, tick=False):
            pause(alice.email)
        with time_machine.travel(start + timedelta(hours=2), tick=False):
            pause(alice.email)
    assert len(mail.outbox) == 2


def members(client):
    return client.get(reverse("member_list", args=["nordic-air"]))


def test_owners_see_a_paused_member_and_lift_the_pause(
    alice, bob, carol, client_for, django_capture_on_commit_callbacks
):
    pause(carol.email)
    pause(carol.email, THERE)

    owner_page = members(client_for(alice)).content.decode()
    assert "Logins paused from 2 addresses until" in owner_page
    assert "Lift the pause" in owner_page
    manager_page = members(client_for(bob)).content.decode()
    assert "Logins paused" not in manager_page

    membership = carol.memberships.get()
    url = reverse("member_login_unpause", args=["nordic-air", membership.pk])
    assert client_for(bob).post(url).status_code == 403
    assert attempt(carol.email, PASSWORD).status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(url)
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    told = [m for m in mail.outbox if "lifted the pause" in m.subject]
    assert [m.to for m in told] == [[carol.email]]
    assert "Alice Andersson, an owner of Nordic Air" in told[0].body
    assert attempt(carol.email, PASSWORD).logged_in
    assert attempt(carol.email, PASSWORD, THERE).logged_in
    assert "Logins paused" not in members(client_for(alice)).content.decode()


def test_an_owner_cannot_lift_the_pause_of_another_organisations_member(mallory, carol, client_for):
    pause(carol.email)
    url = reverse("member_login_unpause", args=["mallory-mart", carol.memberships.get().pk])
    assert client_for(mallory).post(url).status_code == 404
    assert AccessAttempt.objects.exists()
