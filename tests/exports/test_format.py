"""The export's format covers every model of an organisation, and docs/export.md describes
every file and field of it."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from exports import format as fmt
from motmap.models import Organisation

DOC = (Path(settings.BASE_DIR) / "docs" / "export.md").read_text()


def belongs_to_an_organisation(model, seen=()):
    """A foreign key to the organisation, or to a model that belongs to one (its membership)."""
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model in seen:
            continue
        if field.related_model is Organisation:
            return True
        if field.related_model is not model and belongs_to_an_organisation(
            field.related_model, (*seen, model)
        ):
            return True
    return False


def organisation_models():
    return {
        model._meta.label
        for model in apps.get_models()
        if model is Organisation or belongs_to_an_organisation(model)
    }


def test_every_model_of_an_organisation_is_exported_or_left_out_with_a_reason():
    exported = {table.model._meta.label for table in fmt.TABLES}
    undecided = organisation_models() - exported - set(fmt.LEFT_OUT)
    assert not undecided, (
        f"export these in exports/format.py, or say in LEFT_OUT why not: {undecided}"
    )
    assert not exported & set(fmt.LEFT_OUT)


def test_the_check_finds_the_models_of_an_organisation():
    """It can fail: the models the export holds are found, through a membership too."""
    found = organisation_models()
    assert {"journeys.Stage", "ideas.Vote", "notifications.NotificationSetting"} <= found
    assert "webhooks.WebhookDelivery" in found  # through its endpoint
    assert "motmap.User" not in found and "feedback.DailySalt" not in found


def section(file):
    """The paragraph of docs/export.md that describes `file`."""
    found = re.search(rf"^\*\*{re.escape(file)}\*\*:(.*?)(?=^\*\*|^#)", DOC, re.S | re.M)
    assert found, f"docs/export.md has no paragraph for {file}"
    return found.group(1)


def test_the_doc_names_every_file_and_field():
    assert f"**version {fmt.VERSION}**" in DOC and fmt.FORMAT in DOC
    for table in fmt.TABLES:
        text = section(table.file)
        for column in table.columns:
            assert f"`{column.key}`" in text, (table.file, column.key)
    assert "`file`" in section("stored_packs.json")
    for name in (*fmt.CSV_FILES, fmt.MANIFEST, fmt.ORGANISATION_FILE, "packs/<id>.pdf"):
        assert f"`{name}`" in DOC, name
    for name in fmt.ORGANISATION_FIELDS:
        assert f"`{name}`" in DOC, name


def test_the_doc_says_what_is_left_out():
    table = DOC[DOC.index("## What is left out") : DOC.index("## Importing")]
    for needle in ("webhook signing secrets", "API tokens", "tokens", "respondents' hashes"):
        assert needle in table, needle


def test_the_versions_read_include_the_one_written():
    assert fmt.VERSION in fmt.READABLE_VERSIONS
    assert isinstance(fmt.VERSION, int) and fmt.VERSION >= 1
