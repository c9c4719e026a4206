import csv
import io
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from ideas import services
from ideas.models import Comment, Idea, IdeaStatus, Vote
from tests.factories import IdeaFactory, JourneyFactory, StageFactory, TouchpointFactory

NEW = "/o/nordic-air/ideas/new/"


def submit_data(tp, **overrides):
    data = {
        "touchpoint": str(tp.pk),
        "title": "Greet by name",
        "today": "The agent says 'next' and looks at the screen.",
        "proposal": "Read the name from the booking and greet the traveller with it.",
        "habits": ["strokes"],
        "submission_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_staff_submits_an_idea_from_the_form(client_for, carol, touchpoint):
    response = client_for(carol).post(NEW, submit_data(touchpoint))
    idea = Idea.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/nordic-air/ideas/{idea.pk}/?sent=1"
    assert (idea.author, idea.number, idea.touchpoint) == (carol, 1, touchpoint)
    page = client_for(carol).get(response["Location"]).content.decode()
    assert "Greet by name" in page and "data-clear-draft" in page


def test_the_form_arrives_with_the_touchpoint_chosen_and_grouped_choices(
    client_for, carol, touchpoint
):
    response = client_for(carol).get(f"{NEW}?touchpoint={touchpoint.pk}")
    form = response.context["form"]
    assert form["touchpoint"].value() == str(touchpoint.pk)
    page = response.content.decode()
    assert '<optgroup label="Business trip › Airport">' in page
    assert f'<option value="{touchpoint.pk}" selected>Check-in desk</option>' in page
    assert "not stored anywhere" in page  # the anonymous option says so in plain words
    assert "htmx.min.js" not in page  # the phone page stays light


def test_a_resent_form_creates_one_idea(client_for, carol, touchpoint):
    client = client_for(carol)
    data = submit_data(touchpoint)
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert Idea.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"title": ""}, "title"),
        ({"today": ""}, "today"),
        ({"proposal": ""}, "proposal"),
        ({"proposal": "x" * 20_000}, "proposal"),
        ({"habits": ["flattery"]}, "habits"),
        ({"touchpoint": ""}, "touchpoint"),
        ({"touchpoint": str(uuid.uuid4())}, "touchpoint"),
    ],
)
def test_bad_idea_input_is_a_field_error_keeping_the_text(
    client_for, carol, touchpoint, overrides, field
):
    response = client_for(carol).post(NEW, submit_data(touchpoint, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    kept = "Greet by name" if field != "title" else "looks at the screen"
    assert kept in response.content.decode()
    assert not Idea.objects.exists()


def test_an_archived_journeys_touchpoint_cannot_get_ideas(client_for, carol, bob, touchpoint):
    from journeys.services import journey_archive

    journey_archive(actor=bob, journey=touchpoint.journey)
    response = client_for(carol).post(NEW, submit_data(touchpoint))
    assert "touchpoint" in response.context["form"].errors
    assert not Idea.objects.exists()


def test_another_orgs_touchpoint_is_refused(client_for, carol, mallory_journey):
    foreign = mallory_journey.touchpoints.get()
    response = client_for(carol).post(NEW, submit_data(foreign))
    assert "touchpoint" in response.context["form"].errors
    assert not Idea.objects.exists()


def test_twenty_ideas_an_hour_then_a_clear_message(client_for, carol, touchpoint, settings):
    settings.IDEAS_PER_HOUR = 3
    client = client_for(carol)
    for i in range(3):
        client.post(NEW, submit_data(touchpoint, anonymous="on" if i else ""))
    response = client.post(NEW, submit_data(touchpoint))
    assert response.status_code == 200
    assert "ideas this hour" in response.content.decode()
    assert Idea.objects.count() == 3


def test_anonymous_idea_from_the_form_has_no_author(client_for, carol, touchpoint):
    client_for(carol).post(NEW, submit_data(touchpoint, anonymous="on"))
    idea = Idea.objects.get()
    assert idea.author is None
    assert idea.events.get().actor is None
    page = client_for(carol).get(f"/o/nordic-air/ideas/{idea.pk}/").content.decode()
    assert "proposed anonymously" in page
    assert "Carol" not in page.split("<main")[1].split("Comments")[0]
    mine = client_for(carol).get("/o/nordic-air/ideas/mine/")
    assert list(mine.context["ideas"]) == []


# --- the board of ideas ----------------------------------------------------------------------


@pytest.fixture
def ideas(journey, carol, bob):
    check_in = journey.touchpoints.get(name="Check-in desk")
    phone = journey.touchpoints.get(name="Phone booking")
    a = IdeaFactory(
        touchpoint=check_in,
        author=carol,
        title="Name at the desk",
        vote_count=5,
        habits=["strokes"],
    )
    b = IdeaFactory(
        touchpoint=phone,
        author=bob,
        title="Call back",
        vote_count=1,
        status=IdeaStatus.DECLINED,
        decision_note="Too costly",
    )
    c = IdeaFactory(
        touchpoint=check_in,
        author=None,
        title="Coffee in the queue",
        vote_count=3,
        habits=["surprise"],
        proposal="Hand out coffee when the queue is long",
    )
    return a, b, c


def titles(response):
    return [i.title for i in response.context["page"].object_list]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", ["Name at the desk", "Coffee in the queue", "Call back"]),
        ("?sort=newest", ["Coffee in the queue", "Call back", "Name at the desk"]),
        ("?status=declined", ["Call back"]),
        ("?status=open", ["Name at the desk", "Coffee in the queue"]),
        ("?habit=surprise", ["Coffee in the queue"]),
        ("?q=coffee", ["Coffee in the queue"]),
        ("?mine=on", ["Name at the desk"]),
        ("?status=bogus&sort=nonsense", ["Name at the desk", "Coffee in the queue", "Call back"]),
    ],
)
def test_ideas_board_filters_and_sorts(client_for, carol, ideas, query, expected):
    response = client_for(carol).get(f"/o/nordic-air/ideas/{query}")
    assert response.status_code == 200
    assert titles(response) == expected


