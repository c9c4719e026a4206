"""Deleting one's account (what they wrote stays, without their name) and deleting an
organisation (everything of it goes, for good, once its name is typed)."""

from collections import deque

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from api import services as api_services
from ideas import services as idea_services
from ideas.models import Comment, Idea, IdeaEvent, Vote
from journeys import services as journey_services
from motmap import services
from motmap.models import AuditEntry, Membership, Organisation, Role
from notifications.models import CalendarFeed
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()
DELETE_ME = "/accounts/me/delete/"


@pytest.fixture
def carol_wrote(nordic, carol, bob, journey):
    tp = journey.touchpoints.first()
    named, _ = idea_services.idea_submit(
        actor=carol, touchpoint=tp, title="Warm towels", today="Cold.", proposal="Warm."
    )
    hidden, _ = idea_services.idea_submit(
        actor=carol,
        touchpoint=tp,
        title="Quiet zone",
        today="Noisy.",
        proposal="Quiet.",
        anonymous=True,
    )
    bobs, _ = idea_services.idea_submit(
        actor=bob, touchpoint=tp, title="Faster bags", today="Slow.", proposal="Fast."
    )
    idea_services.vote_set(actor=carol, idea=bobs, voted=True)
    idea_services.comment_add(actor=carol, idea=bobs, body="Yes please")
    api_services.api_token_create(actor=carol, organisation=nordic, name="Carol's script")
    CalendarFeed.objects.create(membership=Membership.objects.get(user=carol, organisation=nordic))
    journey_services.journey_update(actor=bob, journey=journey, description="By carol's idea")
    return {"named": named, "hidden": hidden, "bobs": bobs}


def test_a_deleted_account_leaves_its_ideas_as_a_former_members(
    carol_wrote, nordic, carol, alice, client_for
):
    response = client_for(carol).post(DELETE_ME, {"current_password": PASSWORD}, follow=True)

    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(pk=carol.pk).exists()
    named = Idea.objects.get(pk=carol_wrote["named"].pk)
    assert named.author is None and named.author_left and not named.is_anonymous
    hidden = Idea.objects.get(pk=carol_wrote["hidden"].pk)
    assert not hidden.author_left and hidden.is_anonymous  # still anonymous, not "former"
    # Their vote is taken back; their comment stays, without an author.
    bobs = Idea.objects.get(pk=carol_wrote["bobs"].pk)
    assert bobs.vote_count == 0 and not Vote.objects.filter(idea=bobs).exists()
    assert Comment.objects.get(idea=bobs).author is None
    # Memberships, tokens and feeds go with the account.
    assert not Membership.objects.filter(user_id=carol.pk).exists()
    assert not CalendarFeed.objects.exists()
    assert not nordic.api_tokens.exists()

    page = client_for(alice).get(f"/o/nordic-air/ideas/{named.pk}/").content.decode()
    assert "proposed by a former member" in page and "Carol" not in page
    page = client_for(alice).get(f"/o/nordic-air/ideas/{bobs.pk}/").content.decode()
    assert "former member" in page and "Carol" not in page


def test_the_deletion_is_logged_and_the_log_forgets_the_name(carol_wrote, nordic, alice, carol):
    services.membership_change_role(
        actor=alice,
        membership=Membership.objects.get(user=carol, organisation=nordic),
        role=Role.MANAGER,
    )
    journey_services.journey_create(actor=carol, organisation=nordic, name="Carol's journey")

    services.user_delete(actor=User.objects.get(pk=carol.pk))

    entry = AuditEntry.objects.get(target_label="Carol's journey")
    assert entry.actor is None and entry.actor_name == ""
    gone = AuditEntry.objects.get(action="account.anonymised")
    assert gone.organisation == nordic and "Carol" not in str(gone.changes) + gone.target_label
    assert not AuditEntry.objects.filter(actor_name__icontains="carol").exists()


def test_a_wrong_password_deletes_nothing(carol_wrote, carol, client_for):
    response = client_for(carol).post(DELETE_ME, {"current_password": "not it"})

    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert User.objects.filter(pk=carol.pk).exists()
    assert Idea.objects.filter(author=carol).exists()


def test_the_only_owner_cannot_delete_their_account(nordic, alice, client_for):
    response = client_for(alice).post(DELETE_ME, {"current_password": PASSWORD})

    page = response.content.decode()
    assert "You are the only owner of this organisation" in page and "Nordic Air" in page
    assert 'name="current_password"' not in page  # no form to fill in for nothing
    assert User.objects.filter(pk=alice.pk).exists()
    assert Membership.objects.filter(user=alice).exists()


