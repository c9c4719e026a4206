"""The Nordic Air demo, exported, imported as a new organisation and exported again: the second
export holds what the first did, under new ids.

The world is the demo (seeded once for the module) with what the demo lacks: a webhook, a
stored review pack, notification settings, scores imported from another survey tool and an
action made of a customer's comment. Each test exports and imports through the pages, as an
owner would, the Celery task run eagerly when the request's transaction commits.
"""

import hashlib
import json
import tomllib
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from exports import format as fmt
from exports.models import ExportStatus, OrganisationExport
from motmap.models import Membership, Organisation
from tests.conftest import built_once
from tests.exports.helpers import counts, import_page, loads, unzip

ALICE = "alice@nordic-air.example"
BOB = "bob@nordic-air.example"
WEBHOOK_SECRET = "whsec_" + "s3cret" * 6


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from demo.seed import seed_demo
    from feedback.models import FeedbackResponse
    from feedback.services import scores_import
    from notifications.models import NotificationSetting
    from packs.models import PackStatus, StoredPack
    from reviews.models import Review
    from reviews.services import action_from_comment
    from webhooks.models import WebhookEndpoint

    with built_once(django_db_blocker):
        org = seed_demo(packs=False).organisation
        User = get_user_model()
        alice, bob = User.objects.get(email=ALICE), User.objects.get(email=BOB)
        WebhookEndpoint.objects.create(
            organisation=org,
            url="https://hooks.example.com/motmap",
            events=["idea.created", "review.completed"],
            description="Dashboard",
            secret=WEBHOOK_SECRET,
            created_by=alice,
        )
        review = Review.objects.filter(organisation=org, status="completed").first()
        StoredPack.objects.create(
            organisation=org,
            journey=review.journey,
            review=review,
            title="Business trip – review",
            status=PackStatus.DONE,
            pdf=b"%PDF-1.4 the meeting's pack",
            page_count=3,
            created_by=bob,
        )
        for membership in Membership.objects.filter(organisation=org, user__in=[alice, bob]):
            NotificationSetting.objects.create(
                membership=membership, kind="comments", frequency="off"
            )
        yesterday = timezone.localdate() - timedelta(days=1)
        scores_import(
            actor=bob,
            organisation=org,
            scale="csat",
            rows=[
                {
                    "external_id": "business-trip/check-in-desk",
                    "date": yesterday.isoformat(),
                    "score": 4,
                    "count": 12,
                }
            ],
            source="survey.csv",
            save=True,
        )
        comment = FeedbackResponse.objects.filter(organisation=org).exclude(comment="").first()
        action_from_comment(actor=bob, response=comment)
        yield {"org_id": org.pk, "alice_id": alice.pk}


