"""The v1 API of ideas: submit, edit, withdraw, vote, comment, decide, through the services."""

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas import services as idea_services
from ideas.models import Comment, Idea, IdeaEvent, IdeaStatus, Vote
from motmap.models import Role
from tests.factories import IdeaFactory, MembershipFactory, UserFactory

BASE = "/api/v1/orgs/nordic-air"


def send(client, method, url, data=None, **extra):
    body = data if isinstance(data, str) else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


def submit_body(touchpoint, **extra):
    return {
        "touchpoint": str(touchpoint.pk),
        "title": "Greet by name",
        "today": "Nobody says hello.",
        "proposal": "Say hello by name.",
        **extra,
    }


@pytest.fixture
def carol_idea(carol, touchpoint):
    idea, _ = idea_services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Warm towels", today="Cold.", proposal="Warm."
    )
    return idea


# --- submit, read, edit, withdraw ----------------------------------------------------------


def test_staff_submits_an_idea_and_reads_it_back(client_for, carol, bob, touchpoint):
    client = client_for(carol)
    response = send(client, "post", f"{BASE}/ideas/", submit_body(touchpoint, habits=["surprise"]))
    assert response.status_code == 201, response.json()
    body = response.json()
    idea = Idea.objects.get(pk=body["id"])
    assert idea.author == carol and idea.number == 1
    assert body["author"] == "carol@nordic-air.example"
    assert body["journey"] == str(touchpoint.journey_id)
    assert body["stage"] == str(touchpoint.stage_id)
    assert body["status"] == "new" and body["vote_count"] == 0 and body["has_voted"] is False
    assert [e["to_status"] for e in body["events"]] == ["new"]
    assert body["events"][0]["from_status"] is None
    assert "submission_token" not in body
    detail = client.get(f"{BASE}/ideas/{idea.pk}/")
    assert detail.status_code == 200 and detail.json()["title"] == "Greet by name"


def test_anonymous_idea_keeps_no_author(client_for, carol, touchpoint):
    response = send(
        client_for(carol), "post", f"{BASE}/ideas/", submit_body(touchpoint, anonymous=True)
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"] is None and body["anonymous"] is True
    assert body["events"][0]["actor"] is None
    idea = Idea.objects.get(pk=body["id"])
    assert idea.author_id is None
    assert IdeaEvent.objects.get(idea=idea).actor_id is None
    assert "carol" not in json.dumps(body)


def test_resending_with_the_same_submission_token_creates_nothing(client_for, carol, touchpoint):
    client = client_for(carol)
    body = submit_body(touchpoint, submission_token=str(uuid.uuid4()))
    first = send(client, "post", f"{BASE}/ideas/", body)
    again = send(client, "post", f"{BASE}/ideas/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Idea.objects.count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"habits": ["flying"]}, "habits"),
        ({"touchpoint": "not-a-uuid"}, "touchpoint"),
        ({"touchpoint": str(uuid.uuid4())}, "touchpoint"),
        ({"colour": "red"}, "colour"),
        ({"anonymous": "maybe"}, "anonymous"),
    ],
)
def test_bad_idea_is_400_and_changes_nothing(change, field, client_for, carol, touchpoint):
    response = send(
        client_for(carol), "post", f"{BASE}/ideas/", {**submit_body(touchpoint), **change}
    )
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Idea.objects.exists()


def test_idea_on_a_touchpoint_of_another_org_is_a_field_error(
    client_for, carol, touchpoint, mallory_journey
):
    foreign = mallory_journey.touchpoints.get()
    response = send(client_for(carol), "post", f"{BASE}/ideas/", submit_body(foreign))
    assert response.status_code == 400
    assert "touchpoint" in response.json()["errors"]
    assert "Mallory" not in response.content.decode()
    assert not Idea.objects.exists()


def test_idea_on_an_archived_journey_is_refused_by_the_service(client_for, carol, touchpoint):
    touchpoint.journey.archived_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    touchpoint.journey.save()
    response = send(client_for(carol), "post", f"{BASE}/ideas/", submit_body(touchpoint))
    assert response.status_code == 400
    assert "archived" in response.json()["errors"]["touchpoint"][0]


