"""The translation catalogues: each compiled catalogue (.mo, committed, so that a fresh machine
needs no gettext tools) holds exactly the translations of its source (.po); and the customer's
feedback page is translated whole into every language customers are asked in."""

from pathlib import Path

import polib
import pytest

from motmap.models import Language

LOCALE = Path(__file__).resolve().parents[2] / "locale"
NORDIC = [language for language in Language.values if language != "en"]
# The strings of the customer's pages (templates/feedback/ but the manager's screens), the face
# words and the answers' messages: a customer must never meet English in a Nordic page.
CUSTOMER_STRINGS = {
    "How was %(moment)s today?",
    "Thank you!",
    "What mattered most? (optional)",
    "Anything to add? (optional)",
    "Send",
    "One tap is enough. No cookies, no account, nothing about you is kept.",
    "This card is no longer in use",
    "Thank you, we have your answers",
    "Your answer helps us make this moment better.",
    "This page was out of date, so nothing was sent. Please tap again.",
    "Tap one of the five faces.",
    "Choose one of the reasons shown.",
    "Keep the comment to %(max)s characters (this one has %(count)s).",
    "Very bad",
    "Excellent",
    "Language",
}


def _translations(catalogue):
    return {(entry.msgctxt, entry.msgid): entry.msgstr for entry in catalogue if entry.msgstr}


@pytest.mark.parametrize("language", NORDIC)
def test_the_compiled_catalogue_is_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    source = polib.pofile(str(folder / "django.po"))
    compiled = polib.mofile(str(folder / "django.mo"))
    assert _translations(compiled) == _translations(source), (
        f"locale/{language}: run `manage.py compilemessages -l {language}` after editing the .po"
    )


@pytest.mark.parametrize("language", NORDIC)
def test_the_customer_page_is_translated_whole(language):
    source = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in source if entry.msgstr and "fuzzy" not in entry.flags}
    assert CUSTOMER_STRINGS <= translated, sorted(CUSTOMER_STRINGS - translated)
