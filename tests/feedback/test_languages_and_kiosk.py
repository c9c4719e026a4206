"""The customer's page in the customer's language (browser, switch, the organisation's as the
fallback; per-touchpoint translations of the question and reasons), and the desk kiosk."""

import re
import uuid

import pytest
from django.test import Client

from feedback.models import FeedbackDay, FeedbackResponse
from feedback.services import feedback_open, feedback_rotate, kiosk_code, public_code
from motmap.services import organisation_update
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory
from tests.feedback import new_address


@pytest.fixture
def point(bob, nordic):
    stage = StageFactory(journey=JourneyFactory(organisation=nordic, name="Business trip"))
    touchpoint = TouchpointFactory(stage=stage, name="Check-in desk")
    return feedback_open(
        actor=bob,
        touchpoint=touchpoint,
        reasons=["Quick", "Friendly staff"],
        translations={"sv": {"question": "Hur var incheckningen?", "reasons": ["Snabbt", ""]}},
    )


def customer(**headers):
    return Client(HTTP_USER_AGENT="Mozilla/5.0 (tablet)", REMOTE_ADDR=new_address(), **headers)


def token_on(page):
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode())[1]


def page_of(point, **headers):
    return customer(**headers).get(f"/f/{public_code(point)}/")


def test_the_browser_language_is_spoken_with_the_touchpoint_translation(point):
    page = page_of(point, HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9,en;q=0.5")
    body = page.content.decode()
    assert page["Content-Language"] == "sv" and 'lang="sv"' in body
    assert "Hur var incheckningen?" in body  # the manager's Swedish question
    assert "Mycket dåligt" in body and "Utmärkt" in body  # the faces' words
    assert "Ett tryck räcker" in body
    assert "Accept-Language" in page["Vary"]


def test_the_first_language_we_speak_wins_and_norwegian_is_bokmal(point):
    page = page_of(point, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,no;q=0.8,sv;q=0.7")
    assert page["Content-Language"] == "nb"
    # no Norwegian translation of the question: the default one, in Norwegian
    assert "Hvordan var Check-in desk i dag?" in page.content.decode()


def test_the_switch_overrides_the_browser_and_an_unknown_language_is_ignored(point, alice, nordic):
    code = public_code(point)
    page = customer(HTTP_ACCEPT_LANGUAGE="sv").get(f"/f/{code}/?lang=fi")
    assert (
        page["Content-Language"] == "fi"
        and "Miten Check-in desk sujui tänään?" in page.content.decode()
    )
    for value in ("xx", "../../etc", "sv\x00", "e" * 5000):
        page = customer().get(f"/f/{code}/", {"lang": value})
        assert page.status_code == 200 and page["Content-Language"] == "en"
    organisation_update(
        actor=alice,
        organisation=nordic,
        name=nordic.name,
        time_zone=nordic.time_zone,
        paper_size=nordic.paper_size,
        language="da",
    )
    page = customer(HTTP_ACCEPT_LANGUAGE="de, fr;q=0.5").get(f"/f/{code}/?lang=xx")
    assert page["Content-Language"] == "da"  # nothing we speak asked: the organisation's


def test_the_switch_links_every_language_and_keeps_the_channel(point):
    body = customer().get(f"/f/{public_code(point)}/?via=link").content.decode()
    for language, name in [("sv", "Svenska"), ("nb", "Norsk"), ("da", "Dansk"), ("fi", "Suomi")]:
        assert f"via=link&amp;lang={language}" in body and name in body


def test_an_answer_in_swedish_counts_into_the_same_reason(point):
    client = customer(HTTP_ACCEPT_LANGUAGE="sv")
    url = f"/f/{public_code(point)}/"
    token = token_on(client.get(url))
    details = client.post(url, {"form_token": token, "face": "1", "lang": "sv"})
    body = details.content.decode()
    assert "Snabbt" in body and 'value="Quick"' in body  # Swedish words, the point's own value
    assert "Friendly staff" in body  # not translated: the original
    thanks = client.post(
        url, {"form_token": token, "face": "1", "step": "details", "reason": "Quick", "lang": "sv"}
    )
    assert thanks.status_code == 200 and "Tack!" in thanks.content.decode()
    answer = FeedbackResponse.objects.get()
    assert answer.reason == "Quick" and answer.language == "sv"


def test_an_error_is_said_in_the_customer_language(point):
    client = customer(HTTP_ACCEPT_LANGUAGE="da")
    url = f"/f/{public_code(point)}/"
    page = client.post(url, {"form_token": token_on(client.get(url)), "face": "7"})
    assert page.status_code == 400 and "Tryk på et af de fem ansigter." in page.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_translations_are_checked(point, bob):
    from django.core.exceptions import ValidationError

    from feedback.services import feedback_update

    for bad in (
        {"de": {"question": "Wie war es?"}},
        {"sv": {"reasons": ["a", "b", "c"]}},  # more than the two offered
        {"sv": {"question": "x" * 201}},
        {"sv": "Hej"},
        ["sv"],
        {"fi": {"question": "a\x00b"}},
    ):
        with pytest.raises(ValidationError) as caught:
            feedback_update(actor=bob, point=point, translations=bad)
        assert "translations" in caught.value.message_dict
    point.refresh_from_db()
    assert point.translations["sv"]["question"] == "Hur var incheckningen?"


# --- the desk kiosk ----------------------------------------------------------------------


def kiosk_url(point):
    return f"/f/{kiosk_code(point)}/kiosk/"


def test_the_kiosk_thanks_and_returns_to_the_faces_after_its_pause(point):
    tablet = customer()
    page = tablet.get(kiosk_url(point))
    assert page.status_code == 200 and page.content.decode().count('name="face"') == 5
    thanks = tablet.post(kiosk_url(point), {"form_token": token_on(page), "face": "2"})
    body = thanks.content.decode()
    assert thanks.status_code == 200 and "Thank you!" in body
    assert re.search(r'http-equiv="refresh" content="3;url=/f/[^"]+/kiosk/', body)
    assert 'name="face"' not in body  # no faces until the pause is over
    assert not thanks.cookies
    answer = FeedbackResponse.objects.get()
    assert answer.channel == "kiosk" and answer.counted


def test_the_kiosk_counts_every_customer_but_not_taps_within_its_pause(point, time_machine):
    tablet = customer()
    time_machine.move_to("2026-12-02 09:00:00+00:00", tick=False)
    for seconds, face in [(0, "2"), (1, "-2"), (4, "1"), (8, "0")]:
        time_machine.move_to(f"2026-12-02 09:00:{seconds:02d}+00:00", tick=False)
        page = tablet.get(kiosk_url(point))
        tablet.post(kiosk_url(point), {"form_token": token_on(page), "face": face})
    counted = list(
        FeedbackResponse.objects.filter(counted=True)
        .order_by("created_at")
        .values_list("face", flat=True)
    )
    assert counted == [2, 1, 0]  # the tap one second after the first is within the 3 s pause
    day = FeedbackDay.objects.get()
    assert (day.wows, day.pleases, day.neutral, day.depresses, day.excluded) == (1, 1, 1, 0, 1)


def test_the_kiosk_is_not_held_back_by_the_burst_limit(point, settings):
    settings.FEEDBACK_POSTS_PER_MINUTE = 2
    point.kiosk_pause_seconds = 0
    point.save()
    tablet = customer()
    for _ in range(4):
        page = tablet.get(kiosk_url(point))
        answer = tablet.post(kiosk_url(point), {"form_token": token_on(page), "face": "1"})
        assert answer.status_code == 200
    assert FeedbackResponse.objects.count() == 4


def test_a_card_code_does_not_open_the_kiosk_nor_the_kiosk_code_the_card(point):
    assert customer().get(f"/f/{public_code(point)}/kiosk/").status_code == 404
    assert customer().get(f"/f/{kiosk_code(point)}/").status_code == 404


def test_a_rotated_kiosk_says_it_is_no_longer_in_use(point, bob):
    old = kiosk_url(point)
    feedback_rotate(actor=bob, point=point)
    page = customer().get(old)
    assert page.status_code == 404 and "no longer in use" in page.content.decode()
    assert customer().post(old, {"face": "2", "form_token": "x"}).status_code == 404
    assert not FeedbackResponse.objects.exists()


def test_a_kiosk_post_without_its_token_counts_nothing(point):
    page = customer().post(kiosk_url(point), {"face": "2", "form_token": uuid.uuid4().hex})
    assert page.status_code == 400 and page.content.decode().count('name="face"') == 5
    assert not FeedbackResponse.objects.exists()