def test_ideas_board_by_journey_stage_and_touchpoint(client_for, carol, ideas, journey, nordic):
    other = TouchpointFactory(stage=StageFactory(journey=JourneyFactory(organisation=nordic)))
    IdeaFactory(touchpoint=other, title="Elsewhere")
    client = client_for(carol)
    by_journey = client.get(f"/o/nordic-air/ideas/?journey={journey.pk}")
    assert "Elsewhere" not in titles(by_journey) and len(titles(by_journey)) == 3
    airport = journey.stages.get(name="Airport")
    assert set(titles(client.get(f"/o/nordic-air/ideas/?stage={airport.pk}"))) == {
        "Name at the desk",
        "Coffee in the queue",
    }
    check_in = journey.touchpoints.get(name="Check-in desk")
    assert len(titles(client.get(f"/o/nordic-air/ideas/?touchpoint={check_in.pk}"))) == 2


def test_ideas_board_is_paginated(client_for, carol, touchpoint):
    for _ in range(25):
        IdeaFactory(touchpoint=touchpoint)
    client = client_for(carol)
    first = client.get("/o/nordic-air/ideas/?sort=newest")
    assert len(titles(first)) == 20
    second = client.get("/o/nordic-air/ideas/?sort=newest&page=2")
    assert len(titles(second)) == 5
    assert "Page 2 of 2" in second.content.decode()
    assert client.get("/o/nordic-air/ideas/?page=999").status_code == 200


