"""Dates are written one way everywhere: "1 Dec 2026", and "1 Dec 2026 21:46" with the time.

The style comes from the project's format module (FORMAT_MODULE_PATH = "motmap.formats"), so a
template that names a format (`|date:"DATE_FORMAT"`, `"SHORT_DATETIME_FORMAT"`) or none at all
writes the same as one that spells "j M Y" out.
"""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, timezone, translation

MOMENT = datetime(2026, 12, 1, 21, 46, tzinfo=UTC)
DAY = date(2026, 12, 1)

# Every configured language, and the English variants a browser may ask for.
LANGUAGES = sorted({code for code, _name in settings.LANGUAGES} | {"en-gb", "en-us"})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_named_formats_are_the_apps_in_every_language(language):
    with translation.override(language), timezone.override(UTC):
        assert formats.date_format(DAY) == "1 Dec 2026"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "1 Dec 2026"
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "1 Dec 2026 21:46"
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "1 Dec 2026 21:46"
        assert formats.time_format(MOMENT.time()) == "21:46"


@pytest.mark.parametrize("language", LANGUAGES)
def test_templates_write_dates_the_same_with_a_named_format_or_none(language):
    template = Template(
        '{{ day }}|{{ day|date:"DATE_FORMAT" }}|{{ day|date:"SHORT_DATE_FORMAT" }}|'
        '{{ moment }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{{ moment|date:"j M Y H:i" }}'
    )
    with translation.override(language), timezone.override("Europe/Stockholm"):
        text = template.render(Context({"day": DAY, "moment": MOMENT}))
    # 21:46 UTC is 22:46 in Stockholm: shown in the active (the organisation's) time zone.
    assert text.split("|") == [
        "1 Dec 2026",
        "1 Dec 2026",
        "1 Dec 2026",
        "1 Dec 2026 22:46",
        "1 Dec 2026 22:46",
        "1 Dec 2026 22:46",
    ]


def test_the_format_module_is_the_projects():
    assert settings.FORMAT_MODULE_PATH == "motmap.formats"
    for code, _name in settings.LANGUAGES:
        modules = [m.__name__ for m in formats.get_format_modules(code)]
        assert modules[0].startswith("motmap.formats."), (code, modules)


def test_forms_still_read_iso_dates_as_a_date_input_sends_them():
    class DueForm(forms.Form):
        due_on = forms.DateField()

    with translation.override(settings.LANGUAGE_CODE):
        form = DueForm({"due_on": "2026-12-01"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["due_on"] == DAY
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"