def test_an_owner_with_another_owner_can_leave(nordic, alice, bob, client_for):
    services.membership_change_role(
        actor=alice, membership=Membership.objects.get(user=bob), role=Role.OWNER
    )
    client_for(alice).post(DELETE_ME, {"current_password": PASSWORD})
    assert not User.objects.filter(pk=alice.pk).exists()


def test_the_account_page_links_to_the_deletion(carol, client_for):
    assert DELETE_ME in client_for(carol).get("/accounts/me/").content.decode()


# --- deleting an organisation ------------------------------------------------------------------

DELETE_ORG = "/o/nordic-air/delete/"


def test_the_wrong_name_deletes_nothing(nordic, alice, client_for):
    for typed in ("", "nordic air", "Nordic", "Mallory Mart"):
        response = client_for(alice).post(DELETE_ORG, {"confirm_name": typed})
        assert response.status_code == 200
        body = response.content.decode()
        assert "Type “Nordic Air” to delete it" in body or "This field is required" in body
    assert Organisation.objects.filter(pk=nordic.pk).exists()


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_owners_delete_an_organisation(nordic, who, request, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.post(DELETE_ORG, {"confirm_name": "Nordic Air"}).status_code == 403
    assert Organisation.objects.filter(pk=nordic.pk).exists()


def test_the_password_is_asked_again_before_deleting(nordic, alice, client):
    client.force_login(alice)
    session = client.session
    session["reauth_at"] = 0  # typed long ago
    session.save()
    response = client.post(DELETE_ORG, {"confirm_name": "Nordic Air"})
    assert 'name="confirm_password"' in response.content.decode()
    assert Organisation.objects.filter(pk=nordic.pk).exists()


def test_the_settings_page_offers_the_deletion(alice, client_for):
    assert DELETE_ORG in client_for(alice).get("/o/nordic-air/settings/").content.decode()


def _paths_to_organisation(model, depth=5):
    """Lookups from `model` to the Organisation it belongs to, through its foreign keys."""
    found, queue = [], deque([(model, "")])
    while queue:
        current, path = queue.popleft()
        if path.count("__") >= depth:
            continue
        for field in current._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            lookup = f"{path}{field.name}"
            if field.related_model is Organisation:
                found.append(lookup)
            elif field.related_model is not current and field.related_model is not User:
                queue.append((field.related_model, lookup + "__"))
    return found


def _rows_of(org):
    """{model: set of pks} of every row that belongs to `org` through some foreign key."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model is Organisation:
            continue
        pks = set()
        for path in _paths_to_organisation(model):
            pks |= set(model._default_manager.filter(**{path: org.pk}).values_list("pk", flat=True))
        if pks:
            rows[model] = pks
    return rows


def test_deleting_the_demo_leaves_no_row_of_it_in_any_table(demo, other_org, mallory, client_for):
    nordic = Organisation.objects.get(slug="nordic-air")
    owner = nordic.memberships.filter(role=Role.OWNER).first().user
    journey_services.journey_create(actor=mallory, organisation=other_org, name="Mallory's")
    theirs = _rows_of(nordic)
    others = _rows_of(other_org)
    assert len(theirs) >= 20  # journeys, touchpoints, ideas, reviews, feedback, audit, ...

    response = client_for(owner).post(
        "/o/nordic-air/delete/", {"confirm_name": "Nordic Air"}, follow=True
    )

    assert "Nordic Air and all its data are deleted" in response.content.decode()
    assert not Organisation.objects.filter(pk=nordic.pk).exists()
    for model, pks in theirs.items():
        assert not model._default_manager.filter(pk__in=pks).exists(), model
    # No row anywhere still points at a deleted one (a foreign key the cascade missed).
    deleted = {model: pks for model, pks in theirs.items()}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model in deleted:
                dangling = model._default_manager.filter(
                    **{f"{field.attname}__in": deleted[field.related_model]}
                )
                assert not dangling.exists(), (model, field.name)
            if isinstance(field, models.ForeignKey) and field.related_model is Organisation:
                assert not model._default_manager.filter(**{field.attname: nordic.pk}).exists()
    # The other organisation keeps everything; the people keep their accounts.
    assert _rows_of(other_org) == others
    assert User.objects.filter(pk=owner.pk).exists()
    assert IdeaEvent.objects.filter(idea__organisation=nordic).count() == 0
