"""Several organisations per person, the switcher, tenancy, and organisation settings."""

from datetime import UTC, datetime

import pytest

from motmap.models import Invitation, Membership, Organisation, Role
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

SETTINGS = "/o/nordic-air/settings/"
GOOD_SETTINGS = {
    "name": "Nordic Air Group",
    "time_zone": "America/New_York",
    "paper_size": "letter",
    "reminder_days_before": "14",
    "language": "sv",
}


@pytest.fixture
def alice_in_two(alice, other_org):
    """Alice also works, as staff, for Mallory Mart."""
    MembershipFactory(organisation=other_org, user=alice, role=Role.STAFF)
    return alice


# --- several organisations ----------------------------------------------------------------


def test_switcher_lists_every_organisation_of_the_person(alice_in_two, client_for):
    html = client_for(alice_in_two).get("/o/nordic-air/").content.decode()

    assert 'href="/o/nordic-air/" aria-current="true"' in html
    assert 'href="/o/mallory-mart/"' in html
    assert 'Mallory Mart <span class="muted">(Staff)</span>' in html


def test_switcher_shows_only_the_persons_organisations(alice, mallory, client_for):
    html = client_for(alice).get("/o/nordic-air/").content.decode()
    assert "Mallory Mart" not in html


def test_home_opens_the_last_used_organisation(alice_in_two, client_for):
    client = client_for(alice_in_two)

    client.get("/o/mallory-mart/")
    assert client.get("/")["Location"] == "/o/mallory-mart/"

    client.get("/o/nordic-air/members/")
    assert client.get("/")["Location"] == "/o/nordic-air/"


def test_home_remembers_the_last_used_organisation_after_logging_in_again(
    alice_in_two, client, client_for
):
    client_for(alice_in_two).get("/o/mallory-mart/")

    client.post("/accounts/login/", {"username": alice_in_two.email, "password": PASSWORD})

    assert client.get("/")["Location"] == "/o/mallory-mart/"


def test_home_with_several_organisations_and_none_used_lists_them(alice_in_two, client_for):
    response = client_for(alice_in_two).get("/")
    assert response["Location"] == "/orgs/"
    listing = client_for(alice_in_two).get("/orgs/").content.decode()
    assert "Nordic Air" in listing and "Mallory Mart" in listing


def test_home_with_one_organisation_opens_it(alice, client_for):
    assert client_for(alice).get("/")["Location"] == "/o/nordic-air/"


def test_home_forgets_an_organisation_the_person_left(alice_in_two, client_for):
    client = client_for(alice_in_two)
    client.get("/o/mallory-mart/")
    Membership.objects.filter(user=alice_in_two, organisation__slug="mallory-mart").delete()

    assert client.get("/")["Location"] == "/o/nordic-air/"


@pytest.mark.django_db
def test_home_without_organisation_offers_to_create_one(client_for):
    loner = UserFactory(email="loner@example.com")
    client = client_for(loner)

    assert client.get("/")["Location"] == "/orgs/"
    assert "New organisation" in client.get("/orgs/").content.decode()


def test_create_another_organisation(alice, client_for):
    client = client_for(alice)

    response = client.post("/orgs/new/", {"name": "Nordic Cargo"})

    assert response["Location"] == "/o/nordic-cargo/"
    org = Organisation.objects.get(slug="nordic-cargo")
    assert org.memberships.get().user == alice
    assert org.memberships.get().role == Role.OWNER
    assert Membership.objects.filter(user=alice).count() == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 200])
def test_create_organisation_with_a_bad_name_is_a_field_error(alice, client_for, name):
    before = Organisation.objects.count()

    response = client_for(alice).post("/orgs/new/", {"name": name})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Organisation.objects.count() == before


def test_organisation_pages_need_a_login(client, nordic):
    for url in ("/o/nordic-air/", "/o/nordic-air/members/", SETTINGS, "/orgs/", "/orgs/new/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_a_non_member_gets_404_for_the_organisation_and_everything_in_it(
    personas, journey, touchpoint, client_for, django_capture_on_commit_callbacks
):
    from motmap import services

    invitation, _ = services.invitation_create(
        actor=personas["alice"],
        organisation=journey.organisation,
        email="x@example.com",
        role=Role.STAFF,
    )
    carol_membership = personas["carol"].memberships.get()
    stage = journey.stages.first()
    client = client_for(personas["mallory"])
    gets = [
        "/o/nordic-air/",
        "/o/nordic-air/members/",
        SETTINGS,
        "/o/nordic-air/journeys/new/",
        f"/o/nordic-air/journeys/{journey.pk}/",
        f"/o/nordic-air/journeys/{journey.pk}/stages/",
        f"/o/nordic-air/journeys/{journey.pk}/stages/{stage.pk}/edit/",
        f"/o/nordic-air/touchpoints/{touchpoint.pk}/",
        f"/o/nordic-air/touchpoints/{touchpoint.pk}/edit/",
    ]
    posts = {
        "/o/nordic-air/members/": {"email": "spy@example.com", "role": Role.OWNER},
        SETTINGS: GOOD_SETTINGS,
        f"/o/nordic-air/members/{carol_membership.pk}/role/": {"role": Role.OWNER},
        f"/o/nordic-air/members/{carol_membership.pk}/remove/": {},
        f"/o/nordic-air/invitations/{invitation.pk}/revoke/": {},
    }

    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Nordic Air" not in response.content.decode(), url
    with django_capture_on_commit_callbacks(execute=True):
        for url, data in posts.items():
            assert client.post(url, data).status_code == 404, url

    carol_membership.refresh_from_db()
    assert carol_membership.role == Role.STAFF
    assert Organisation.objects.get(slug="nordic-air").name == "Nordic Air"
    assert Invitation.objects.get().revoked_at is None
    assert not Invitation.objects.filter(email="spy@example.com").exists()


