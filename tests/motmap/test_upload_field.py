"""motmap.forms.UploadField: every upload form's size limit, read when the form is checked."""

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from motmap.forms import UploadField

LIMIT = {"bytes": 10}


class _Form(forms.Form):
    file = UploadField(max_bytes=lambda: LIMIT["bytes"])
    other = UploadField(max_bytes=5, too_large="Over %(max)s here.", required=False)


def _checked(**files):
    return _Form(data={}, files={k: SimpleUploadedFile("f.csv", v) for k, v in files.items()})


def test_a_file_at_the_limit_is_taken():
    assert _checked(file=b"x" * 10).is_valid()


def test_a_larger_one_gets_the_limit_in_readable_words():
    form = _checked(file=b"x" * 11)
    assert not form.is_valid()
    assert form.errors["file"] == [
        "The file is larger than 10\xa0bytes. Split it into smaller files."
    ]


def test_the_limit_is_read_when_the_form_is_checked_and_a_message_may_be_its_own():
    LIMIT["bytes"] = 20
    try:
        assert _checked(file=b"x" * 15).is_valid()
    finally:
        LIMIT["bytes"] = 10
    form = _checked(file=b"x", other=b"y" * 6)
    assert form.errors["other"] == ["Over 5\xa0bytes here."]
