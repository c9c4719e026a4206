"""The owner sets how many days before a review the first reminder goes out; a change of it
or of the time zone reschedules every reminder at once."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from journeys import services as journey_services
from motmap.models import Organisation
from notifications.schedule import morning
from reviews import reminders
from reviews.models import Action

pytestmark = pytest.mark.django_db

URL = "/o/nordic-air/settings/"
NOW = datetime(2031, 1, 10, 12, 0, tzinfo=UTC)
DUE = date(2031, 6, 1)
GOOD = {"name": "Nordic Air", "time_zone": "Europe/Stockholm", "paper_size": "A4"}


@pytest.fixture
def scheduled(nordic, journey, bob):
    journey.next_review_on = DUE
    journey.save()
    action = Action.objects.create(
        organisation=nordic, journey=journey, title="Name cards", owner=bob, due_on=DUE
    )
    with time_machine.travel(NOW, tick=False):
        journey_services.reschedule_journey(journey)
        reminders.reschedule_action(action)
    journey.refresh_from_db()
    return journey, action


def test_the_field_is_on_the_page_with_help(alice, client_for):
    html = client_for(alice).get(URL).content.decode()
    assert 'name="reminder_days_before"' in html
    assert 'for="id_reminder_days_before"' in html
    assert "Reminders go out this many days before a review is due" in html


def test_a_new_lead_reschedules_the_reviews(alice, nordic, scheduled, client_for):
    journey, _action = scheduled
    stockholm = nordic.tzinfo
    assert journey.next_reminder_at == morning(date(2031, 5, 18), stockholm)

    with time_machine.travel(NOW, tick=False):
        response = client_for(alice).post(URL, {**GOOD, "reminder_days_before": "30"})

    assert response.status_code == 302
    nordic.refresh_from_db()
    assert nordic.reminder_days_before == 30
    journey.refresh_from_db()
    assert journey.next_reminder_at == morning(date(2031, 5, 2), stockholm)


def test_a_new_time_zone_reschedules_reviews_and_actions(alice, nordic, scheduled, client_for):
    journey, action = scheduled
    with time_machine.travel(NOW, tick=False):
        client_for(alice).post(
            URL, {**GOOD, "time_zone": "America/New_York", "reminder_days_before": "14"}
        )

    nordic.refresh_from_db()
    new_york = nordic.tzinfo
    journey.refresh_from_db()
    action.refresh_from_db()
    assert journey.next_reminder_at == morning(date(2031, 5, 18), new_york)
    assert action.next_reminder_at == morning(DUE, new_york)


@pytest.mark.parametrize("value", ["0", "91", "ten", "", "-3", "1.5", "9" * 30, "1\x00"])
def test_bad_values_are_a_field_error_and_change_nothing(
    value, alice, nordic, scheduled, client_for
):
    journey, _action = scheduled
    before = journey.next_reminder_at

    response = client_for(alice).post(URL, {**GOOD, "reminder_days_before": value})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"reminder_days_before"}
    if value:
        assert errors["reminder_days_before"] == ["Give a whole number of days, from 1 to 90."]
    assert Organisation.objects.get(pk=nordic.pk).reminder_days_before == 14
    journey.refresh_from_db()
    assert journey.next_reminder_at == before


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_owners_change_it(who, personas, nordic, client_for):
    response = client_for(personas[who]).post(URL, {**GOOD, "reminder_days_before": "30"})
    assert response.status_code == 403
    assert Organisation.objects.get(pk=nordic.pk).reminder_days_before == 14
