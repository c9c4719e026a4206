"""The export page: owners only, the task queued on commit and swept when the broker was away,
progress shown while it runs, the download until it expires, the daily prune."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from exports import build, tasks
from exports.models import ExportStatus, OrganisationExport
from exports.services import export_start


def test_an_owner_exports_everything_and_downloads_it(
    client_for, alice, journey, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    page = client.get("/o/nordic-air/export/").content.decode()
    assert "Export everything" in page and "None yet." in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/o/nordic-air/export/")
    assert response.status_code == 302 and response["Location"] == "/o/nordic-air/export/"
    export = OrganisationExport.objects.get()
    assert export.requested_by == alice and export.status == ExportStatus.QUEUED
    # Nothing was made in the request: the task is queued after the commit; meanwhile the
    # page refreshes itself (htmx, or a meta refresh without script).
    page = client.get("/o/nordic-air/export/").content.decode()
    assert "Queued" in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert client.get(f"/o/nordic-air/export/{export.pk}.zip").status_code == 302  # not yet

    callbacks[0]()  # the worker runs the task (eagerly in tests)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.percent == 100
    page = client.get("/o/nordic-air/export/").content.decode()
    assert "hx-trigger" not in page and 'http-equiv="refresh"' not in page
    assert f"/o/nordic-air/export/{export.pk}.zip" in page and "Ready" in page
    response = client.get(f"/o/nordic-air/export/{export.pk}.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="motmap-nordic-air-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "manifest.json" in archive.namelist() and "journeys.json" in archive.namelist()


def test_htmx_polls_get_only_the_table(client_for, alice, nordic):
    OrganisationExport.objects.create(
        organisation=nordic, status=ExportStatus.RUNNING, progress_done=3, progress_total=12
    )
    body = client_for(alice).get("/o/nordic-air/export/", HTTP_HX_REQUEST="true").content.decode()
    assert body.startswith('<div id="export-status"') and "step 3 of 12" in body
    assert 'value="25"' in body  # the progress bar, in percent
    assert "<html" not in body


def test_managers_and_staff_are_refused(client_for, bob, carol, alice, nordic):
    export = OrganisationExport.objects.create(
        organisation=nordic, status=ExportStatus.READY, file=b"PK", size=2
    )
    export.expires_at = timezone.now() + timedelta(days=7)
    export.save()
    for person in (bob, carol):
        client = client_for(person)
        assert client.get("/o/nordic-air/export/").status_code == 403
        assert client.post("/o/nordic-air/export/").status_code == 403
        assert client.get(f"/o/nordic-air/export/{export.pk}.zip").status_code == 403
    assert OrganisationExport.objects.count() == 1
    # Only owners see the link on the settings page (which only owners open anyway).
    assert (
        "/o/nordic-air/export/" in client_for(alice).get("/o/nordic-air/settings/").content.decode()
    )


def test_the_service_refuses_managers_too(bob, nordic):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        export_start(actor=bob, organisation=nordic)
    assert not OrganisationExport.objects.exists()


def test_another_organisations_export_is_404(client_for, mallory, nordic, other_org):
    export = OrganisationExport.objects.create(
        organisation=nordic,
        status=ExportStatus.READY,
        file=b"PK",
        size=2,
        expires_at=timezone.now() + timedelta(days=7),
    )
    client = client_for(mallory)
    assert client.get("/o/nordic-air/export/").status_code == 404
    assert client.get(f"/o/nordic-air/export/{export.pk}.zip").status_code == 404
    assert client.get(f"/o/mallory-mart/export/{export.pk}.zip").status_code == 404
    page = client.get("/o/mallory-mart/export/").content.decode()
    assert str(export.pk) not in page and "None yet." in page


def test_the_download_is_gone_after_seven_days_and_the_prune_deletes_it(
    client_for, alice, journey, nordic
):
    export = export_start(actor=alice, organisation=nordic)
    build.export_build(export.pk)  # what the task does
    client = client_for(alice)
    url = f"/o/nordic-air/export/{export.pk}.zip"
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.get(url).status_code == 200
        assert tasks.prune_expired_exports() == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert client.get(url).status_code == 404
        page = client.get("/o/nordic-air/export/").content.decode()
        assert "Expired" in page and url not in page
        assert tasks.prune_expired_exports() == 1
    assert not OrganisationExport.objects.exists()


def test_a_failed_export_says_so_and_has_nothing_to_download(
    client_for, alice, nordic, monkeypatch
):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(build.writer, "export_zip", broken)
    export = export_start(actor=alice, organisation=nordic)
    assert build.export_build(export.pk) is None
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "MemoryError" in export.error
    client = client_for(alice)
    assert "MemoryError" in client.get("/o/nordic-air/export/").content.decode()
    assert client.get(f"/o/nordic-air/export/{export.pk}.zip").status_code == 404


def test_pressing_again_while_one_is_made_gives_that_one(alice, nordic):
    first = export_start(actor=alice, organisation=nordic)
    assert export_start(actor=alice, organisation=nordic) == first
    OrganisationExport.objects.filter(pk=first.pk).update(status=ExportStatus.READY)
    assert export_start(actor=alice, organisation=nordic) != first
    assert OrganisationExport.objects.count() == 2


def test_a_task_run_twice_builds_once(alice, nordic, journey):
    export = export_start(actor=alice, organisation=nordic)
    assert build.export_build(export.pk) == export.pk
    finished = OrganisationExport.objects.get().finished_at
    assert build.export_build(export.pk) is None
    assert OrganisationExport.objects.get().finished_at == finished


def test_the_sweep_builds_what_the_broker_missed(
    alice, nordic, journey, broker_away, django_capture_on_commit_callbacks
):
    """The broker was away when the owner pressed the button: the beat's sweep builds it."""
    with django_capture_on_commit_callbacks(execute=True):  # publishing fails, and is logged
        export = export_start(actor=alice, organisation=nordic)
    assert OrganisationExport.objects.get().status == ExportStatus.QUEUED
    assert tasks.build_waiting_exports() == 0  # not yet a minute old
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.build_waiting_exports() == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.READY


