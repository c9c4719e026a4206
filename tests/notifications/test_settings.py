"""The notification settings page: each member, staff too, chooses for themselves only."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from motmap.models import Membership, Role
from notifications import services
from notifications.models import DEFAULTS, Frequency, Kind, NotificationSetting
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/o/nordic-air/notifications/"
ALL_OFF = {kind: Frequency.OFF for kind in Kind.values}


def membership(user, org_slug="nordic-air"):
    return Membership.objects.get(user=user, organisation__slug=org_slug)


def saved(user, org_slug="nordic-air"):
    return services.frequencies([membership(user, org_slug)])[membership(user, org_slug).pk]


def checked(html, kind):
    """The value of the checked radio button of a kind's group."""
    [value] = re.findall(rf'<input type="radio" name="{kind}" value="(\w+)"[^>]*checked', html)
    return value


@pytest.mark.parametrize("who", ["alice", "bob", "carol"])
def test_every_member_sees_the_defaults_of_their_role(who, personas, client_for):
    user = personas[who]
    response = client_for(user).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    role = membership(user).role
    for kind in Kind:
        assert checked(html, kind.value) == DEFAULTS[role][kind]
    assert NotificationSetting.objects.count() == 0  # looking changes nothing


def test_the_page_is_accessible_one_h1_fieldsets_legends_labels(carol, client_for):
    html = client_for(carol).get(URL).content.decode()

    assert html.count("<h1") == 1
    assert html.count("<fieldset") == len(Kind)
    for kind in Kind:
        assert f"<legend>{kind.label}</legend>" in html
    for radio_id in re.findall(r'<input type="radio"[^>]*id="([^"]+)"', html):
        assert f'for="{radio_id}"' in html
    assert "Default for your role: Daily digest." in html  # staff: new ideas daily
    assert " style=" not in html and "<script>" not in html  # strict CSP


def test_staff_saves_their_choices(carol, client_for):
    choices = {
        "reminders": "off",
        "decisions": "weekly",
        "new_ideas": "immediately",
        "comments": "off",
        "feedback": "daily",
    }
    response = client_for(carol).post(URL, choices, follow=True)

    assert response.redirect_chain[-1][0] == URL
    assert "Notification settings saved." in response.content.decode()
    assert saved(carol) == choices
    html = response.content.decode()
    assert checked(html, "decisions") == "weekly"


@pytest.mark.parametrize(
    "bad", [{"decisions": "hourly"}, {"decisions": ""}, {"decisions": "x\x00"}, {}]
)
def test_bad_choices_are_field_errors_and_change_nothing(bad, carol, client_for):
    data = {**ALL_OFF, **bad} if bad else {}
    response = client_for(carol).post(URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert NotificationSetting.objects.count() == 0


def test_a_member_changes_only_their_own_settings(alice, bob, carol, client_for):
    client_for(alice).post(URL, ALL_OFF)

    assert saved(alice) == ALL_OFF
    assert saved(bob) == DEFAULTS[Role.MANAGER]
    assert saved(carol) == DEFAULTS[Role.STAFF]


def test_settings_belong_to_one_organisation(carol, other_org, client_for):
    MembershipFactory(organisation=other_org, user=carol, role=Role.STAFF)
    client_for(carol).post(URL, ALL_OFF)

    assert saved(carol) == ALL_OFF
    assert saved(carol, "mallory-mart") == DEFAULTS[Role.STAFF]


def test_mallory_cannot_see_or_change_nordic_settings(mallory, carol, client_for):
    client = client_for(mallory)

    assert client.get(URL).status_code == 404
    assert client.post(URL, ALL_OFF).status_code == 404
    assert NotificationSetting.objects.count() == 0
    own = client.get("/o/mallory-mart/notifications/").content.decode()
    assert "Nordic Air" not in own


def test_the_service_refuses_another_persons_membership(mallory, carol):
    with pytest.raises(PermissionDenied):
        services.settings_update(
            actor=mallory, membership=membership(carol), choices={"comments": "off"}
        )
    assert NotificationSetting.objects.count() == 0


def test_anonymous_is_sent_to_log_in(carol, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_is_linked_from_the_menu(carol, client_for):
    html = client_for(carol).get("/o/nordic-air/").content.decode()
    assert f'href="{URL}"' in html
