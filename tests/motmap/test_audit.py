"""The audit log: every change that matters, written with it, read and exported by owners,
never changed, pruned after AUDIT_RETENTION_DAYS."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from api import services as api_services
from feedback import services as feedback_services
from ideas import services as idea_services
from journeys import services as journey_services
from motmap import services
from motmap.models import AuditEntry, Role
from motmap.tasks import prune_old_rows
from reviews import services as review_services
from tests.factories import IdeaFactory, MembershipFactory, UserFactory
from touchpoints import services as touchpoint_services
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db
AUDIT = "/o/nordic-air/audit/"


def actions(org):
    return list(
        AuditEntry.objects.filter(organisation=org)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


def last(org, action):
    return AuditEntry.objects.filter(organisation=org, action=action).latest("at")


# --- what is written -------------------------------------------------------------------------


def test_a_settings_change_records_who_and_the_old_and_new_values(nordic, alice):
    services.organisation_update(
        actor=alice,
        organisation=nordic,
        name="Nordic Air AB",
        time_zone="Europe/Oslo",
        paper_size=nordic.paper_size,
    )

    entry = last(nordic, "organisation.updated")
    assert entry.actor == alice and entry.actor_name == alice.display_name
    assert entry.changes == {
        "name": ["Nordic Air", "Nordic Air AB"],
        "time_zone": ["Europe/Stockholm", "Europe/Oslo"],
    }
    assert entry.via_token == "" and entry.token_id is None


def test_journeys_and_stages_are_logged(nordic, bob):
    journey = journey_services.journey_create(actor=bob, organisation=nordic, name="Lounge")
    journey_services.journey_update(actor=bob, journey=journey, description="Airside")
    stage = journey_services.stage_create(actor=bob, journey=journey, name="Arrive")
    other = journey_services.stage_create(actor=bob, journey=journey, name="Relax")
    journey_services.stage_rename(actor=bob, stage=stage, name="Arrival")
    journey_services.stage_move(actor=bob, stage=other, direction="up")
    journey_services.stage_delete(actor=bob, stage=other)
    journey_services.journey_archive(actor=bob, journey=journey)
    journey_services.journey_restore(actor=bob, journey=journey)
    journey_services.stage_delete(actor=bob, stage=stage)
    journey_services.journey_delete(actor=bob, journey=journey)

    assert actions(nordic) == [
        "journey.created",
        "journey.updated",
        "stage.created",
        "stage.created",
        "stage.updated",
        "stage.moved",
        "stage.deleted",
        "journey.archived",
        "journey.restored",
        "stage.deleted",
        "journey.deleted",
    ]
    assert last(nordic, "journey.updated").changes == {"description": ["", "Airside"]}
    assert last(nordic, "stage.updated").changes == {"name": ["Arrive", "Arrival"]}
    # The deleted journey's entries stay, and still say what it was.
    assert last(nordic, "journey.deleted").target_label == "Lounge"


def test_an_edit_that_changes_nothing_writes_nothing(nordic, bob, journey):
    journey_services.journey_update(actor=bob, journey=journey, name=journey.name)
    assert "journey.updated" not in actions(nordic)


def test_touchpoints_are_logged_with_their_changes(nordic, bob, journey):
    stage = journey.stages.first()
    tp = touchpoint_services.touchpoint_create(
        actor=bob, journey=journey, stage=stage, name="Lounge door", rating_current=0
    )
    touchpoint_services.touchpoint_update(
        actor=bob, touchpoint=tp, version=tp.version, rating_current=-1, name="Lounge entrance"
    )
    touchpoint_services.touchpoint_move(actor=bob, touchpoint=tp, direction="up")
    touchpoint_services.touchpoint_delete(actor=bob, touchpoint=tp)

    assert actions(nordic)[-4:] == [
        "touchpoint.created",
        "touchpoint.updated",
        "touchpoint.moved",
        "touchpoint.deleted",
    ]
    assert last(nordic, "touchpoint.updated").changes == {
        "name": ["Lounge door", "Lounge entrance"],
        "rating_current": [0, -1],
    }


def test_the_bulk_feed_is_one_entry_with_its_counts(nordic, bob, journey):
    tp = journey.touchpoints.first()
    tp.external_id = "desk-1"
    tp.save()
    touchpoint_services.touchpoint_feed(
        actor=bob, organisation=nordic, rows=[{"external_id": "desk-1", "contacts_per_day": 7}]
    )
    assert last(nordic, "touchpoint.fed").changes == {"received": 1, "updated": 1, "unchanged": 0}


def test_ideas_statuses_reviews_and_actions_are_logged(nordic, bob, carol, journey):
    idea = IdeaFactory(organisation=nordic, touchpoint=journey.touchpoints.first(), author=carol)
    idea_services.idea_change_status(actor=bob, idea=idea, status="under_review")
    review = review_services.review_start(
        actor=bob, journey=journey, held_on=review_services.local_today(nordic)
    )
    due = review_services.local_today(nordic) + timedelta(days=7)
    action = review_services.action_create(
        actor=bob, review=review, title="Greet by name", owner=carol, due_on=due
    )
    review_services.action_update(
        actor=bob, action=action, title="Greet every guest by name", owner=carol, due_on=due
    )
    review_services.action_close(actor=carol, action=action, status="done")
    review_services.review_complete(actor=bob, review=review, store_pack=False)

    assert actions(nordic) == [
        "idea.status_changed",
        "review.started",
        "action.created",
        "action.updated",
        "action.closed",
        "review.completed",
    ]
    assert last(nordic, "idea.status_changed").changes == {"status": ["new", "under_review"]}
    assert last(nordic, "action.closed").actor == carol
    assert last(nordic, "action.updated").changes == {
        "title": ["Greet by name", "Greet every guest by name"]
    }


def test_an_anonymous_idea_leaves_no_trace_in_the_log(nordic, carol, journey):
    idea_services.idea_submit(
        actor=carol,
        touchpoint=journey.touchpoints.first(),
        title="Quiet zone",
        today="Noisy.",
        proposal="Quiet.",
        anonymous=True,
    )
    assert not AuditEntry.objects.filter(actor=carol).exists()


def test_members_invitations_and_roles_are_logged(nordic, alice, bob):
    invitation, token = services.invitation_create(
        actor=alice, organisation=nordic, email="dave@example.com", role=Role.STAFF
    )
    dave_membership = services.invitation_accept(token=token, password="fjord-lantern-ochre-913")
    services.membership_change_role(actor=alice, membership=dave_membership, role=Role.MANAGER)
    services.membership_remove(actor=alice, membership=dave_membership)
    other, _ = services.invitation_create(
        actor=alice, organisation=nordic, email="erin@example.com", role=Role.STAFF
    )
    services.invitation_revoke(actor=alice, invitation=other)

    assert actions(nordic) == [
        "invitation.created",
        "member.joined",
        "member.role_changed",
        "member.removed",
        "invitation.created",
        "invitation.revoked",
    ]
    assert last(nordic, "member.role_changed").changes == {"role": ["staff", "manager"]}
    assert last(nordic, "member.joined").actor.email == "dave@example.com"


def test_tokens_webhooks_and_feedback_settings_are_logged(nordic, alice, bob, journey, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the endpoint is this machine
    token, _raw = api_services.api_token_create(actor=bob, organisation=nordic, name="Sync")
    api_services.api_token_revoke(actor=bob, token=token)
    endpoint = webhook_services.endpoint_create(
        actor=alice, organisation=nordic, url="http://127.0.0.1:8999/x", events=["idea.created"]
    )
    webhook_services.endpoint_update(
        actor=alice, endpoint=endpoint, url="http://127.0.0.1:8999/y", events=["idea.created"]
    )
    webhook_services.endpoint_rotate_secret(actor=alice, endpoint=endpoint)
    webhook_services.endpoint_disable(actor=alice, endpoint=endpoint)
    webhook_services.endpoint_enable(actor=alice, endpoint=endpoint)
    webhook_services.endpoint_delete(actor=alice, endpoint=endpoint)
    tp = journey.touchpoints.first()
    point = feedback_services.feedback_open(actor=bob, touchpoint=tp)
    feedback_services.feedback_update(actor=bob, point=point, question="How was the desk?")
    feedback_services.feedback_rotate(actor=bob, point=point)
    feedback_services.feedback_close(actor=bob, point=point)
    feedback_services.feedback_open(actor=bob, touchpoint=tp)

    assert actions(nordic) == [
        "api_token.created",
        "api_token.revoked",
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.disabled",
        "webhook.enabled",
        "webhook.deleted",
        "feedback.opened",
        "feedback.updated",
        "feedback.rotated",
        "feedback.closed",
        "feedback.reopened",
    ]
    assert last(nordic, "webhook.updated").changes == {
        "url": ["http://127.0.0.1:8999/x", "http://127.0.0.1:8999/y"]
    }
    # Secrets never reach the log.
    logged = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert endpoint.secret not in logged and point.token not in logged


def token_client(user, org):
    _token, raw = api_services.api_token_create(actor=user, organisation=org, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_change_through_the_api_names_its_token(nordic, bob, journey):
    client = token_client(bob, nordic)
    tp = journey.touchpoints.first()

    response = client.patch(
        f"/api/v1/orgs/nordic-air/touchpoints/{tp.pk}/",
        {"rating_current": -2},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{tp.version}"',
    )

    assert response.status_code == 200, response.content
    entry = last(nordic, "touchpoint.updated")
    assert entry.actor == bob and entry.via_token.startswith("test (")
    assert entry.token_id is not None


def test_a_page_request_after_an_api_request_is_not_marked(nordic, alice, bob, journey, client_for):
    tp = journey.touchpoints.first()
    token_client(bob, nordic).patch(
        f"/api/v1/orgs/nordic-air/touchpoints/{tp.pk}/",
        {"rating_current": -2},
        content_type="application/json",
        HTTP_IF_MATCH=f'"{tp.version}"',
    )
    client_for(alice).post(
        "/o/nordic-air/settings/",
        {
            "name": "Nordic Air AB",
            "time_zone": nordic.time_zone,
            "paper_size": nordic.paper_size,
            "reminder_days_before": nordic.reminder_days_before,
            "language": nordic.language,
        },
    )
    entry = last(nordic, "organisation.updated")
    assert entry.actor == alice and entry.via_token == ""


def test_an_entry_is_written_in_the_transaction_of_its_change(nordic, bob):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            journey_services.journey_create(actor=bob, organisation=nordic, name="Gone")
            raise RuntimeError("the change fails after the service")
    assert not AuditEntry.objects.filter(target_label="Gone").exists()


# --- never changed -----------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted(nordic, bob):
    journey_services.journey_create(actor=bob, organisation=nordic, name="Lounge")
    entry = AuditEntry.objects.get()

    entry.target_label = "Something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(target_label="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().target_label == "Lounge"


def test_the_admin_only_reads_entries(nordic, bob):
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_entries_older_than_the_retention_are_pruned(nordic, bob, settings):
    settings.AUDIT_RETENTION_DAYS = 730
    with time_machine.travel(timezone.now() - timedelta(days=731)):
        journey_services.journey_create(actor=bob, organisation=nordic, name="Old")
    journey_services.journey_create(actor=bob, organisation=nordic, name="New")

    prune_old_rows.delay().get()

    assert list(AuditEntry.objects.values_list("target_label", flat=True)) == ["New"]


def test_an_organisations_deletion_takes_its_entries(nordic, other_org, bob, mallory):
    journey_services.journey_create(actor=bob, organisation=nordic, name="Lounge")
    journey_services.journey_create(actor=mallory, organisation=other_org, name="Mart")
    nordic.delete()
    assert list(AuditEntry.objects.values_list("target_label", flat=True)) == ["Mart"]


# --- the owners' page --------------------------------------------------------------------------


@pytest.fixture
def logged(nordic, other_org, alice, bob, mallory):
    with time_machine.travel("2026-11-02 10:00 +01:00"):
        journey_services.journey_create(actor=bob, organisation=nordic, name="Lounge")
    with time_machine.travel("2026-11-20 10:00 +01:00"):
        services.organisation_update(
            actor=alice,
            organisation=nordic,
            name=nordic.name,
            time_zone="Europe/Oslo",
            paper_size=nordic.paper_size,
        )
        journey_services.journey_create(actor=alice, organisation=nordic, name="=SUM(1)")
    journey_services.journey_create(actor=mallory, organisation=other_org, name="Mallory secret")


def test_owners_read_the_log(logged, alice, client_for):
    page = client_for(alice).get(AUDIT).content.decode()
    assert "Lounge" in page and "Bob" in page
    assert "Mallory secret" not in page


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_owners_read_the_log(logged, who, request, client_for):
    user = request.getfixturevalue(who)
    assert client_for(user).get(AUDIT).status_code == 403
    assert client_for(user).get(AUDIT + "export.csv").status_code == 403


def test_another_organisation_sees_none_of_it(logged, mallory, client_for):
    assert client_for(mallory).get(AUDIT).status_code == 404


def test_the_log_filters_by_person_area_and_days(logged, alice, bob, client_for):
    client = client_for(alice)

    by_bob = client.get(AUDIT, {"person": bob.pk}).content.decode()
    assert "Lounge" in by_bob and "Europe/Oslo" not in by_bob

    settings_only = client.get(AUDIT, {"area": "organisation"}).content.decode()
    assert "Europe/Oslo" in settings_only and "Lounge" not in settings_only

    november_start = client.get(AUDIT, {"since": "2026-11-01", "until": "2026-11-10"})
    assert "Lounge" in november_start.content.decode()
    assert "Europe/Oslo" not in november_start.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ({"since": "2026-13-45"}, "Give a date such as"),
        ({"until": "yesterday"}, "Give a date such as"),
        ({"since": "2026-11-10", "until": "2026-11-01"}, "The end comes before the start"),
        ({"person": "999999"}, "Select a valid choice"),
        ({"area": "passwords"}, "Select a valid choice"),
        ({"since": "9" * 300}, "Give a date such as"),
    ],
)
def test_a_bad_filter_says_what_is_wrong_and_shows_nothing(
    logged, alice, client_for, query, message
):
    for url in (AUDIT, AUDIT + "export.csv"):
        response = client_for(alice).get(url, query)
        body = response.content.decode()
        assert response.status_code == 200 and message in body
        assert "Lounge" not in body


def test_the_log_exports_as_csv_with_its_filter(logged, alice, client_for):
    response = client_for(alice).get(AUDIT + "export.csv", {"person": alice.pk})

    assert response["Content-Type"].startswith("text/csv")
    assert "audit-nordic-air-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Time", "Person", "API token", "Area", "What", "Changes"]
    assert len(rows) == 3  # newest first: the journey, then the settings
    time, person, _token, area, what, changes = rows[2]
    assert time.startswith("2026-11-20T10:00:00") and person == alice.display_name
    assert area == "Organisation settings" and "Europe/Oslo" in changes
    assert rows[1][4] == "created =SUM(1)"


def test_a_cell_that_would_be_a_formula_is_written_as_text(nordic, alice, client_for):
    evil = MembershipFactory(
        organisation=nordic, role=Role.MANAGER, user__full_name="=cmd|'/c calc'!A1"
    ).user
    journey_services.journey_create(actor=evil, organisation=nordic, name="Lounge")
    response = client_for(alice).get(AUDIT + "export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][1] == "'=cmd|'/c calc'!A1"


def test_entries_of_a_deleted_account_are_found_as_former_members(logged, bob, alice, client_for):
    get_user_model().objects.filter(pk=bob.pk).delete()
    page = client_for(alice).get(AUDIT, {"person": "former"}).content.decode()
    assert "Lounge" in page and "Europe/Oslo" not in page


def test_the_settings_page_links_to_the_log(alice, client_for):
    assert AUDIT in client_for(alice).get("/o/nordic-air/settings/").content.decode()


def test_the_day_filter_is_in_the_organisations_time_zone(nordic, bob, alice, client_for):
    # 23:30 in Stockholm on 1 Nov is still 1 Nov there, though 22:30 UTC.
    with time_machine.travel("2026-11-01 23:30 +01:00"):
        journey_services.journey_create(actor=bob, organisation=nordic, name="Late")
    page = client_for(alice).get(AUDIT, {"since": "2026-11-01", "until": "2026-11-01"})
    assert "Late" in page.content.decode()