def test_an_export_left_running_by_a_dead_worker_is_built_again(alice, nordic, journey):
    export = export_start(actor=alice, organisation=nordic)
    OrganisationExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    assert build.export_build(export.pk) is None  # a live worker has it
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert tasks.build_waiting_exports() == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.READY


def test_the_beat_runs_the_sweep_and_the_prune(settings):
    tasks_on_the_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"exports.tasks.build_waiting_exports", "exports.tasks.prune_expired_exports"} <= (
        tasks_on_the_beat
    )


def test_the_import_is_linked_from_the_new_organisation_page(client_for, carol):
    page = client_for(carol).get("/orgs/new/").content.decode()
    assert 'href="/orgs/import/"' in page
    page = client_for(carol).get("/orgs/import/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page


@pytest.mark.django_db(transaction=True)
def test_the_worker_reads_everything_in_one_snapshot():
    """As in the worker, with no transaction around the task: every table is read inside one
    read-only transaction, at REPEATABLE READ on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import business_trip
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    org = OrganisationFactory(name="Nordic Air", slug="nordic-air")
    owner = UserFactory(email="alice@nordic-air.example")
    MembershipFactory(organisation=org, user=owner, role="owner")
    business_trip(org, owner)
    with CaptureQueriesContext(connection) as queries:
        # Committed at once: the task is queued on commit and runs (eagerly) there and then.
        export = export_start(actor=owner, organisation=org)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    with zipfile.ZipFile(io.BytesIO(bytes(export.file))) as archive:
        assert len(json.loads(archive.read("touchpoints.json"))) == 3
    sql = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "postgresql":
        snapshot = next(i for i, q in enumerate(sql) if "REPEATABLE READ READ ONLY" in q)
        reads = [i for i, q in enumerate(sql) if 'FROM "journeys_journey"' in q]
        assert reads and min(reads) > snapshot


def test_exports_and_downloads_are_in_the_audit_log(
    client_for, alice, journey, django_capture_on_commit_callbacks
):
    from motmap.models import AuditEntry

    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/nordic-air/export/")
    export = OrganisationExport.objects.get()
    client.get(f"/o/nordic-air/export/{export.pk}.zip")

    done = AuditEntry.objects.filter(action__startswith="export.").order_by("at", "pk")
    assert [(e.action, e.actor) for e in done] == [
        ("export.requested", alice),
        ("export.downloaded", alice),
    ]
