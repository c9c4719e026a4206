"""One-click unsubscribe: a GET asks, a POST (also RFC 8058's, from a mail client) turns off.

No login and no CSRF token: the signed token is the proof. A forged, altered or garbled token
gets a clear 400 page and changes nothing.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from motmap.models import Membership
from notifications import services
from notifications.models import Frequency, Kind, NotificationSetting
from notifications.services import Notice, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_m(carol):
    return Membership.objects.get(user=carol)


def path_of(membership, kinds):
    return services.unsubscribe_url(membership, kinds).removeprefix("http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


def frequencies(membership):
    return services.frequencies([membership])[membership.pk]


def strict_client():
    """A client like a mail client: no session, no cookie, CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def test_get_asks_and_changes_nothing(carol_m):
    response = strict_client().get(path_of(carol_m, [Kind.COMMENTS, Kind.NEW_IDEAS]))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Stop emails about New ideas on my touchpoints, Comments on ideas I follow "
        "from Nordic Air?" in html
    )
    assert html.count("<h1") == 1
    assert re.search(r'<form method="post"[^>]*>\s*<button type="submit"', html)
    assert NotificationSetting.objects.count() == 0


def test_post_turns_the_kinds_off_and_links_to_the_settings(carol_m):
    response = strict_client().post(path_of(carol_m, [Kind.COMMENTS]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "You are unsubscribed" in html
    assert 'href="/o/nordic-air/notifications/"' in html
    chosen = frequencies(carol_m)
    assert chosen[Kind.COMMENTS] == Frequency.OFF
    assert chosen[Kind.DECISIONS] == Frequency.IMMEDIATELY  # the others stay


def test_rfc_8058_one_click_post_from_a_mail_client(carol_m):
    response = strict_client().post(
        path_of(carol_m, [Kind.DECISIONS]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert frequencies(carol_m)[Kind.DECISIONS] == Frequency.OFF


def test_posting_twice_is_harmless(carol_m):
    path = path_of(carol_m, [Kind.COMMENTS])
    assert strict_client().post(path).status_code == 200
    assert strict_client().post(path).status_code == 200
    assert NotificationSetting.objects.get().frequency == Frequency.OFF


def _forgeries(valid):
    altered = valid[:-3] + ("aaa" if not valid.endswith("aaa") else "bbb")
    payload, _, signature = valid.rpartition(":")
    return {
        "altered signature": altered,
        "garbage": "hello",
        "10,000 characters": "x" * 10_000,
        "nul bytes": "a\x00b:c",
        "empty signature": payload + ":",
        "markup": "<script>alert(1)",  # no slash: that would be another address
        "other salt": __import__("django.core.signing", fromlist=["dumps"]).dumps(
            {"m": "x", "k": ["comments"]}
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "altered signature",
        "garbage",
        "10,000 characters",
        "nul bytes",
        "empty signature",
        "markup",
        "other salt",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_link_is_a_clear_400_and_changes_nothing(kind, method, carol_m):
    token = _forgeries(services.unsubscribe_token(carol_m, [Kind.COMMENTS]))[kind]
    from urllib.parse import quote

    response = getattr(strict_client(), method)(f"/unsubscribe/{quote(token, safe='')}/")

    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert NotificationSetting.objects.count() == 0


def test_a_link_of_someone_who_left_is_not_valid(carol_m):
    path = path_of(carol_m, [Kind.COMMENTS])
    carol_m.delete()

    assert strict_client().post(path).status_code == 400


def test_the_link_turns_off_only_its_own_membership(carol_m, bob):
    bob_m = Membership.objects.get(user=bob)
    strict_client().post(path_of(carol_m, list(Kind.values)))

    assert set(frequencies(carol_m).values()) == {Frequency.OFF}
    assert Frequency.OFF not in frequencies(bob_m).values()


def test_unsubscribed_kinds_are_not_delivered_any_more(carol_m, django_capture_on_commit_callbacks):
    strict_client().post(path_of(carol_m, [Kind.DECISIONS]))
    with django_capture_on_commit_callbacks(execute=True):
        deliver([Notice(carol_m, Kind.DECISIONS, "review_reminder", "x", "/", {})])

    assert mail.outbox == []


def test_the_email_headers_carry_the_one_click_link(
    carol_m, journey, django_capture_on_commit_callbacks
):
    notice = Notice(
        membership=carol_m,
        kind=Kind.REMINDERS,
        template="review_reminder",
        text="The review of “Business trip” is due in 14 days.",
        url=f"/o/nordic-air/journeys/{journey.pk}/",
        context={"journey": journey, "days": 14, "overdue": False, "summary": "Due soon"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver([notice])

    [message] = mail.outbox
    headers = message.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(http://127\.0\.0\.1:8000/unsubscribe/[^>]+/)>", headers["List-Unsubscribe"]
    )
    assert url
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    for part in (message.body, html):
        assert "Nordic Air" in part
        assert f"http://127.0.0.1:8000/o/nordic-air/journeys/{journey.pk}/" in part
        assert url.group(1) in part
        assert "http://127.0.0.1:8000/o/nordic-air/notifications/" in part
    # The header's link works as RFC 8058 says: a POST with no cookie, no CSRF token.
    path = url.group(1).removeprefix("http://127.0.0.1:8000")
    response = strict_client().post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert frequencies(carol_m)[Kind.REMINDERS] == Frequency.OFF