def test_an_unknown_organisation_is_404_for_anyone_logged_in(alice, client_for):
    assert client_for(alice).get("/o/no-such-org/").status_code == 404
    assert client_for(alice).get("/o/no-such-org/members/").status_code == 404


# --- settings -----------------------------------------------------------------------------


def test_owner_sees_the_settings(alice, client_for):
    response = client_for(alice).get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Nordic Air"' in html
    assert '<option value="Europe/Stockholm" selected>' in html


def test_owner_changes_name_time_zone_and_paper_size(alice, nordic, client_for):
    response = client_for(alice).post(SETTINGS, GOOD_SETTINGS, follow=True)

    assert response.redirect_chain[-1][0] == SETTINGS
    assert "Settings saved." in response.content.decode()
    nordic.refresh_from_db()
    assert nordic.name == "Nordic Air Group"
    assert nordic.time_zone == "America/New_York"
    assert nordic.paper_size == Organisation.PaperSize.LETTER
    assert nordic.language == "sv"  # feedback pages' fallback language
    assert nordic.slug == "nordic-air"  # the address does not change with the name


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_managers_and_staff_cannot_see_or_change_settings(personas, nordic, client_for, persona):
    client = client_for(personas[persona])

    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, GOOD_SETTINGS).status_code == 403

    nordic.refresh_from_db()
    assert (nordic.name, nordic.time_zone, nordic.paper_size) == (
        "Nordic Air",
        "Europe/Stockholm",
        "A4",
    )


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "N" * 200}, "name"),
        ({"paper_size": "B5"}, "paper_size"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_settings_are_field_errors_and_change_nothing(
    alice, nordic, client_for, changes, field
):
    data = {**GOOD_SETTINGS, **changes}

    response = client_for(alice).post(SETTINGS, data)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {field}
    nordic.refresh_from_db()
    assert (nordic.name, nordic.time_zone, nordic.paper_size) == (
        "Nordic Air",
        "Europe/Stockholm",
        "A4",
    )
    html = response.content.decode()
    if field != "name":
        assert f'value="{data["name"]}"' in html  # what they typed is kept
    # The page around the form still shows the saved name, not the rejected one.
    assert "<title>Settings · Nordic Air · motmap</title>" in html


def test_settings_need_post_data_not_a_crash(alice, client_for):
    response = client_for(alice).post(SETTINGS, {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "name",
        "time_zone",
        "paper_size",
        "reminder_days_before",
    }


# --- time zone of the organisation --------------------------------------------------------


@pytest.mark.parametrize(
    "time_zone, shown",
    [
        ("Europe/Stockholm", "expires 15 Jan 2030 13:00"),
        ("America/New_York", "expires 15 Jan 2030 07:00"),
        ("Asia/Tokyo", "expires 15 Jan 2030 21:00"),
    ],
)
def test_dates_are_shown_in_the_organisation_time_zone(alice, nordic, client_for, time_zone, shown):
    nordic.time_zone = time_zone
    nordic.save()
    Invitation.objects.create(
        organisation=nordic,
        email="dave@example.com",
        role=Role.STAFF,
        token_hash="x" * 64,
        invited_by=alice,
        expires_at=datetime(2030, 1, 15, 12, 0, tzinfo=UTC),
    )

    html = client_for(alice).get("/o/nordic-air/members/").content.decode()

    assert shown in html


def test_each_organisation_shows_dates_in_its_own_time_zone(alice_in_two, client_for):
    nordic = Organisation.objects.get(slug="nordic-air")
    mart = Organisation.objects.get(slug="mallory-mart")
    mart.time_zone = "America/New_York"
    mart.save()
    Membership.objects.filter(organisation=mart, user=alice_in_two).update(role=Role.OWNER)
    for org in (nordic, mart):
        Invitation.objects.create(
            organisation=org,
            email="dave@example.com",
            token_hash=org.slug.ljust(64, "x"),
            expires_at=datetime(2030, 1, 15, 12, 0, tzinfo=UTC),
        )
    client = client_for(alice_in_two)

    assert "15 Jan 2030 13:00" in client.get("/o/nordic-air/members/").content.decode()
    assert "15 Jan 2030 07:00" in client.get("/o/mallory-mart/members/").content.decode()


def test_new_organisations_get_a_known_time_zone(db):
    org = OrganisationFactory(name="Plain")
    assert org.tzinfo.key == org.time_zone


def test_a_second_organisation_with_the_same_name_gets_its_own_address(alice, nordic):
    from motmap.services import organisation_create

    org = organisation_create(actor=alice, name="Nordic Air")
    assert org.slug == "nordic-air-2"
    assert org.memberships.get().user == alice