def export_through_the_page(client, slug, django_capture_on_commit_callbacks):
    """An owner presses "Export everything"; the task runs when the request commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/{slug}/export/")
    assert response.status_code == 302
    export = OrganisationExport.objects.filter(organisation__slug=slug).latest("created_at")
    assert export.status == ExportStatus.READY, export.error
    download = client.get(f"/o/{slug}/export/{export.pk}.zip")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    return download.content


def test_the_task_reports_its_progress_and_ends_ready_at_100(
    world, client_for, django_capture_on_commit_callbacks, monkeypatch, db
):
    from exports import build

    alice = get_user_model().objects.get(pk=world["alice_id"])
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/o/nordic-air/export/")
    export = OrganisationExport.objects.get()
    assert export.status == ExportStatus.QUEUED and export.percent == 0
    seen = []
    export_zip = build.writer.export_zip

    def watched(org, *, exported_at, progress):
        def reported(done, total):
            progress(done, total)
            # What the page reads after each step.
            row = OrganisationExport.objects.without_file().get(pk=export.pk)
            seen.append((row.status, row.progress_done, row.progress_total, row.percent))

        return export_zip(org, exported_at=exported_at, progress=reported)

    monkeypatch.setattr(build.writer, "export_zip", watched)
    callbacks[0]()  # the worker's run of the task, eagerly
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.percent == 100
    assert export.progress_done == export.progress_total > 20
    assert export.size == len(bytes(export.file)) > 10_000
    assert export.expires_at == export.finished_at + timedelta(days=7)
    assert {status for status, *_ in seen} == {ExportStatus.RUNNING}
    steps = [done for _status, done, _total, _percent in seen]
    assert steps == list(range(1, export.progress_total + 1)), seen  # step by step, in order
    percents = [percent for *_, percent in seen]
    assert percents == sorted(percents) and percents[0] < 10 and percents[-1] == 100


def test_export_import_export_gives_the_same_content(
    world, client_for, django_capture_on_commit_callbacks, db
):
    alice = get_user_model().objects.get(pk=world["alice_id"])
    client = client_for(alice)
    first = export_through_the_page(client, "nordic-air", django_capture_on_commit_callbacks)
    people, members = get_user_model().objects.count(), Membership.objects.count()

    response = import_page(client, first, name="Nordic Air again")
    assert response.status_code == 302, response.content.decode()[-3000:]
    copy = Organisation.objects.get(name="Nordic Air again")
    assert response["Location"] == f"/o/{copy.slug}/"
    assert copy.slug != "nordic-air" and copy.pk != world["org_id"]
    # Nobody else was given an account or a membership: alice owns the copy, alone.
    assert get_user_model().objects.count() == people
    assert list(copy.memberships.values_list("user__email", "role")) == [(ALICE, "owner")]
    assert Membership.objects.count() == members + 1

    second = export_through_the_page(client, copy.slug, django_capture_on_commit_callbacks)
    a, b = unzip(first), unzip(second)
    assert normalised(a, importer=ALICE) == normalised(b, importer=ALICE)
    # Every id is new: none of the first export's ids is in the second one, or in the database.
    old_ids, new_ids = ids_in(a), ids_in(b)
    assert old_ids and new_ids and not old_ids & new_ids
    for table in fmt.IMPORTED:
        if table.has_id:
            stored = {str(pk) for pk in table.model._default_manager.values_list("pk", flat=True)}
            assert {i for name, i in old_ids if name == table.name} <= stored  # the original's
            assert {i for name, i in new_ids if name == table.name} <= stored
    # The spreadsheets are there with their rows (their content comes from the same tables).
    for name in fmt.CSV_FILES:
        assert a[name].decode().splitlines()[0] == b[name].decode().splitlines()[0]
        assert (
            loads(a, fmt.MANIFEST)["files"][name]["rows"]
            == (loads(b, fmt.MANIFEST)["files"][name]["rows"])
        )


def test_the_manifest_lists_every_file_with_its_rows_and_checksum(
    world, client_for, django_capture_on_commit_callbacks, db
):
    alice = get_user_model().objects.get(pk=world["alice_id"])
    files = unzip(
        export_through_the_page(client_for(alice), "nordic-air", django_capture_on_commit_callbacks)
    )
    manifest = loads(files, fmt.MANIFEST)
    assert manifest["format"] == "motmap-organisation-export" and manifest["version"] == 1
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    assert manifest["motmap_version"] == pyproject["project"]["version"]
    assert manifest["organisation"] == {"name": "Nordic Air", "slug": "nordic-air"}
    assert set(manifest["files"]) == set(files) - {fmt.MANIFEST}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest(), name
        if name.endswith(".json") and name != fmt.ORGANISATION_FILE:
            assert entry["rows"] == len(loads(files, name)), name
    expected = {t.file for t in fmt.TABLES} | set(fmt.CSV_FILES) | {fmt.ORGANISATION_FILE}
    assert expected <= set(files)
    assert manifest["files"]["ideas.json"]["rows"] == 12
    assert manifest["files"]["feedback_responses.json"]["rows"] > 1000
    assert manifest["files"]["ideas.csv"]["rows"] == 12
    (pdf,) = [name for name in files if name.startswith("packs/")]
    assert files[pdf] == b"%PDF-1.4 the meeting's pack"
    assert loads(files, "stored_packs.json")[0]["file"] == pdf


def test_secrets_stay_out_of_the_export(world, client_for, django_capture_on_commit_callbacks, db):
    from feedback.models import FeedbackPoint, FeedbackResponse

    alice = get_user_model().objects.get(pk=world["alice_id"])
    content = export_through_the_page(
        client_for(alice), "nordic-air", django_capture_on_commit_callbacks
    )
    everything = b"".join(unzip(content).values()).decode(errors="replace")
    assert WEBHOOK_SECRET not in everything and "whsec_" not in everything
    tokens = FeedbackPoint.objects.values_list("token", flat=True)
    assert tokens and not [t for t in tokens if t in everything]
    respondents = {r for r in FeedbackResponse.objects.values_list("respondent", flat=True) if r}
    assert respondents and not [r for r in respondents if r in everything]
    submissions = [str(s) for s in FeedbackResponse.objects.values_list("submission_id", flat=True)]
    assert not [s for s in submissions[:200] if s in everything]
    assert "password" not in everything and "pbkdf2" not in everything


def test_imported_people_are_matched_by_email_and_everyone_else_is_a_former_member(
    world, client_for, django_capture_on_commit_callbacks, db
):
    from ideas.models import Idea, Vote
    from journeys.models import Journey
    from reviews.models import Review
    from webhooks.models import WebhookEndpoint

    alice = get_user_model().objects.get(pk=world["alice_id"])
    client = client_for(alice)
    first = export_through_the_page(client, "nordic-air", django_capture_on_commit_callbacks)
    assert import_page(client, first, name="Copy").status_code == 302
    copy = Organisation.objects.get(name="Copy")
    original = Organisation.objects.get(pk=world["org_id"])

    # Alice's own ideas stay hers; bob's and carol's have no author now: a former member's,
    # shown as such, while an anonymous idea stays anonymous.
    named = Idea.objects.filter(organisation=original, author__isnull=False).exclude(author=alice)
    anonymous = Idea.objects.filter(organisation=original, author__isnull=True)
    assert named.exists() and anonymous.exists()
    for idea in Idea.objects.filter(organisation=copy, number__in=named.values("number")):
        assert idea.author is None and idea.author_left and not idea.is_anonymous
    for idea in Idea.objects.filter(organisation=copy, number__in=anonymous.values("number")):
        assert idea.is_anonymous and not idea.author_left
    mine = set(Idea.objects.filter(organisation=original, author=alice).values_list("number"))
    assert mine and set(
        Idea.objects.filter(organisation=copy, author=alice).values_list("number")
    ) == (mine)
    assert (
        not Idea.objects.filter(organisation=copy)
        .exclude(author=alice)
        .exclude(author=None)
        .exists()
    )
    # Only alice's votes can be kept (a vote is a member's); the counts agree with them.
    copied = Idea.objects.filter(organisation=copy)
    assert Vote.objects.filter(idea__in=copied).exclude(user=alice).count() == 0
    for idea in copied:
        assert idea.vote_count == idea.votes.count()
    assert Journey.objects.filter(organisation=copy, owner__isnull=False).count() == 0  # bob's
    for review in Review.objects.filter(organisation=copy):
        assert set(review.attendees.all()) <= {alice}
    # A feedback card printed for the old organisation does not open the new one's.
    old = set(original.feedback_points.values_list("token", flat=True))
    assert old and not old & set(copy.feedback_points.values_list("token", flat=True))
    # The webhook comes turned off, with a secret of its own.
    hook = WebhookEndpoint.objects.get(organisation=copy)
    assert not hook.active and hook.disabled_reason and hook.secret != WEBHOOK_SECRET
    # A reminder schedule of its own (as the original's: made from the same dates).
    assert copy.journeys.filter(next_reminder_at__isnull=False).count() == (
        original.journeys.filter(next_reminder_at__isnull=False).count()
    )
    # The ideas' spreadsheet tells the two apart too.
    sheet = client.get(f"/o/{copy.slug}/ideas/export.csv").content.decode("utf-8-sig")
    assert "former member" in sheet and "anonymous" in sheet and "Alice Andersson" in sheet
    # The page of an imported idea shows a comment of a former member as such.
    idea = copied.filter(comments__author__isnull=True).first()
    page = client.get(f"/o/{copy.slug}/ideas/{idea.pk}/").content.decode()
    assert "former member" in page


def test_a_person_in_no_row_of_the_export_gets_everything_as_former_members(
    world, client_for, django_capture_on_commit_callbacks, db
):
    from ideas.models import Idea
    from tests.factories import UserFactory

    alice = get_user_model().objects.get(pk=world["alice_id"])
    content = export_through_the_page(
        client_for(alice), "nordic-air", django_capture_on_commit_callbacks
    )
    dana = UserFactory(email="dana@elsewhere.example")
    before = counts()
    assert import_page(client_for(dana), content, name="Dana's copy").status_code == 302
    copy = Organisation.objects.get(name="Dana's copy")
    assert list(copy.memberships.values_list("user__email", "role")) == [(dana.email, "owner")]
    assert not Idea.objects.filter(organisation=copy, author__isnull=False).exists()
    after = counts()
    assert after["Organisation"] == before["Organisation"] + 1
    assert after["Vote"] == before["Vote"]  # nobody's vote could be kept
    assert after["Idea"] == before["Idea"] + 12


# --- the normalisation of the round trip ---------------------------------------------------------


def normalised(files, *, importer):
    """The JSON content of an export with what an import changes by design taken out, so that an
    export and the export of its import compare equal:

    - ids: a row's own id and every reference to it are replaced by a label made of the row's
      content (the labels of the rows it refers to included), since an import gives every row
      a new id; rows then compare by what they hold, in any order.
    - the organisation's name, address and creation time (organisation.json, the manifest): the
      import makes a new organisation, named as asked.
    - when each export was made (the manifest's exported_at), and the files' checksums and
      sizes, which follow from their ids; the row counts stay compared.
    - people: every email other than the importer's becomes null (a former member, as the
      import writes it), and an idea whose author it was is marked `author_left`; the rows
      that must name a person (votes, notification settings) of someone else are dropped, as
      the import drops them; a review's attendees keep only the importer; members.json keeps
      only the importer (the one member an import makes), without the moment they joined; an
      idea's vote count counts only the votes kept.
    - webhooks: an import turns them off (active, disabled_at, disabled_reason).
    - stored packs (stored_packs.json and packs/): exported for the record, not imported.
    """
    manifest = loads(files, fmt.MANIFEST)
    tables = {table.name: loads(files, table.file) for table in fmt.TABLES}
    _people(tables, importer)
    tables["stored_packs"] = []
    for hook in tables["webhook_endpoints"]:
        hook.update(active=None, disabled_at=None, disabled_reason=None)
    labels = _labels(tables)
    content = {}
    for table in fmt.TABLES:
        rows = [_labelled(table, row, labels) for row in tables[table.name]]
        content[table.file] = sorted(json.dumps(row, sort_keys=True) for row in rows)
    organisation = loads(files, fmt.ORGANISATION_FILE)
    for key in ("name", "slug", "created_at"):
        organisation.pop(key)
    content[fmt.ORGANISATION_FILE] = organisation
    content["rows"] = {name: len(rows) for name, rows in content.items() if name.endswith(".json")}
    content["manifest"] = {k: manifest[k] for k in ("format", "version", "motmap_version")}
    return content


def _people(tables, importer):
    def person(email):
        return email if email == importer else None

    for idea in tables["ideas"]:
        if idea["author"] not in (None, importer):
            idea["author_left"] = True
    for table in fmt.TABLES:
        kept = []
        for row in tables[table.name]:
            for column in table.columns:
                if column.kind == fmt.PERSON:
                    row[column.key] = person(row[column.key])
                elif column.kind == fmt.PEOPLE:
                    row[column.key] = [e for e in row[column.key] if e == importer]
            if all(
                row[c.key] is not None for c in table.columns if c.kind == fmt.PERSON and not c.null
            ):
                kept.append(row)
        tables[table.name] = kept
    tables["members"] = [
        {**row, "created_at": None} for row in tables["members"] if row["email"] == importer
    ]
    votes = {}
    for vote in tables["votes"]:
        votes[vote["idea"]] = votes.get(vote["idea"], 0) + 1
    for idea in tables["ideas"]:
        idea["vote_count"] = votes.get(idea["id"], 0)


def _labels(tables):
    """(table, id) -> a label of the row's content, references resolved to labels in turn."""
    by_id = {
        (table.name, row["id"]): (table, row)
        for table in fmt.TABLES
        if table.has_id
        for row in tables[table.name]
    }
    labels = {}

    def label(key):
        if key not in labels:
            labels[key] = "…"  # a cycle of references would meet this, not recurse for ever
            table, row = by_id[key]
            content = {
                c.key: (label((c.target, row[c.key])) if row[c.key] is not None else None)
                if c.kind == fmt.REF
                else row[c.key]
                for c in table.columns
                if c.kind != fmt.ID
            }
            labels[key] = hashlib.sha256(
                f"{table.name}:{json.dumps(content, sort_keys=True)}".encode()
            ).hexdigest()[:16]
        return labels[key]

    for key in by_id:
        label(key)
    return labels


def _labelled(table, row, labels):
    out = {}
    for column in table.columns:
        value = row[column.key]
        if column.kind == fmt.ID:
            out["id"] = labels[(table.name, value)]
        elif column.kind == fmt.REF and value is not None:
            out[column.key] = labels.get((column.target, value), f"missing {value}")
        else:
            out[column.key] = value
    return out


def ids_in(files):
    return {
        (table.name, row["id"])
        for table in fmt.TABLES
        if table.has_id
        for row in loads(files, table.file)
        if uuid.UUID(row["id"])
    }