def _many_ideas(touchpoint, n):
    Idea.objects.bulk_create(
        Idea(
            organisation=touchpoint.organisation,
            touchpoint=touchpoint,
            number=i + 1,
            title=f"Idea {i}",
            today="t",
            proposal="p",
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [50, 5000])
def test_pages_keep_their_query_count_with_many_ideas(
    client_for, bob, journey, touchpoint, n, django_assert_max_num_queries
):
    _many_ideas(touchpoint, n)
    client = client_for(bob)
    client.get("/o/nordic-air/")
    for url in (
        "/o/nordic-air/ideas/",
        f"/o/nordic-air/journeys/{journey.pk}/",
        "/o/nordic-air/",
        f"/o/nordic-air/touchpoints/{touchpoint.pk}/",
    ):
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200


def test_open_idea_counts_on_the_board_card_and_touchpoint_page(client_for, carol, ideas, journey):
    board = client_for(carol).get(f"/o/nordic-air/journeys/{journey.pk}/")
    counts = {tp.name: tp.open_ideas for tp in board.context["board"].touchpoints}
    assert counts == {"Phone booking": 0, "Check-in desk": 2, "Boarding gate": 0}
    assert "2 open ideas" in board.content.decode()
    check_in = journey.touchpoints.get(name="Check-in desk")
    page = client_for(carol).get(f"/o/nordic-air/touchpoints/{check_in.pk}/").content.decode()
    assert "2 open ideas" in page


# --- votes and comments ------------------------------------------------------------------------


def test_vote_toggles_without_js_and_with_htmx(client_for, carol, ideas):
    idea = ideas[0]
    client = client_for(carol)
    url = f"/o/nordic-air/ideas/{idea.pk}/vote/"
    response = client.post(url, {"next": "/o/nordic-air/ideas/"})
    assert response.status_code == 302 and response["Location"] == "/o/nordic-air/ideas/"
    assert Vote.objects.filter(idea=idea, user=carol).exists()
    fragment = client.post(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'aria-pressed="false"' in fragment.content.decode()
    assert not Vote.objects.filter(idea=idea, user=carol).exists()
    evil = client.post(url, {"next": "https://evil.example/"})
    assert evil["Location"] == f"/o/nordic-air/ideas/{idea.pk}/"


def test_comments_by_managers_are_marked(client_for, carol, bob, ideas):
    idea = ideas[0]
    url = f"/o/nordic-air/ideas/{idea.pk}/comments/"
    client_for(carol).post(url, {"body": "I see this every day"})
    client_for(bob).post(url, {"body": "Good one, we test it next week"})
    page = client_for(carol).get(f"/o/nordic-air/ideas/{idea.pk}/").content.decode()
    assert page.count('class="comment comment--manager"') == 1
    assert "I see this every day" in page and "Good one" in page


def test_empty_comment_is_a_field_error(client_for, carol, ideas):
    response = client_for(carol).post(f"/o/nordic-air/ideas/{ideas[0].pk}/comments/", {"body": " "})
    assert "body" in response.context["comment_form"].errors
    assert not Comment.objects.exists()


def test_comment_on_another_orgs_idea_is_404(client_for, mallory, ideas):
    response = client_for(mallory).post(
        f"/o/mallory-mart/ideas/{ideas[0].pk}/comments/", {"body": "hi"}
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_author_edits_and_deletes_own_comment_only(client_for, carol, bob, ideas):
    comment = services.comment_add(actor=carol, idea=ideas[0], body="First")
    base = f"/o/nordic-air/ideas/{ideas[0].pk}/comments/{comment.pk}"
    assert client_for(bob).post(f"{base}/edit/", {"body": "Hijack"}).status_code == 403
    assert client_for(carol).post(f"{base}/edit/", {"body": "Second"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Second" and comment.edited_at
    assert client_for(bob).post(f"{base}/delete/").status_code == 403
    assert client_for(carol).post(f"{base}/delete/").status_code == 302
    assert not Comment.objects.exists()


# --- editing and withdrawing ------------------------------------------------------------------


def test_author_edits_and_withdraws_while_new(client_for, carol, bob, touchpoint):
    idea, _ = services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="T", today="a", proposal="b"
    )
    url = f"/o/nordic-air/ideas/{idea.pk}/"
    data = {"title": "Better title", "today": "a", "proposal": "b"}
    assert client_for(carol).post(url + "edit/", data).status_code == 302
    idea.refresh_from_db()
    assert idea.title == "Better title"
    assert client_for(bob).get(url + "edit/").status_code == 403
    services.idea_change_status(actor=bob, idea=idea, status="under_review")
    response = client_for(carol).post(url + "edit/", {**data, "title": "Too late"})
    assert "already being looked at" in response.content.decode()
    response = client_for(carol).post(url + "withdraw/", follow=True)
    assert Idea.objects.filter(pk=idea.pk).exists()


def test_withdraw_a_new_idea(client_for, carol, touchpoint):
    idea, _ = services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="T", today="a", proposal="b"
    )
    assert client_for(carol).post(f"/o/nordic-air/ideas/{idea.pk}/withdraw/").status_code == 302
    assert not Idea.objects.exists()


# --- deciding ----------------------------------------------------------------------------------


def test_manager_declines_with_a_reason_and_people_are_told(
    client_for, carol, bob, alice, touchpoint, django_capture_on_commit_callbacks
):
    idea, _ = services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Free lounge", today="a", proposal="b"
    )
    services.vote_toggle(actor=alice, idea=idea)
    url = f"/o/nordic-air/ideas/{idea.pk}/status/"
    response = client_for(bob).post(url, {"status": "declined", "note": ""})
    assert "note" in response.context["status_form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(url, {"status": "declined", "note": "No budget this year"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.DECLINED and idea.decision_note == "No budget this year"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@nordic-air.example",
        "carol@nordic-air.example",
    ]
    mine = client_for(carol).get("/o/nordic-air/ideas/mine/").content.decode()
    assert "Declined" in mine and "No budget this year" in mine


def test_staff_cannot_decide(client_for, carol, ideas):
    response = client_for(carol).post(
        f"/o/nordic-air/ideas/{ideas[0].pk}/status/", {"status": "accepted"}
    )
    assert response.status_code == 403
    ideas[0].refresh_from_db()
    assert ideas[0].status == IdeaStatus.NEW


@pytest.mark.parametrize(
    "number,message", [(999, "no idea with this number"), (None, "number of the original")]
)
def test_duplicate_needs_an_existing_original(client_for, bob, ideas, number, message):
    data = {"status": "duplicate"}
    if number:
        data["duplicate_of"] = number
    response = client_for(bob).post(f"/o/nordic-air/ideas/{ideas[0].pk}/status/", data)
    assert message in response.content.decode()
    ideas[0].refresh_from_db()
    assert ideas[0].status == IdeaStatus.NEW


def test_duplicate_of_another_orgs_number_is_not_found(client_for, bob, ideas, mallory_journey):
    foreign = IdeaFactory(touchpoint=mallory_journey.touchpoints.get(), number=77)
    response = client_for(bob).post(
        f"/o/nordic-air/ideas/{ideas[0].pk}/status/",
        {"status": "duplicate", "duplicate_of": foreign.number},
    )
    assert "no idea with this number" in response.content.decode()


# --- home, wall, export, QR ---------------------------------------------------------------------


def test_managers_see_how_many_ideas_wait_and_for_how_long(client_for, bob, carol, ideas):
    Idea.objects.filter(pk=ideas[0].pk).update(
        created_at=timezone.now() - timezone.timedelta(days=3)
    )
    page = client_for(bob).get("/o/nordic-air/").content.decode()
    assert "Ideas waiting for a decision" in page
    assert '<strong class="waiting__count">2</strong>' in page
    assert "3\xa0days" in page
    assert (
        "Ideas waiting for a decision"
        not in client_for(carol).get("/o/nordic-air/").content.decode()
    )


def test_implemented_wall_credits_the_front_line(client_for, carol, bob, touchpoint):
    idea, _ = services.idea_submit(
        actor=carol, touchpoint=touchpoint, title="Name badges", today="a", proposal="b"
    )
    services.idea_change_status(actor=bob, idea=idea, status="implemented", note="Live")
    page = client_for(carol).get("/o/nordic-air/ideas/implemented/").content.decode()
    assert "Name badges" in page and "proposed by Carol Carlsson" in page and "live since" in page


def test_csv_export_opens_cleanly_in_excel(client_for, bob, ideas):
    Idea.objects.filter(pk=ideas[0].pk).update(title='=HYPERLINK("http://x")')
    response = client_for(bob).get("/o/nordic-air/ideas/export.csv?status=open")
    body = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "Number"
    assert len(rows) == 3  # header + the two open ideas
    assert any(r[1] == '\'=HYPERLINK("http://x")' for r in rows[1:])
    assert "anonymous" in body


def test_staff_cannot_export(client_for, carol, ideas):
    assert client_for(carol).get("/o/nordic-air/ideas/export.csv").status_code == 403


def test_qr_codes_and_the_a6_card(client_for, carol, touchpoint):
    client = client_for(carol)
    svg = client.get(f"/o/nordic-air/touchpoints/{touchpoint.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/o/nordic-air/touchpoints/{touchpoint.pk}/qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    card = client.get(f"/o/nordic-air/touchpoints/{touchpoint.pk}/card/").content.decode()
    assert "Got an idea to make this moment wow?" in card
    assert "Check-in desk" in card and f"{touchpoint.pk}/qr.svg" in card


def test_a_duplicate_takes_no_new_votes(client_for, bob, alice, ideas):
    original, _, copy = ideas
    services.idea_change_status(actor=bob, idea=copy, status="duplicate", duplicate_of=original)
    response = client_for(alice).post(f"/o/nordic-air/ideas/{copy.pk}/vote/", follow=True)
    assert f"same as #{original.number}" in response.content.decode()
    assert not Vote.objects.filter(idea=copy, user=alice).exists()


def test_a_touchpoint_filter_from_a_link_is_kept_in_the_filter_form(
    client_for, carol, ideas, journey
):
    check_in = journey.touchpoints.get(name="Check-in desk")
    page = client_for(carol).get(f"/o/nordic-air/ideas/?touchpoint={check_in.pk}").content.decode()
    assert f'type="hidden" name="touchpoint" value="{check_in.pk}"' in page


@pytest.mark.parametrize("bad_next", ["idea_list", "javascript:alert(1)", "//evil.example/"])
def test_vote_next_that_is_not_a_local_path_goes_to_the_idea(client_for, carol, ideas, bad_next):
    url = f"/o/nordic-air/ideas/{ideas[0].pk}/vote/"
    response = client_for(carol).post(url, {"next": bad_next})
    assert response.status_code == 302
    assert response["Location"] == f"/o/nordic-air/ideas/{ideas[0].pk}/"


def test_an_anonymous_idea_lands_on_a_page_that_does_not_name_it(client_for, carol, touchpoint):
    response = client_for(carol).post(NEW, submit_data(touchpoint, anonymous="on"))
    assert response["Location"] == "/o/nordic-air/ideas/?sent=1"
    assert str(Idea.objects.get().pk) not in response["Location"]
