"""Invitations, roles and removing members."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from motmap import services
from motmap.models import Invitation, Membership, OutboxEmail, Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

User = get_user_model()
MEMBERS = "/o/nordic-air/members/"
NEW_PASSWORD = "fjord-lantern-ochre-913"
LINK = re.compile(re.escape(settings.SITE_URL) + r"(/invitations/[\w-]+/)")


def invite(client, capture, email="dave@example.com", role=Role.MANAGER):
    with capture(execute=True):
        return client.post(MEMBERS, {"email": email, "role": role})


def link_in_last_email():
    return LINK.search(mail.outbox[-1].body).group(1)


@pytest.fixture
def invited(alice, client_for, django_capture_on_commit_callbacks):
    """Alice has invited dave@example.com as a manager; returns the link's path."""
    response = invite(client_for(alice), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    return link_in_last_email()


# --- inviting -----------------------------------------------------------------------------


def test_owner_invites_by_email_with_a_role(alice, client_for, django_capture_on_commit_callbacks):
    response = invite(
        client_for(alice), django_capture_on_commit_callbacks, email=" Dave@Example.com "
    )

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    invitation = Invitation.objects.get()
    assert invitation.email == "dave@example.com"
    assert invitation.role == Role.MANAGER
    assert invitation.invited_by == alice
    assert invitation.organisation.slug == "nordic-air"
    row = OutboxEmail.objects.get()
    assert row.to == "dave@example.com"
    assert row.sent_at is not None


def test_invitation_email_has_a_working_link_in_text_and_html(
    alice, client, client_for, django_capture_on_commit_callbacks
):
    invite(client_for(alice), django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dave@example.com"]
    assert message.subject == "You are invited to Nordic Air on motmap"
    assert "Alice Andersson invites you to join Nordic Air on motmap as Manager." in message.body
    text_link = LINK.search(message.body).group(1)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>Nordic Air</strong>" in html
    assert LINK.search(html).group(1) == text_link
    # Only a hash of the token is stored.
    token = text_link.split("/")[2]
    assert not Invitation.objects.filter(token_hash=token).exists()

    page = client.get(text_link)
    assert page.status_code == 200
    assert "Join Nordic Air" in page.content.decode()


def test_invitation_email_escapes_names_in_html_but_not_in_text(
    nordic, alice, client_for, django_capture_on_commit_callbacks
):
    nordic.name = "Fish & <Chips>"
    nordic.save()

    invite(client_for(alice), django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.subject == "You are invited to Fish & <Chips> on motmap"
    assert "join Fish & <Chips> on motmap" in message.body
    html = message.alternatives[0][0]
    assert "Fish &amp; &lt;Chips&gt;" in html
    assert "<Chips>" not in html


def test_invitation_email_shows_the_expiry_date_in_the_organisation_time_zone(nordic, alice, db):
    # 23:30 UTC on 8 January: the link expires 15 January 23:30 UTC, i.e. 16 January in Sweden.
    with time_machine.travel(datetime(2030, 1, 8, 23, 30, tzinfo=UTC), tick=False):
        services.invitation_create(
            actor=alice, organisation=nordic, email="dave@example.com", role=Role.STAFF
        )
        nordic.time_zone = "America/New_York"
        nordic.save()
        services.invitation_create(
            actor=alice, organisation=nordic, email="erin@example.com", role=Role.STAFF
        )
    stockholm, new_york = OutboxEmail.objects.order_by("to")
    assert "expires on 16 Jan 2030" in stockholm.body_text
    assert "expires on 16 Jan 2030" in stockholm.body_html
    assert "expires on 15 Jan 2030" in new_york.body_text


def test_accepting_as_a_new_person_creates_the_account_and_membership_and_logs_in(client, invited):
    page = client.get(invited)
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()

    response = client.post(
        invited,
        {"full_name": "Dave Dahl", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/o/nordic-air/"
    dave = User.objects.get(email="dave@example.com")
    assert dave.full_name == "Dave Dahl"
    assert dave.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=dave).role == Role.MANAGER
    assert client.get("/o/nordic-air/").status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == dave


@pytest.mark.parametrize(
    "data, error_field",
    [
        ({"password1": NEW_PASSWORD, "password2": "something-else-77"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"password1": "", "password2": ""}, "password1"),
        (
            {"full_name": "x" * 200, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            "full_name",
        ),
    ],
)
def test_accepting_as_a_new_person_with_bad_input_creates_nothing(
    client, invited, data, error_field
):
    users = User.objects.count()

    response = client.post(invited, data)

    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    assert User.objects.count() == users
    assert Invitation.objects.get().accepted_at is None
    if data.get("full_name"):
        assert f'value="{data["full_name"]}"' in response.content.decode()


def test_accepting_as_an_existing_logged_in_user_adds_the_membership(invited, client_for, mallory):
    dave = UserFactory(email="dave@example.com")
    MembershipFactory(user=dave, organisation=mallory.memberships.get().organisation)
    client = client_for(dave)

    page = client.get(invited)
    assert page.status_code == 200
    assert 'name="password1"' not in page.content.decode()
    response = client.post(invited)

    assert response.status_code == 302
    assert response["Location"] == "/o/nordic-air/"
    assert Membership.objects.get(user=dave, organisation__slug="nordic-air").role == Role.MANAGER
    assert Membership.objects.filter(user=dave).count() == 2
    assert User.objects.filter(email="dave@example.com").count() == 1


def test_an_existing_user_who_is_not_logged_in_is_asked_to_log_in_and_comes_back(
    client, invited, db
):
    dave = UserFactory(email="dave@example.com")

    page = client.get(invited)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Log in" in html and 'name="password1"' not in html
    # A POST does not create a second account.
    response = client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={invited}"
    assert User.objects.filter(email="dave@example.com").count() == 1
    assert not Membership.objects.filter(user=dave).exists()

    login = client.post(
        "/accounts/login/",
        {"username": "dave@example.com", "password": PASSWORD, "next": invited},
    )
    assert login["Location"] == invited
    assert client.post(invited)["Location"] == "/o/nordic-air/"
    assert Membership.objects.get(user=dave).role == Role.MANAGER


def test_invitation_link_works_once(client, client_for, invited):
    client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    again = client.get(invited)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    post_again = client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert post_again.status_code == 410
    assert User.objects.filter(email="dave@example.com").count() == 1
    # Nor can someone else who is logged in use it.
    erin = UserFactory(email="erin@example.com")
    assert client_for(erin).post(invited).status_code == 410
    assert not Membership.objects.filter(user=erin).exists()


def test_invitation_expires_after_seven_days(
    alice, client, client_for, django_capture_on_commit_callbacks
):
    start = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        invite(client_for(alice), django_capture_on_commit_callbacks)
    link = link_in_last_email()

    with time_machine.travel(start + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert client.get(link).status_code == 200

    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        response = client.get(link)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        post = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert post.status_code == 410
        # Nor is it listed as waiting any more.
        members = client_for(alice).get(MEMBERS)
        assert "dave@example.com" not in members.content.decode()
    assert not User.objects.filter(email="dave@example.com").exists()


def test_revoked_invitation_is_refused(alice, client, client_for, invited):
    invitation = Invitation.objects.get()

    response = client_for(alice).post(f"/o/nordic-air/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = client.get(invited)
    assert page.status_code == 410
    assert "withdrawn" in page.content.decode()
    assert (
        client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code
        == 410
    )
    assert not User.objects.filter(email="dave@example.com").exists()


def test_revoking_an_accepted_invitation_says_so_and_keeps_the_member(
    alice, client, client_for, invited
):
    client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    invitation = Invitation.objects.get()

    response = client_for(alice).post(
        f"/o/nordic-air/invitations/{invitation.pk}/revoke/", follow=True
    )

    assert response.status_code == 200
    assert "already accepted" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Membership.objects.filter(user__email="dave@example.com").exists()


def test_a_new_invitation_replaces_the_pending_one(
    alice, client, client_for, invited, django_capture_on_commit_callbacks
):
    invite(client_for(alice), django_capture_on_commit_callbacks, role=Role.STAFF)
    second = link_in_last_email()

    assert client.get(invited).status_code == 410
    assert client.get(second).status_code == 200
    assert Invitation.objects.pending().get().role == Role.STAFF


def test_unknown_invitation_link_says_so(client, db):
    response = client.get("/invitations/no-such-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert client.post("/invitations/no-such-token/").status_code == 404


def test_inviting_an_existing_member_is_a_field_error(
    alice, bob, client_for, django_capture_on_commit_callbacks
):
    response = invite(
        client_for(alice), django_capture_on_commit_callbacks, email="BOB@nordic-air.example"
    )

    assert response.status_code == 200
    assert "already a member" in " ".join(response.context["invite_form"].errors["email"])
    assert 'value="BOB@nordic-air.example"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "data, field",
    [
        ({"email": "not-an-email", "role": Role.STAFF}, "email"),
        ({"email": "", "role": Role.STAFF}, "email"),
        ({"email": "x" * 250 + "@example.com", "role": Role.STAFF}, "email"),
        ({"email": "dave@example.com", "role": "emperor"}, "role"),
        ({"email": "dave@example.com"}, "role"),
    ],
)
def test_invite_with_bad_input_is_a_field_error(
    alice, client_for, django_capture_on_commit_callbacks, data, field
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(MEMBERS, data)

    assert response.status_code == 200
    assert field in response.context["invite_form"].errors
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["bob", "carol"])
@pytest.mark.parametrize(
    "data", [{"email": "dave@example.com", "role": Role.STAFF}, {"email": "bad", "role": "x"}]
)
def test_managers_and_staff_cannot_invite(
    personas, client_for, django_capture_on_commit_callbacks, persona, data
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas[persona]).post(MEMBERS, data)

    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_managers_and_staff_see_members_but_no_invite_form(personas, client_for, persona):
    response = client_for(personas[persona]).get(MEMBERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Andersson" in html
    assert "Send invitation" not in html
    assert "/remove/" not in html


def test_logged_in_user_with_another_email_is_asked_and_joins_with_their_account(
    client_for, invited, db
):
    erin = UserFactory(email="erin@example.com", full_name="Erin Ek")
    client = client_for(erin)

    page = client.get(invited)
    assert page.status_code == 200
    html = page.content.decode()
    assert "dave@example.com" in html and "erin@example.com" in html
    assert "Join as erin@example.com" in html
    # The way to use the invited address instead: log out and come back to the link.
    assert f'<input type="hidden" name="next" value="{invited}">' in html

    response = client.post(invited)

    assert response["Location"] == "/o/nordic-air/"
    assert Membership.objects.get(user=erin).role == Role.MANAGER
    assert Invitation.objects.get().accepted_by == erin
    assert not User.objects.filter(email="dave@example.com").exists()


def test_logged_in_user_with_another_email_can_log_out_and_come_back_to_the_link(
    client_for, invited, db
):
    client = client_for(UserFactory(email="erin@example.com"))

    response = client.post("/accounts/logout/", {"next": invited})

    assert response["Location"] == invited
    assert 'name="password1"' in client.get(invited).content.decode()


def test_a_member_opening_an_invitation_is_told_and_the_invitation_stays_usable(
    bob, client, client_for, invited
):
    page = client_for(bob).get(invited)
    assert page.status_code == 200
    assert "already a member" in page.content.decode()

    response = client_for(bob).post(invited, follow=True)

    assert response.redirect_chain[-1][0] == "/o/nordic-air/"
    assert "already a member" in response.content.decode()
    assert Membership.objects.get(user=bob).role == Role.MANAGER
    assert Invitation.objects.get().accepted_at is None
    # Dave can still use it.
    client.post(invited, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert Membership.objects.filter(user__email="dave@example.com").exists()


def test_invitation_of_one_org_cannot_be_revoked_through_another(mallory, client_for, invited):
    invitation = Invitation.objects.get()

    response = client_for(mallory).post(f"/o/mallory-mart/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("persona, status", [("bob", 403), ("carol", 403), ("mallory", 404)])
def test_only_owners_revoke_invitations(personas, client_for, invited, persona, status):
    invitation = Invitation.objects.get()

    response = client_for(personas[persona]).post(
        f"/o/nordic-air/invitations/{invitation.pk}/revoke/"
    )

    assert response.status_code == status
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_pending_invitations_are_listed_for_owners(alice, client_for, invited):
    html = client_for(alice).get(MEMBERS).content.decode()
    assert "dave@example.com" in html
    assert "Withdraw" in html


# --- roles --------------------------------------------------------------------------------


def _role_url(membership):
    return f"/o/{membership.organisation.slug}/members/{membership.pk}/role/"


def _remove_url(membership):
    return f"/o/{membership.organisation.slug}/members/{membership.pk}/remove/"


def test_owner_changes_a_role(alice, bob, client_for):
    membership = bob.memberships.get()

    response = client_for(alice).post(_role_url(membership), {"role": Role.STAFF}, follow=True)

    assert response.redirect_chain[-1][0] == MEMBERS
    assert "Role of Bob Berg changed" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.STAFF


def test_owner_makes_another_owner_who_can_then_demote_the_first(alice, bob, client_for):
    client_for(alice).post(_role_url(bob.memberships.get()), {"role": Role.OWNER})
    client_for(bob).post(_role_url(alice.memberships.get()), {"role": Role.MANAGER})

    assert alice.memberships.get().role == Role.MANAGER
    assert bob.memberships.get().role == Role.OWNER


def test_owner_removes_a_member(alice, carol, client_for):
    membership = carol.memberships.get()

    response = client_for(alice).post(_remove_url(membership), follow=True)

    assert response.redirect_chain[-1][0] == MEMBERS
    assert "Carol Carlsson was removed" in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=carol.pk).exists()
    assert client_for(carol).get("/o/nordic-air/").status_code == 404


def test_the_last_owner_cannot_be_demoted(alice, bob, client_for):
    membership = alice.memberships.get()

    response = client_for(alice).post(_role_url(membership), {"role": Role.MANAGER}, follow=True)

    assert response.status_code == 200
    assert "last owner cannot be demoted" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_the_last_owner_cannot_be_removed(alice, bob, client_for):
    membership = alice.memberships.get()

    response = client_for(alice).post(_remove_url(membership), follow=True)

    assert response.status_code == 200
    assert "last owner cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()


def test_an_owner_who_removes_themselves_is_sent_home(alice, bob, client_for):
    bob_membership = bob.memberships.get()
    bob_membership.role = Role.OWNER
    bob_membership.save()
    client = client_for(alice)

    response = client.post(_remove_url(alice.memberships.get()))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Membership.objects.filter(user=alice).exists()
    assert client.get("/").status_code in (200, 302)


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_non_owners_cannot_change_roles_or_remove(personas, client_for, persona):
    carol_membership = personas["carol"].memberships.get()
    client = client_for(personas[persona])

    assert client.post(_role_url(carol_membership), {"role": Role.OWNER}).status_code == 403
    assert client.post(_remove_url(carol_membership)).status_code == 403

    carol_membership.refresh_from_db()
    assert carol_membership.role == Role.STAFF


def test_a_membership_of_another_org_is_not_found(alice, mallory, client_for):
    mallory_membership = mallory.memberships.get()
    client = client_for(alice)

    role = client.post(f"/o/nordic-air/members/{mallory_membership.pk}/role/", {"role": Role.STAFF})
    remove = client.post(f"/o/nordic-air/members/{mallory_membership.pk}/remove/")

    assert role.status_code == 404
    assert remove.status_code == 404
    mallory_membership.refresh_from_db()
    assert mallory_membership.role == Role.OWNER


@pytest.mark.parametrize("data", [{"role": "emperor"}, {}])
def test_changing_to_an_unknown_role_says_so(alice, bob, client_for, data):
    membership = bob.memberships.get()

    response = client_for(alice).post(_role_url(membership), data, follow=True)

    assert response.status_code == 200
    assert "Choose a role" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_role_and_remove_need_post(alice, bob, client_for):
    membership = bob.memberships.get()
    assert client_for(alice).get(_role_url(membership)).status_code == 405
    assert client_for(alice).get(_remove_url(membership)).status_code == 405


def test_services_refuse_what_the_templates_hide(bob, carol, nordic):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=bob, organisation=nordic, email="x@example.com", role=Role.STAFF
        )
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=bob, membership=carol.memberships.get(), role=Role.OWNER
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=carol, membership=bob.memberships.get())
    assert not Invitation.objects.exists()
    assert bob.memberships.get().role == Role.MANAGER


def test_the_same_invitation_sent_twice_quickly_emails_once(alice, nordic, client_for):
    from motmap.models import Invitation, OutboxEmail

    client = client_for(alice)
    for _ in range(2):
        client.post("/o/nordic-air/members/", {"email": "twice@example.com", "role": "staff"})
    assert Invitation.objects.pending().filter(email="twice@example.com").count() == 1
    assert OutboxEmail.objects.filter(to="twice@example.com").count() == 1