def test_the_rate_limit_of_the_pages_applies(client_for, carol, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 1
    client = client_for(carol)
    assert send(client, "post", f"{BASE}/ideas/", submit_body(touchpoint)).status_code == 201
    response = send(client, "post", f"{BASE}/ideas/", submit_body(touchpoint))
    assert response.status_code == 400
    assert "this hour" in response.json()["errors"]["non_field_errors"][0]


def test_author_edits_while_new_others_get_403(client_for, carol, bob, carol_idea):
    url = f"{BASE}/ideas/{carol_idea.pk}/"
    assert send(client_for(bob), "patch", url, {"title": "Mine now"}).status_code == 403
    response = send(client_for(carol), "patch", url, {"title": "Hot towels", "habits": ["tact"]})
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Hot towels"
    carol_idea.refresh_from_db()
    assert (carol_idea.title, carol_idea.today, carol_idea.habits) == (
        "Hot towels",
        "Cold.",
        ["tact"],
    )
    # A GET sent back is accepted: the read-only fields are ignored.
    back = send(client_for(carol), "patch", url, client_for(carol).get(url).json())
    assert back.status_code == 200, back.json()
    assert send(client_for(carol), "patch", url, {"touchpoint": "x", "votes": 1}).status_code == 400
    idea_services.idea_change_status(actor=bob, idea=carol_idea, status="under_review")
    late = send(client_for(carol), "patch", url, {"title": "Too late"})
    assert late.status_code == 400
    carol_idea.refresh_from_db()
    assert carol_idea.title == "Hot towels"


def test_withdraw_by_the_author_only(client_for, carol, bob, carol_idea):
    url = f"{BASE}/ideas/{carol_idea.pk}/withdraw/"
    assert client_for(bob).post(url).status_code == 403
    assert Idea.objects.filter(pk=carol_idea.pk).exists()
    assert client_for(carol).post(url).status_code == 204
    assert not Idea.objects.filter(pk=carol_idea.pk).exists()
    assert client_for(carol).post(url).status_code == 404


# --- votes ---------------------------------------------------------------------------------


def test_vote_and_unvote_are_idempotent(client_for, carol, bob, carol_idea):
    url = f"{BASE}/ideas/{carol_idea.pk}/vote/"
    client = client_for(bob)
    for _ in range(2):
        response = client.post(url)
        assert response.status_code == 200
        assert response.json() == {"voted": True, "vote_count": 1}
    assert Vote.objects.filter(idea=carol_idea, user=bob).count() == 1
    assert client.get(f"{BASE}/ideas/{carol_idea.pk}/").json()["has_voted"] is True
    assert client_for(carol).get(f"{BASE}/ideas/{carol_idea.pk}/").json()["has_voted"] is False
    assert client_for(carol).post(url).json() == {"voted": True, "vote_count": 2}
    for _ in range(2):
        response = client.delete(url)
        assert response.status_code == 200
        assert response.json() == {"voted": False, "vote_count": 1}
    assert not Vote.objects.filter(idea=carol_idea, user=bob).exists()


def test_voting_on_a_duplicate_is_refused_by_the_service(
    client_for, bob, carol, touchpoint, carol_idea
):
    original = IdeaFactory(touchpoint=touchpoint, author=bob)
    idea_services.idea_change_status(
        actor=bob, idea=carol_idea, status="duplicate", duplicate_of=original
    )
    response = client_for(bob).post(f"{BASE}/ideas/{carol_idea.pk}/vote/")
    assert response.status_code == 400
    assert f"#{original.number}" in response.json()["errors"]["non_field_errors"][0]
    assert not Vote.objects.filter(idea=carol_idea).exists()


# --- comments ------------------------------------------------------------------------------


def test_comments_add_list_edit_delete(client_for, carol, bob, carol_idea):
    url = f"{BASE}/ideas/{carol_idea.pk}/comments/"
    added = send(client_for(bob), "post", url, {"body": "Good one"})
    assert added.status_code == 201, added.json()
    assert added.json()["by_manager"] is True and added.json()["author"] == "bob@nordic-air.example"
    mine = send(client_for(carol), "post", url, {"body": "Thanks"})
    assert mine.status_code == 201 and mine.json()["by_manager"] is False
    listed = client_for(carol).get(url).json()["results"]
    assert [c["body"] for c in listed] == ["Good one", "Thanks"]
    detail = f"{url}{mine.json()['id']}/"
    assert client_for(carol).get(detail).json()["body"] == "Thanks"
    assert send(client_for(bob), "patch", detail, {"body": "Edited by bob"}).status_code == 403
    assert client_for(bob).delete(detail).status_code == 403
    edited = send(client_for(carol), "patch", detail, {"body": "Thank you"})
    assert edited.status_code == 200 and edited.json()["edited_at"]
    assert send(client_for(carol), "patch", detail, {"body": "  "}).status_code == 400
    assert Comment.objects.get(pk=mine.json()["id"]).body == "Thank you"
    assert client_for(carol).delete(detail).status_code == 204
    carol_idea.refresh_from_db()
    assert carol_idea.comment_count == 1
    assert client_for(carol).get(detail).status_code == 404


def test_comment_of_another_idea_under_this_idea_is_404(client_for, carol, touchpoint, carol_idea):
    other = IdeaFactory(touchpoint=touchpoint, author=carol)
    comment = idea_services.comment_add(actor=carol, idea=other, body="Elsewhere")
    url = f"{BASE}/ideas/{carol_idea.pk}/comments/{comment.pk}/"
    assert client_for(carol).get(url).status_code == 404
    assert send(client_for(carol), "patch", url, {"body": "x"}).status_code == 404
    assert client_for(carol).delete(url).status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


# --- status --------------------------------------------------------------------------------


def test_manager_decides_staff_cannot(
    client_for, carol, bob, carol_idea, django_capture_on_commit_callbacks
):
    url = f"{BASE}/ideas/{carol_idea.pk}/status/"
    assert send(client_for(carol), "post", url, {"status": "accepted"}).status_code == 403
    no_reason = send(client_for(bob), "post", url, {"status": "declined"})
    assert no_reason.status_code == 400 and "note" in no_reason.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client_for(bob), "post", url, {"status": "declined", "note": "Costly"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "declined" and body["decision_note"] == "Costly"
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [
        (None, "new"),
        ("new", "declined"),
    ]
    assert body["events"][1]["actor"] == "bob@nordic-air.example"
    again = send(client_for(bob), "post", url, {"status": "declined", "note": "Again"})
    assert again.status_code == 400 and "status" in again.json()["errors"]


def test_duplicate_needs_an_idea_of_this_org(
    client_for, bob, touchpoint, carol_idea, mallory_journey
):
    url = f"{BASE}/ideas/{carol_idea.pk}/status/"
    foreign = IdeaFactory(touchpoint=mallory_journey.touchpoints.get())
    for original in (None, str(foreign.pk), str(uuid.uuid4()), "12"):
        response = send(
            client_for(bob), "post", url, {"status": "duplicate", "duplicate_of": original}
        )
        assert response.status_code == 400, original
        assert "duplicate_of" in response.json()["errors"]
    carol_idea.refresh_from_db()
    assert carol_idea.status == IdeaStatus.NEW
    original = IdeaFactory(touchpoint=touchpoint)
    response = send(
        client_for(bob), "post", url, {"status": "duplicate", "duplicate_of": str(original.pk)}
    )
    assert response.status_code == 200
    assert response.json()["duplicate_of"] == str(original.pk)


# --- other organisations -------------------------------------------------------------------


def test_another_orgs_idea_is_404_everywhere(client_for, mallory, bob, mallory_journey):
    foreign = IdeaFactory(touchpoint=mallory_journey.touchpoints.get(), author=mallory)
    client = client_for(bob)
    base = f"{BASE}/ideas/{foreign.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert send(client, "patch", f"{base}/", {"title": "x"}).status_code == 404
    assert client.post(f"{base}/vote/").status_code == 404
    assert client.post(f"{base}/withdraw/").status_code == 404
    assert client.get(f"{base}/comments/").status_code == 404
    assert send(client, "post", f"{base}/comments/", {"body": "hi"}).status_code == 404
    assert send(client, "post", f"{base}/status/", {"status": "accepted"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.vote_count == 0 and foreign.status == "new" and foreign.comment_count == 0
    listed = client.get(f"{BASE}/ideas/").json()["results"]
    assert listed == []


# --- list: filters, ordering, pages --------------------------------------------------------


@pytest.fixture
def board(journey, carol, bob, alice):
    """Four ideas on three touchpoints, with votes and statuses."""
    phone = journey.touchpoints.get(name="Phone booking")
    desk = journey.touchpoints.get(name="Check-in desk")
    gate = journey.touchpoints.get(name="Boarding gate")
    ideas = {
        "phone": IdeaFactory(touchpoint=phone, author=carol, title="Phone"),
        "desk": IdeaFactory(touchpoint=desk, author=bob, title="Desk"),
        "gate": IdeaFactory(touchpoint=gate, author=None, title="Gate"),
        "desk2": IdeaFactory(touchpoint=desk, author=carol, title="Desk 2"),
    }
    for offset, idea in enumerate(ideas.values()):
        Idea.objects.filter(pk=idea.pk).update(
            created_at=datetime.datetime(2026, 3, 1 + offset, 12, tzinfo=datetime.UTC)
        )
    for voter in (carol, bob, alice):
        idea_services.vote_toggle(actor=voter, idea=ideas["gate"])
    idea_services.vote_toggle(actor=bob, idea=ideas["desk"])
    idea_services.idea_change_status(actor=bob, idea=ideas["desk"], status="implemented")
    return ideas


def titles(response):
    assert response.status_code == 200, response.json()
    return [i["title"] for i in response.json()["results"]]


def test_idea_filters(client_for, carol, board, journey):
    client = client_for(carol)
    desk = journey.touchpoints.get(name="Check-in desk")
    airport = journey.stages.get(name="Airport")
    assert titles(client.get(f"{BASE}/ideas/")) == ["Desk 2", "Gate", "Desk", "Phone"]
    assert titles(client.get(f"{BASE}/ideas/?status=implemented")) == ["Desk"]
    assert titles(client.get(f"{BASE}/ideas/?status=open")) == ["Desk 2", "Gate", "Phone"]
    assert titles(client.get(f"{BASE}/ideas/?touchpoint={desk.pk}")) == ["Desk 2", "Desk"]
    assert titles(client.get(f"{BASE}/ideas/?stage={airport.pk}")) == ["Desk 2", "Gate", "Desk"]
    assert titles(client.get(f"{BASE}/ideas/?journey={journey.pk}&mine=true")) == [
        "Desk 2",
        "Phone",
    ]
    assert titles(client.get(f"{BASE}/ideas/?mine=false")) == ["Gate", "Desk"]
    assert titles(
        client.get(
            f"{BASE}/ideas/?created_after=2026-03-02T00:00:00Z&created_before=2026-03-04T00:00:00Z"
        )
    ) == ["Gate", "Desk"]
    voted = client.get(f"{BASE}/ideas/?ordering=-votes").json()["results"]
    assert [(i["title"], i["vote_count"], i["has_voted"]) for i in voted[:2]] == [
        ("Gate", 3, True),
        ("Desk", 1, False),
    ]
    assert titles(client.get(f"{BASE}/ideas/?ordering=created_at"))[0] == "Phone"
    assert titles(client.get(f"{BASE}/ideas/?ordering=status"))[0] == "Desk"  # implemented
    assert client.get(f"{BASE}/ideas/?ordering=-updated_at").status_code == 200
    for bad in ("status=lost", "touchpoint=zzz", "mine=perhaps", "created_after=yesterday"):
        response = client.get(f"{BASE}/ideas/?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.json()["errors"]


def test_idea_cursor_pages(client_for, carol, board):
    client = client_for(carol)
    first = client.get(f"{BASE}/ideas/?page_size=3&ordering=-votes").json()
    assert len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    seen = [i["id"] for i in first["results"] + second["results"]]
    assert sorted(seen) == sorted(str(i.pk) for i in board.values())
    assert client.get(f"{BASE}/ideas/?cursor=garbage").status_code == 404


def _list_queries(client, url, size):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{url}?page_size={size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == size
    return len(ctx.captured_queries)


def test_idea_and_comment_lists_do_not_grow_with_the_page(
    client_for, nordic, carol, bob, touchpoint
):
    for n in range(50):
        author = UserFactory()
        MembershipFactory(organisation=nordic, user=author, role=Role.STAFF)
        IdeaFactory(
            touchpoint=touchpoint,
            author=author if n % 2 else None,
            status="duplicate" if n % 3 else "new",
        )
    idea = Idea.objects.first()
    for n in range(50):
        Comment.objects.create(idea=idea, author=bob if n % 2 else carol, body=f"c{n}")
    client = client_for(carol)
    assert _list_queries(client, f"{BASE}/ideas/", 5) == _list_queries(client, f"{BASE}/ideas/", 50)
    url = f"{BASE}/ideas/{idea.pk}/comments/"
    assert _list_queries(client, url, 5) == _list_queries(client, url, 50)


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01", "today"]
)
def test_dates_out_of_range_in_utc_are_400_not_500(value, client_for, carol, journey):
    response = client_for(carol).get(f"{BASE}/ideas/", {"created_after": value})
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]
