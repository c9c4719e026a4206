"""What the export page shows."""

from django.db.models import QuerySet

from motmap.models import Organisation

from .models import OrganisationExport

RECENT = 10


def recent_exports(org: Organisation) -> QuerySet[OrganisationExport]:
    """The organisation's latest exports, newest first, without their files."""
    return (
        OrganisationExport.objects.for_org(org)
        .without_file()
        .select_related("requested_by")
        .order_by("-created_at")[:RECENT]
    )
